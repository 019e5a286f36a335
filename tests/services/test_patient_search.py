"""The planned patient search (services/patient_search.py) returns exactly what the plain statement and a
search written out in Python return: same rows, same order, same counts, whichever plan it picks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select

from clinicrec.db.models import PatientRow
from clinicrec.domain.enums import Sex
from clinicrec.domain.models import Patient, SafetyScreening
from clinicrec.services import patient_search
from clinicrec.services.mapping import patient_values
from clinicrec.services.patients import PatientListRow
from clinicrec.text import fold
from tests.conftest import World

LAST = (
    "Ñúñez-Øster", "Nunez", "Müller", "Mueller", "O'Brien", "Obrien", "García", "Garcia", "Łukasiewicz",
    "Æsir", "Straße", "Strasse", "Smith", "Smithers", "Zoeller", "Adams", "Anderson", "de la Cruz",
    "Đorđević", "Crane", "Cruz", "Ma", "Mäkinen", "Brown", "Bianchi", "van Dijk",
)  # fmt: skip
FIRST = (
    "Zoë", "Zoe", "Zoey", "Maria", "María", "Mark", "Ana", "Anna", "Åsa", "Chloé", "Chris", "Bob", "Liam",
    "Lu", "Luc", "Siobhán", "Ōta", "Þóra", "Crista", "Noor",
)  # fmt: skip
BIRTHS = (date(1985, 3, 14), date(1990, 2, 28), date(1970, 1, 1), date(2001, 12, 31))
QUERIES = (
    "", "z", "zo", "zoe", "ZOË", "zoë ñ", "n", "nu", "ñúñez", "nunez-o", "oster", "mu", "mül", "mue",
    "o", "o'", "o'b", "obr", "g", "gar", "garcía", "ł", "l", "lu", "luk", "ae", "æ", "æs", "stra", "straß",
    "strass", "sm", "smith", "c", "cr", "cr-", "CR-0", "cr-00", "cr-0001", "cr-00012", "ab", "ab-", "AB-1",
    "ab-12", "x-9", "m", "ma", "mar", "maria", "marí", "a", "an", "ann", "å", "b", "bi", "d", "de", "đ",
    "dj", "v", "van", "th", "þ", "ō", "ota", "s", "si", "siob", "1985-03-14", "14/03/1985", "14.03.1985",
    "1985-03-15", "maria 1990-02-28", "zoe n", "a b", "m g", "s s", "cr-0 m", "c c", "zz", "q", "-",
    "zoe zoe", "lu 1970-01-01 c", "s smith", "smith s", "ma g", "garcia 1985-03-14", "cr-0 smith",
    "n zoe", "ab- ab-1",
)  # fmt: skip
SORTS = ("name", "chart_number", "date_of_birth")


def _chart_number(rng: random.Random, i: int) -> str:
    kind = rng.random()
    if kind < 0.7:
        return f"CR-{rng.randrange(1, 400):06d}-{i}"
    if kind < 0.85:
        return f"ab-{rng.randrange(1, 30)}-{i}"
    return f"X-9{i}"


@pytest.fixture
def crowd(world: World) -> list[PatientRow]:
    """A few hundred random patients (names with accents, repeats, chart numbers in both cases)."""
    rng = random.Random(20261124)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(300):
        patient = Patient(
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            date_of_birth=rng.choice(BIRTHS),
            chart_number=_chart_number(rng, i),
            sex=Sex.FEMALE,
            phone=f"555-{i:04d}",
            screening=SafetyScreening(recent_toxin=rng.random() < 0.1),
        )
        rows.append(patient_values(patient) | {"created_at": now, "updated_at": now, "version": 1})
    with world.services.db.write() as s, s.begin():
        s.execute(insert(PatientRow), rows)
    with world.services.db.read() as s:
        return list(s.execute(select(PatientRow)).scalars())


def _matches(p: PatientRow, query: str) -> bool:
    """The documented rule, written out: every word starts the folded last or first name or the chart
    number (as typed or in capitals), or is the birth date."""
    for token in query.replace(",", " ").split():
        born = patient_search._as_date(token)
        if born is not None:
            if p.date_of_birth != born:
                return False
            continue
        key = fold(token)
        if not (
            p.last_key.startswith(key)
            or p.first_key.startswith(key)
            or p.chart_number.startswith(token.upper())
            or p.chart_number.startswith(token)
        ):
            return False
    return True


def _expected(crowd: list[PatientRow], query: str, sort: str, descending: bool) -> list[int]:
    def key(p: PatientRow) -> tuple:  # type: ignore[type-arg]
        if sort == "name":
            return (p.last_key, p.first_key, p.id)
        if sort == "chart_number":
            return (p.chart_number,)
        return (p.date_of_birth, p.id)

    return [p.id for p in sorted((p for p in crowd if _matches(p, query)), key=key, reverse=descending)]


@pytest.fixture(params=["as planned", "always scan", "always candidates", "counts capped"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each check under the planner's own choice and with each plan forced."""
    for costs in ("SCANNED_PER_CANDIDATE", "SCANNED_PER_CANDIDATE_PG"):  # each backend's own
        if request.param == "always scan":
            monkeypatch.setattr(patient_search, costs, dict.fromkeys(SORTS, 1e12))
        elif request.param == "always candidates":
            monkeypatch.setattr(patient_search, costs, dict.fromkeys(SORTS, 0.0))
    if request.param in ("always scan", "always candidates"):  # and the merge's
        cost = 1e12 if request.param == "always scan" else 0.0
        monkeypatch.setattr(patient_search, "SCANNED_PER_OTHER_MATCH", {"sqlite": cost, "postgresql": cost})
    if request.param == "counts capped":  # spans reach the cap: words with unknown sizes
        monkeypatch.setattr(patient_search, "PAGE_PROBE_CAP", dict.fromkeys(SORTS, 3))
        monkeypatch.setattr(patient_search, "COUNT_PROBE_CAP", 3)
    return str(request.param)


