"""The hot queries keep their indexes: every statement the patient search, the list's first page, the
count and the reports run is planned by SQLite with ``EXPLAIN QUERY PLAN``, and a whole-table scan of a
table that grows with the clinic fails the test (a lost or renamed index would otherwise show only as a
clinic's slow screen at a million patients). On PostgreSQL (tests marked ``postgres``) the search's
statements are planned with ``EXPLAIN (FORMAT JSON)`` over 100,000 patients, the same way."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from clinicrec.db.models import UserRow
from clinicrec.demo import build_demo
from clinicrec.domain.enums import Zone
from clinicrec.domain.report_types import BreakdownBy, ReportFilters
from clinicrec.services.app import Services, open_services
from clinicrec.services.auth import actor_of
from tests.conftest import PG_SKIP_REASON, PG_URL

TODAY = date(2026, 6, 30)
#: Tables that grow with the clinic: none may be read whole by a hot query.
GROWING = (
    "patients",
    "treatment_sessions",
    "injection_points",
    "assessments",
    "adverse_events",
    "session_vials",
    "vials",
    "acknowledgements",
    "audit_log",
    "report_session_use",
    "report_outcomes",
    "report_day_groups",
    "report_day_outcomes",
    "report_day_events",
    "report_day_lots",
    "report_day_vials",
)
#: The day tables (db/report_days.py) the reports read when their filters allow.
DAY_TABLES = GROWING[-5:]
FULL_SCAN = re.compile(rf"^SCAN ({'|'.join(GROWING)})(?: AS \w+)?$")
SEARCHES = ("", "gar", "m", "cr-0042", "zoe nunez", "1985-03-14", "o'b", "lu c")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plans") / "demo.sqlite3"
    build_demo(f"sqlite:///{path}", patients=600, today=TODAY)  # analysed, as every demo is
    return path


@pytest.fixture
def manager(demo: Path) -> Iterator[Services]:
    services = open_services(f"sqlite:///{demo}")
    with services.db.read() as s:
        services.act_as(
            actor_of(s.execute(select(UserRow).where(UserRow.role == "manager")).scalars().first())
        )
    yield services
    services.db.dispose()


def plans_of(services: Services, path: Path, work: Callable[[], object]) -> list[tuple[str, list[str]]]:
    """Each SELECT that ``work`` ran, with the steps of its query plan."""
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", capture)
    try:
        work()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", capture)
    assert seen, "the work ran no statement: nothing was planned"
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    raw.create_function("clinic_month", 2, lambda at, _zone: at, deterministic=True)
    raw.create_function("clinic_day", 2, lambda at, _zone: at, deterministic=True)
    try:
        return [
            (sql, [r[3] for r in raw.execute("EXPLAIN QUERY PLAN " + sql, params)]) for sql, params in seen
        ]
    finally:
        raw.close()


def full_scans(plans: list[tuple[str, list[str]]]) -> list[str]:
    return [
        f"{step}  <-  {sql.split()[0]} ... {sql[-120:]!r}"
        for sql, steps in plans
        for step in steps
        if FULL_SCAN.match(step)
    ]


def hot_work(services: Services) -> dict[str, Callable[[], object]]:
    end = TODAY
    f = ReportFilters(start=end - timedelta(days=365), end=end)
    everything = ReportFilters(start=end - timedelta(days=3650), end=end)
    work: dict[str, Callable[[], object]] = {}
    for q in SEARCHES:
        work[f"search {q!r}"] = lambda q=q: services.patients.search(q)
        work[f"count {q!r}"] = lambda q=q: services.patients.count(q)
    work["first page by date of birth"] = lambda: services.patients.search("", sort="date_of_birth")
    work["summary"] = lambda: services.reports.summary(f)
    work["summary, all dates"] = lambda: services.reports.summary(everything)
    work["summary of a zone"] = lambda: services.reports.summary(replace(f, zone=Zone.FOREHEAD))
    work["product use of a zone"] = lambda: services.reports.product_use(replace(f, zone=Zone.FOREHEAD))
    work["safety"] = lambda: services.reports.safety(f)
    work["product use"] = lambda: services.reports.product_use(f)
    work["follow-up gaps"] = lambda: services.reports.follow_up_gaps(f)
    for b in BreakdownBy:
        work[f"breakdown by {b.value}"] = lambda b=b: services.reports.breakdown(f, b)
    return work


def test_no_hot_query_reads_a_growing_table_whole(manager: Services, demo: Path) -> None:
    problems = {name: full_scans(plans_of(manager, demo, job)) for name, job in hot_work(manager).items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_search_and_the_first_page_use_the_name_index(manager: Services, demo: Path) -> None:
    for q in ("", "gar"):
        steps = [
            s
            for _sql, steps in plans_of(manager, demo, lambda q=q: manager.patients.search(q))
            for s in steps
        ]
        assert any("ix_patients_name" in s for s in steps), (q, steps)
        if q == "":  # the first page is read in the index's order, never sorted afterwards
            assert not any("TEMP B-TREE FOR ORDER BY" in s for s in steps), (q, steps)


@pytest.mark.parametrize("cap", [5000, 1])
def test_one_last_name_is_read_from_its_block_of_the_name_index(
    manager: Services, demo: Path, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One word in name order: its last names' block is read as a range of ``ix_patients_name`` (a page of
    entries), never by walking the index from its start (100 ms for "smith" at a million patients), also
    when the block is too large for the planner to count (``cap`` 1: every count capped)."""
    from clinicrec.services import patient_search

    monkeypatch.setitem(patient_search.PAGE_PROBE_CAP, "name", cap)
    for q in ("gar", "o'b"):
        steps = [
            s
            for _sql, steps in plans_of(manager, demo, lambda q=q: manager.patients.search(q))
            for s in steps
        ]
        assert "SEARCH patients USING COVERING INDEX ix_patients_name (last_key>? AND last_key<?)" in steps, (
            q,
            steps,
        )
        assert not any(s.startswith("SCAN patients") for s in steps), (q, steps)


#: ``sqlite_stat1`` of the patients' indexes in the 1,000,000-patient demo (``ANALYZE``): the planner's
#: view of a million patients, given to the small demo's copy.
MILLION_STATS = {
    "ix_patients_name": "938736 2001 286 1 1",
    "ix_patients_first_key": "738000 2001",
    "ix_patients_date_of_birth": "951375 56",
    "sqlite_autoindex_patients_1": "1111800 1",
}


@pytest.fixture
def million(demo: Path, tmp_path: Path) -> Iterator[tuple[Services, Path]]:
    """The demo, as the planner sees a million patients (their index statistics)."""
    path = tmp_path / "million.sqlite3"
    shutil.copyfile(demo, path)
    raw = sqlite3.connect(path)
    with raw:
        for index, stat in MILLION_STATS.items():
            raw.execute("UPDATE sqlite_stat1 SET stat = ? WHERE tbl = 'patients' AND idx = ?", (stat, index))
    raw.close()
    services = open_services(f"sqlite:///{path}")
    with services.db.read() as s:
        services.act_as(
            actor_of(s.execute(select(UserRow).where(UserRow.role == "manager")).scalars().first())
        )
    yield services, path
    services.db.dispose()


def test_a_query_driven_by_one_words_candidates_reads_them_through_its_spans(
    million: tuple[Services, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The candidates plan (a few matches of one word, checked against the others, then sorted) is run as
    planned with its values bound: SQLite, free to use the order's index, walked ``ix_patients_name`` from
    "a" instead ("maria g": 197 ms at a million patients, 1.8 ms through the spans)."""
    from clinicrec.services import patient_search

    services, path = million
    always = dict.fromkeys(patient_search.SORT_COLUMNS, 0.0)
    monkeypatch.setattr(patient_search, "SCANNED_PER_CANDIDATE", always)
    for q in ("zoe nunez", "maria g", "lu c", "1985-03-14"):
        for sort in patient_search.SORT_COLUMNS:
            steps = [
                s
                for _sql, steps in plans_of(
                    services, path, lambda q=q, sort=sort: services.patients.search(q, sort=sort)
                )
                for s in steps
            ]
            assert not any(s.startswith("SCAN patients") for s in steps), (q, sort, steps)
            assert any(s.startswith("SEARCH patients USING") for s in steps), (q, sort, steps)


#: Filters the day tables do not cover (a zone is a set per session): the reports find their sessions.
PER_SESSION = ReportFilters(start=TODAY - timedelta(days=365), end=TODAY, zone=Zone.FOREHEAD)


def test_the_reports_read_the_day_tables_by_day(manager: Services, demo: Path) -> None:
    """Without a zone, product or indication filter every report's figures come from the day tables,
    each read by its primary key's day range, and no statement reads the sessions' date index."""
    f = ReportFilters(start=TODAY - timedelta(days=365), end=TODAY, injector_id=None)
    jobs: dict[str, Callable[[], object]] = {
        "summary": lambda: manager.reports.summary(f),
        "safety": lambda: manager.reports.safety(f),
        "product use": lambda: manager.reports.product_use(f),
        **{f"by {b.value}": (lambda b=b: manager.reports.breakdown(f, b)) for b in BreakdownBy},
    }
    for name, job in jobs.items():
        steps = [s for _sql, steps in plans_of(manager, demo, job) for s in steps]
        day_reads = [s for s in steps if any(f"SEARCH {t} " in s for t in DAY_TABLES)]
        assert day_reads, (name, steps)
        assert all("(day>? AND day<?)" in s for s in day_reads), (name, day_reads)
        assert not any("ix_treatment_sessions_performed_at" in s for s in steps), (name, steps)


def test_the_reports_find_their_sessions_by_date(manager: Services, demo: Path) -> None:
    f = PER_SESSION
    steps = [s for _sql, steps in plans_of(manager, demo, lambda: manager.reports.summary(f)) for s in steps]
    assert any("ix_treatment_sessions_performed_at" in s for s in steps), steps


def test_a_lost_index_fails_the_check(manager: Services, demo: Path, tmp_path: Path) -> None:
    """The check can fail: on a copy without the sessions' date index the reports scan the table."""
    copy = tmp_path / "copy.sqlite3"
    src = sqlite3.connect(demo)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.execute("DROP INDEX ix_treatment_sessions_performed_at")
    dst.commit()
    dst.close()
    services = open_services(f"sqlite:///{copy}")
    try:
        services.act_as(manager.actor)
        found = full_scans(plans_of(services, copy, lambda: services.reports.summary(PER_SESSION)))
        assert any(step.startswith("SCAN treatment_sessions") for step in found), found
    finally:
        services.db.dispose()


def test_each_report_finds_its_sessions_once(manager: Services, demo: Path) -> None:
    """A breakdown, the summary and the safety report read the sessions' date index once per run (their
    figures are parts of one statement over one materialized cohort, ``reports/one_pass``), and the
    month's key is computed in SQL, not by a Python function called for every session (the per-session
    path: a zone filter)."""
    f = PER_SESSION
    jobs: dict[str, Callable[[], object]] = {
        "summary": lambda: manager.reports.summary(f),
        "safety": lambda: manager.reports.safety(f),
        **{f"by {b.value}": (lambda b=b: manager.reports.breakdown(f, b)) for b in BreakdownBy},
    }
    for name, job in jobs.items():
        plans = plans_of(manager, demo, job)
        by_date = [
            sql for sql, steps in plans if any("ix_treatment_sessions_performed_at" in s for s in steps)
        ]
        cohorts = [sql for sql in by_date if "MATERIALIZED" in sql]
        assert len(cohorts) == 1, (name, [sql[:200] for sql in by_date])
        # the month's breakdown first asks the index for the first and last session (the CASE's span)
        assert len(by_date) == (2 if name == "by month" else 1), (name, [sql[:200] for sql in by_date])
        assert not any("clinic_month" in sql for sql, _ in plans), name


# -- PostgreSQL ------------------------------------------------------------------------------------------
#: Searches whose page and count PostgreSQL must answer through the indexes (at 100,000 patients), beside
#: the SQLite ones: a letter, a common name, a rare name, a chart number, two words, a birth date.
PG_SEARCHES = (*SEARCHES, "g", "smith", "zoe", "cr-004", "ng", "ta")
PG_PATIENTS = 100_000


@pytest.fixture(scope="module")
def pg_search(pg_template: str) -> Iterator[Services]:
    """100,000 demo patients on PostgreSQL (a copy of the migrated template, vacuumed and analysed as a
    clinic's server keeps them), and an injector's services over them."""
    import os
    import random
    from datetime import UTC, datetime

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from clinicrec.demo.people import generate_patients

    assert PG_URL
    name = f"clinicrec_plans_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        c.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    services = open_services(url)
    try:
        now = datetime(2026, 6, 30, tzinfo=UTC)
        rows = generate_patients(random.Random(17), PG_PATIENTS, TODAY, now)
        columns = [c for c in rows[0] if c != "updated_by_id"]
        raw = services.db.engine.raw_connection()
        try:
            with raw.cursor() as cur, cur.copy(f"COPY patients ({', '.join(columns)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row([r[c] for c in columns])
            raw.commit()
        finally:
            raw.close()
        with services.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE patients")
        with services.db.read() as s:
            nurse = s.execute(select(UserRow).where(UserRow.username == "nurse")).scalar_one()
        services.act_as(actor_of(nurse))
        yield services
    finally:
        services.db.dispose()
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def pg_plans(services: Services, work: Callable[[], object], *ddl: str) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    """Each SELECT on patients that ``work`` ran, with PostgreSQL's plan for it (``EXPLAIN (FORMAT JSON)``),
    planned after ``ddl`` (in a transaction rolled back afterwards: PostgreSQL's DDL is transactional)."""
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if "patients" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", capture)
    try:
        work()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", capture)
    assert seen, "the work ran no statement on patients: nothing was planned"
    raw = services.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement in ddl:
            cur.execute(statement)
        out = []
        for sql, params in seen:
            cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            out.append((sql, cur.fetchone()[0][0]["Plan"]))
        return out
    finally:
        raw.rollback()
        raw.close()


def _nodes(plan: dict) -> Iterator[dict]:  # type: ignore[type-arg]
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def pg_seq_scans(plans: list[tuple[str, dict]]) -> list[str]:  # type: ignore[type-arg]
    """Whole-table reads of patients by a page or a count (the planning probes, which stop after a few
    thousand entries, may read the table from its start: that is cheap and sometimes PostgreSQL's pick)."""
    return [
        f"Seq Scan on patients  <-  {sql[:80]!r}"
        for sql, plan in plans
        if not re.search(r"LIMIT %\(cap\)s", sql)
        for node in _nodes(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "patients"
    ]


def _index_only_on_name(plans: list[tuple[str, dict]]) -> bool:  # type: ignore[type-arg]
    return any(
        node["Node Type"] == "Index Only Scan" and node.get("Index Name") == "ix_patients_name"
        for sql, plan in plans
        if "chart_number" in sql.split("FROM", 1)[0]  # the page's statement, not a probe
        for node in _nodes(plan)
    )


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_postgresql_answers_every_search_from_the_indexes(pg_search: Services) -> None:
    patients = pg_search.patients
    problems: dict[str, list[str]] = {}
    for q in PG_SEARCHES:
        for what, job in (
            (f"search {q!r}", lambda q=q: patients.search(q)),
            (f"page 2 of {q!r}", lambda q=q: patients.search(q, offset=200)),
            (f"count {q!r}", lambda q=q: patients.count(q)),
        ):
            if what in ("count ''", "count 'm'"):  # counting everyone (or a fifth) reads the table
                continue
            if found := pg_seq_scans(pg_plans(pg_search, job)):
                problems[what] = found
    assert problems == {}


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_postgresql_reads_the_name_order_from_the_index_alone(pg_search: Services) -> None:
    """The first page, and a letter's page (an ordered scan), find their ids in ``ix_patients_name``
    without reading a row per entry passed over (an index-only scan); then only the page's rows."""
    for q, offset in (("", 0), ("", 400), ("m", 0), ("m", 400), ("g", 0)):
        plans = pg_plans(pg_search, lambda q=q, o=offset: pg_search.patients.search(q, offset=o))
        assert _index_only_on_name(plans), (q, offset, [p for _, p in plans])


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_a_lost_index_fails_the_postgresql_checks(pg_search: Services) -> None:
    """The checks can fail: without the name index the first page reads and sorts the whole table;
    without the first names' index a first name's matches cannot be counted through the indexes."""
    first_page = pg_plans(pg_search, lambda: pg_search.patients.search(""), "DROP INDEX ix_patients_name")
    assert not _index_only_on_name(first_page)
    assert pg_seq_scans(first_page)
    counted = pg_plans(pg_search, lambda: pg_search.patients.count("zoe"), "DROP INDEX ix_patients_first_key")
    assert not pg_seq_scans(pg_plans(pg_search, lambda: pg_search.patients.count("zoe")))
    assert pg_seq_scans(counted)


def pg_analysed(services: Services, work: Callable[[], object]) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    """Like ``pg_plans``, but each statement run (``EXPLAIN (ANALYZE, FORMAT JSON)``): which parts ran."""
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if "patients" in statement:
            seen.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", capture)
    try:
        work()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", capture)
    raw = services.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        out = []
        for sql, params in seen:
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            out.append((sql, cur.fetchone()[0][0]["Plan"]))
        return out
    finally:
        raw.rollback()
        raw.close()


def _loops(
    plan: dict, node_type: str, *, index: str | None = None, filtered: bool | None = None
) -> list[int]:  # type: ignore[type-arg]
    return [
        n["Actual Loops"]
        for n in _nodes(plan)
        if n["Node Type"] == node_type
        and (index is None or n.get("Index Name") == index)
        and (filtered is None or ("Filter" in n) is filtered)
    ]


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_postgresql_merges_a_last_name_block_read_in_order(pg_search: Services, descending: bool) -> None:
    """'ta': 3,300 last names lying together 85% of the way down the name order, no other match. The page
    reads its 200 entries of the block in order from the name index (a range, not a walk from 'a'), and
    never the 3,300 rows: two statements in all (the probe, with the rights; the page)."""
    plans = pg_analysed(pg_search, lambda: pg_search.patients.search("ta", descending=descending))
    assert len(plans) == 2, [sql[:80] for sql, _ in plans]
    page = plans[1][1]
    ranges = [
        n
        for n in _nodes(page)
        if n["Node Type"] == "Index Only Scan" and n.get("Index Name") == "ix_patients_name"
    ]
    assert len(ranges) == 1 and "last_key >=" in ranges[0]["Index Cond"], ranges
    assert ranges[0]["Actual Rows"] <= 200 and "Filter" not in ranges[0]
    assert not _loops(page, "Seq Scan")
    assert sum(n.get("Actual Rows", 0) for n in _nodes(page) if n["Node Type"] == "Bitmap Heap Scan") == 0


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_postgresql_runs_only_the_plan_the_entries_ahead_choose(
    pg_search: Services, descending: bool
) -> None:
    """When the choice hangs on how many entries lie ahead of a last-name block (``_Ahead``), PostgreSQL
    counts them inside the page's own statement, once, and runs only the plan chosen. 'ta' with a cap of
    30,000: about 85,000 entries lie before it (merge), about 12,000 after it (the ordered scan)."""
    from clinicrec.services import patient_search

    words = patient_search.query_words("ta")
    ahead = patient_search._Ahead(0, words[0], 30_000, descending, merge=True)
    stmt = patient_search._page_after_count(ahead, patient_search.words_filter(words), 0, 200)  # type: ignore[arg-type]

    def run() -> None:
        with pg_search.db.read() as s:
            s.execute(stmt).all()

    [(sql, page)] = pg_analysed(pg_search, run)
    assert sql.lstrip().startswith("WITH reached"), sql[:200]
    counted = [n for n in _nodes(page) if n.get("Subplan Name") == "CTE reached"]
    assert len(counted) == 1 and counted[0]["Actual Loops"] == 1  # counted once for both gates
    block = _loops(page, "Index Only Scan", index="ix_patients_name", filtered=False)
    scan = _loops(page, "Index Only Scan", index="ix_patients_name", filtered=True)
    # the block's range scan (no filter) beside the count's (no filter, always run); the scan's walk
    assert (sorted(block), scan) == (([1, 1], [0]) if not descending else ([0, 1], [1])), (block, scan)