@pytest.mark.postgres
def test_search_pages_and_counts_match_the_rule(world: World, crowd: list[PatientRow], plan: str) -> None:
    svc = world.services
    assert len(crowd) == 300
    pages = iter([(0, 7), (5, 20), (40, 3), (0, 1)] * len(QUERIES) * len(SORTS))
    for i, query in enumerate(QUERIES):
        for j, sort in enumerate(SORTS):
            descending = (i + j) % 2 == 1  # each query both ways, over the sorts
            expected = _expected(crowd, query, sort, descending)
            found = [r.id for r in svc.patients.search(query, sort=sort, descending=descending, limit=500)]
            assert found == expected, (query, sort, descending)
            offset, limit = next(pages)  # and one page of it, at an offset
            page = svc.patients.search(query, sort=sort, descending=descending, offset=offset, limit=limit)
            assert [r.id for r in page] == expected[offset : offset + limit], (query, sort, offset)
        assert svc.patients.count(query) == len(_expected(crowd, query, "name", False)), query


@pytest.mark.postgres
def test_planned_statements_equal_the_plain_ones(world: World, crowd: list[PatientRow], plan: str) -> None:
    """Whole rows too (the screening flag, phone, dates), compared with the plain statement."""
    with world.services.db.read() as s:
        for query in QUERIES:
            for sort in SORTS:
                plain = s.execute(patient_search.plain_page(query, sort=sort, descending=False)).all()
                planned = s.execute(
                    patient_search.page_statement(s, query, sort=sort, descending=False, limit=1000)
                ).all()
                assert planned == plain, (query, sort)
            counted = s.execute(patient_search.count_statement(s, query)).scalar_one()
            assert counted == s.execute(patient_search.plain_count(query)).scalar_one(), query
    rows = world.services.patients.search("", limit=1)
    assert isinstance(rows[0], PatientListRow) and rows[0].phone.startswith("555-")


def test_each_plan_is_the_one_chosen_somewhere(world: World, crowd: list[PatientRow]) -> None:
    """On the crowd both plans are picked (else the checks above would test only one of them)."""
    with world.services.db.read() as s:
        drivers = [
            patient_search.page_driver(s, patient_search.query_words(q), sort="name", offset=0, limit=200)
            for q in QUERIES[1:]
        ]
    assert None in drivers and any(d is not None for d in drivers)


def _aaltos_then_zellers(world: World) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        patient_values(
            Patient(
                first_name="Ann",
                last_name="Aalto" if i < 3400 else "Zeller",
                date_of_birth=date(1980, 1, 1),
                chart_number=f"CR-{i:06d}",
                sex=Sex.FEMALE,
            )
        )
        | {"created_at": now, "updated_at": now, "version": 1}
        for i in range(3800)
    ]
    with world.services.db.write() as s, s.begin():
        s.execute(insert(PatientRow), rows)


@pytest.mark.postgres
def test_a_last_name_block_far_down_the_order_is_collected_not_scanned_to(world: World, backend: str) -> None:
    """3,400 'Aalto's then 400 'Zeller's: spread evenly, 400 matches would be met soon enough by an ordered
    scan; lying together after every 'Aalto', they are not, so their candidates are collected. Read from
    the other end (descending) they come first, and the ordered scan would be right; but the block, read
    in order from the name index, merged with the word's other matches (none here), costs a page of
    entries either way, so both backends merge both ways."""
    _aaltos_then_zellers(world)
    words = patient_search.query_words("zel")
    with world.services.db.read() as s:
        ascending = patient_search.page_driver(s, words, sort="name", offset=0, limit=200)
        descending = patient_search.page_driver(s, words, sort="name", offset=0, limit=200, descending=True)
        merged = patient_search._plan(
            s, words, sort="name", offset=0, limit=200, descending=False, rights=None
        ) == patient_search._Merge(words[0])
    assert (ascending, descending) == (0, 0)
    assert merged
    found = world.services.patients.search("zel", limit=5)
    assert [r.last_name for r in found] == ["Zeller"] * 5


@pytest.mark.postgres
def test_a_last_name_block_too_large_to_count_is_still_merged(
    world: World, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A common last name among a million patients ("smith") has more entries than the probe counts: its
    size is unknown, but the merge costs a page of its entries whatever its size, so it is still merged
    (an ordered scan walked the name index from "a": 100 ms at a million patients). With the other
    matches too many to count, the ordered scan meets them soon and is kept."""
    _aaltos_then_zellers(world)
    monkeypatch.setattr(patient_search, "PAGE_PROBE_CAP", dict.fromkeys(SORTS, 100))  # 400 Zellers: capped
    with world.services.db.read() as s:
        for descending in (False, True):
            plan = patient_search._plan(
                s,
                patient_search.query_words("zel"),
                sort="name",
                offset=0,
                limit=200,
                descending=descending,
                rights=None,
            )
            assert plan == patient_search._Merge(patient_search.query_words("zel")[0]), descending
            for offset, limit in ((0, 200), (150, 100), (390, 20)):
                planned = patient_search.page_statement(
                    s, "zel", sort="name", descending=descending, offset=offset, limit=limit
                )
                plain = patient_search.plain_page("zel", sort="name", descending=descending)
                assert s.execute(planned).all() == s.execute(plain.offset(offset).limit(limit)).all()
        many_first_names = patient_search.query_words("a")  # 3,400 Aaltos, 3,800 Anns: both capped
        scan = patient_search._plan(
            s, many_first_names, sort="name", offset=0, limit=200, descending=False, rights=None
        )
    assert scan is None


@pytest.mark.postgres
def test_a_query_of_several_words_merges_the_block_of_its_narrowest_last_name(
    world: World, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "s smith" among a million patients: both words too common to count, so neither could drive the
    candidates, and an ordered scan walked the name index from "a" to the "smith" block (105 ms). On
    SQLite the block of the word whose other matches (first names, chart numbers) are few is read in
    order with the other words checked on it, and merged with those few: a page of the block's entries.
    Here "a zel": 3,400 Aalto/Ann then 400 Zeller/Ann, every count capped; "a" has too many first names
    to merge its block, "zel" none. PostgreSQL keeps its own plans; the rows are the plain statement's."""
    _aaltos_then_zellers(world)
    monkeypatch.setattr(patient_search, "PAGE_PROBE_CAP", dict.fromkeys(SORTS, 300))  # 400 Zellers: capped
    words = patient_search.query_words("a zel")
    with world.services.db.read() as s:
        for descending in (False, True):
            plan = patient_search._plan(
                s, words, sort="name", offset=0, limit=200, descending=descending, rights=None
            )
            if backend == "sqlite":
                assert plan == patient_search._Merge(words[1], (words[0],), 1), descending
            for query in ("a zel", "zel a"):
                for offset, limit in ((0, 200), (150, 100), (390, 20)):
                    planned = patient_search.page_statement(
                        s, query, sort="name", descending=descending, offset=offset, limit=limit
                    )
                    plain = patient_search.plain_page(query, sort="name", descending=descending)
                    expected = s.execute(plain.offset(offset).limit(limit)).all()
                    assert s.execute(planned).all() == expected, (query, descending, offset)
                    assert len(expected) == max(0, min(limit, 400 - offset))


@pytest.mark.postgres
def test_two_words_whose_other_matches_are_too_many_read_only_the_pairs_that_meet(
    world: World, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "zoe n" among a million patients: no last name starts "zoe", thousands of first names start "n",
    so neither word could be merged its old way, and the ordered scan read half the name index (70-130
    ms). A first name cannot start both "n" and "zoe": the other matches of "n" that match "zoe" too are
    only those meeting it on another column (its last names, chart numbers), each counted in full. So
    SQLite reads the "n" block in order and those few pairs. The rows are the plain statement's."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    lasts, firsts = ("Adams", "Nash", "Nunez", "Ortiz"), ("Zoe", "Nina", "Ann", "Noor", "Zoey")
    rows = [
        patient_values(
            Patient(
                first_name=firsts[i % 5],
                last_name=lasts[(i // 5) % 4],
                date_of_birth=date(1980, 1, 1),
                chart_number=f"CR-{i:06d}" if i % 97 else f"N-{i:06d}",  # a few chart numbers meet "n"
                sex=Sex.FEMALE,
            )
        )
        | {"created_at": now, "updated_at": now, "version": 1}
        for i in range(2000)
    ]
    with world.services.db.write() as s, s.begin():
        s.execute(insert(PatientRow), rows)
    monkeypatch.setattr(patient_search, "PAGE_PROBE_CAP", dict.fromkeys(SORTS, 150))
    with world.services.db.read() as s:
        for query in ("zoe n", "n zoe", "zo nu", "n n"):
            for descending in (False, True):
                words = patient_search.query_words(query)
                plan = patient_search._plan(
                    s, words, sort="name", offset=0, limit=20, descending=descending, rights=None
                )
                if backend == "sqlite" and query in ("zoe n", "n zoe"):
                    assert isinstance(plan, patient_search._Merge) and plan.pairs is not None, (query, plan)
                    assert all(patient_search._can_meet(a, b) for a, b in plan.pairs)
                elif backend == "sqlite" and query == "zo nu":  # "nu": no first name, merged as before
                    assert isinstance(plan, patient_search._Merge) and plan.pairs is None, plan
                plain = patient_search.plain_page(query, sort="name", descending=descending)
                total = len(s.execute(plain).all())
                assert total > 0, query
                for offset, limit in ((0, 20), (10, 20), (0, 200), (total - 5, 20)):
                    planned = patient_search.page_statement(
                        s, query, sort="name", descending=descending, offset=offset, limit=limit
                    )
                    expected = s.execute(plain.offset(offset).limit(limit)).all()
                    assert s.execute(planned).all() == expected, (query, descending, offset)


def _a_block_and_spread_matches(world: World) -> None:
    """9,600 patients of five last names, 350 of them (spread) named Zelda; then 400 Zellers."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        patient_values(
            Patient(
                first_name="Zelda" if i < 9600 and i % 27 == 0 else "Ann",
                last_name=("Aalto", "Berg", "Cole", "Dunn", "Eck")[i % 5] if i < 9600 else "Zeller",
                date_of_birth=date(1980, 1, 1),
                chart_number=f"CR-{i:06d}",
                sex=Sex.FEMALE,
            )
        )
        | {"created_at": now, "updated_at": now, "version": 1}
        for i in range(10_000)
    ]
    with world.services.db.write() as s, s.begin():
        s.execute(insert(PatientRow), rows)


@pytest.mark.postgres
def test_a_plan_hanging_on_the_entries_ahead_returns_the_plain_rows(
    world: World, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The choice that waits on one more count (``_Ahead``; on PostgreSQL made inside the page's own
    statement, both plans behind the count's answer): the rows are the plain statement's, both ways and
    at any offset, and the count decides both ways (merge ascending, the ordered scan descending). The
    numbers suit PostgreSQL's cost of a candidate and of a merged match (8 index entries); SQLite's are
    made the same."""
    monkeypatch.setattr(patient_search, "SCANNED_PER_CANDIDATE", patient_search.SCANNED_PER_CANDIDATE_PG)
    monkeypatch.setitem(patient_search.SCANNED_PER_OTHER_MATCH, "sqlite", 8.0)
    _a_block_and_spread_matches(world)
    words = patient_search.query_words("zel")
    with world.services.db.read() as s:
        for descending in (False, True):
            plan = patient_search._plan(
                s, words, sort="name", offset=0, limit=200, descending=descending, rights=None
            )
            assert isinstance(plan, patient_search._Ahead), (descending, plan)
            assert plan.merge
            assert plan.reached(s) is (not descending)
            for offset, limit in ((0, 200), (0, 5), (390, 20), (740, 10), (745, 20)):
                planned = patient_search.page_statement(
                    s, "zel", sort="name", descending=descending, offset=offset, limit=limit
                )
                plain = patient_search.plain_page("zel", sort="name", descending=descending)
                expected = s.execute(plain.offset(offset).limit(limit)).all()
                assert s.execute(planned).all() == expected, (descending, offset, limit)
                assert len(expected) == max(0, min(limit, 756 - offset)), (descending, offset, limit)
