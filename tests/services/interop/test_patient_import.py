"""Patient import from CSVs as real systems write them: encodings, delimiters, dates, rejects, duplicates."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicrec.domain.enums import AllergyStatus, Sex
from clinicrec.domain.errors import PermissionDenied
from clinicrec.services.audit_log import AuditFilters
from clinicrec.services.interop.csv_read import DateOrder, read_csv
from clinicrec.services.interop.patient_import import (
    Decision,
    ImportRefused,
    PatientImportService,
    guess_mapping,
)
from tests.conftest import World, make_patient

HEADER = "Chart No;Surname;Given Name;DOB;Gender;Mobile;E-mail;Address;Allergies\r\n"


def importer(world: World) -> PatientImportService:
    world.as_(world.admin)
    return PatientImportService(world.services.ctx)


def import_entries(world: World) -> list:  # type: ignore[type-arg]
    world.as_(world.admin)
    return [e for e in world.services.audit_log.search(AuditFilters()) if e.entity == "patient_import"]


def changes(entry) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return {c.field: c.new for c in entry.changes}


def test_header_guess_maps_the_usual_names() -> None:
    header = ["Chart No", "Surname", "Given Name", "DOB", "Gender", "Mobile", "E-mail", "Notes", "Skin type"]
    assert guess_mapping(header) == {
        "chart_number": "Chart No",
        "first_name": "Given Name",
        "last_name": "Surname",
        "date_of_birth": "DOB",
        "sex": "Gender",
        "phone": "Mobile",
        "email": "E-mail",
        "fitzpatrick_type": "Skin type",
        "notes": "Notes",
    }


@pytest.mark.postgres
def test_utf8_bom_semicolons_quoted_newlines_and_blank_lines(world: World) -> None:
    text = (
        HEADER
        + 'A-1;Núñez;Zoë;1985-03-14;F;+1 555 0101;zoe@example.com;"12 Harbour Road\r\nBrighton";latex\r\n'
        + "\r\n\r\n"
        + "A-2;Smith;John;1970-12-01;male;;;;\r\n"
    )
    table = read_csv(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert table.encoding == "utf-8-sig" and table.delimiter == ";" and table.blank_rows == 2
    assert table.header[0] == "Chart No"  # the BOM is not part of the first column's name
    plan = importer(world).plan_csv(table, source="clinic.csv")
    assert not plan.rejects and not plan.duplicates
    zoe, john = plan.preview()
    assert (zoe.first_name, zoe.last_name, zoe.sex, zoe.address) == (
        "Zoë",
        "Núñez",
        Sex.FEMALE,
        "12 Harbour Road\r\nBrighton",
    )
    assert john.date_of_birth == date(1970, 12, 1) and [r.line for r in table.records] == [2, 6]
    # A listed allergy is a record of allergies; a blank cell records nothing (not "none known").
    assert (zoe.allergies, zoe.allergy_status) == ("latex", AllergyStatus.LISTED)
    assert (john.allergies, john.allergy_status) == ("", AllergyStatus.NOT_RECORDED)
    result = importer(world).run(plan)
    assert result.imported == 2
    assert world.services.patients.count("Núñez") == 1
    [row] = world.services.patients.search("Núñez")
    assert world.services.patients.get(row.id).allergy_status == AllergyStatus.LISTED


def test_latin1_file_and_tab_delimiter(world: World) -> None:
    text = "chart\tfirst name\tlast name\tdate of birth\nL-1\tRené\tLefèvre\t1990-01-02\n"
    table = read_csv(text.encode("latin-1"))
    assert table.encoding in ("cp1252", "latin-1") and table.delimiter == "\t"
    plan = importer(world).plan_csv(table)
    assert plan.preview()[0].first_name == "René"


def test_ambiguous_dates_need_an_explicit_choice(world: World) -> None:
    data = b"chart,first,last,dob\nD-1,Ann,Lee,03/04/1980\nD-2,Bob,Ray,05/06/1981\n"
    svc = importer(world)
    with pytest.raises(ImportRefused, match="date order"):
        svc.plan_csv(read_csv(data))
    day_first = svc.plan_csv(read_csv(data), date_order=DateOrder.DAY_FIRST)
    month_first = svc.plan_csv(read_csv(data), date_order=DateOrder.MONTH_FIRST)
    assert day_first.preview()[0].date_of_birth == date(1980, 4, 3)
    assert month_first.preview()[0].date_of_birth == date(1980, 3, 4)


def test_a_day_above_12_settles_the_order_and_says_so(world: World) -> None:
    data = b"chart,first,last,dob\nD-1,Ann,Lee,03/04/1980\nD-2,Bob,Ray,25/06/1981\n"
    plan = importer(world).plan_csv(read_csv(data))
    assert plan.preview()[0].date_of_birth == date(1980, 4, 3)
    assert any("row 2 has a day above 12" in n for n in plan.notes)


def test_a_day_above_12_in_second_place_settles_month_first_and_says_so(world: World) -> None:
    data = b"chart,first,last,dob\nM-1,Ann,Lee,03/04/1980\nM-2,Bob,Ray,06/25/1981\n"
    plan = importer(world).plan_csv(read_csv(data))
    assert [p.date_of_birth for p in plan.preview()] == [date(1980, 3, 4), date(1981, 6, 25)]
    assert any("Month first: row 2 has a day above 12 in second place" in n for n in plan.notes)


def test_dates_that_disagree_need_a_choice_and_misfits_are_rejected(world: World) -> None:
    data = b"chart,first,last,dob\nD-1,Ann,Lee,13/04/1980\nD-2,Bob,Ray,04/13/1981\n"
    with pytest.raises(ImportRefused, match="disagree"):
        importer(world).plan_csv(read_csv(data))
    plan = importer(world).plan_csv(read_csv(data), date_order=DateOrder.DAY_FIRST)
    [reject] = plan.rejects
    assert (reject.row, reject.line, reject.field) == (2, 3, "dob") and "day/month/year" in reject.reason


@pytest.mark.postgres
def test_rejects_are_listed_written_and_nothing_is_half_imported(world: World, tmp_path: Path) -> None:
    data = (
        b"chart,first,last,dob,email,skin type\n"
        b"R-1,Ann,Lee,1980-01-01,ann@example.com,II\n"
        b"R-2,,Ray,1981-01-01,,\n"
        b"R-3,Cy,Doe,2199-01-01,not-an-email,9\n"
        b"R-4,Di,Fox,1982-02-02,,\n"
    )
    svc = importer(world)
    plan = svc.plan_csv(read_csv(data))
    assert plan.preview()[0].fitzpatrick_type == 2
    got = {(r.row, r.field) for r in plan.rejects}
    assert got == {(2, "first"), (3, "dob"), (3, "email"), (3, "skin type")}
    assert all(r.reason for r in plan.rejects)
    path = plan.write_rejects(tmp_path / "rejects.csv")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["row", "line", "field", "reason"] and rows[1][:3] == ["2", "3", "first"]
    assert rows[1][4:] == ["R-2", "", "Ray", "1981-01-01", "", ""]
    before = world.services.patients.count()
    with pytest.raises(ImportRefused, match="2 rows were rejected"):
        svc.run(plan)
    assert world.services.patients.count() == before and not import_entries(world)
    assert svc.run(plan, accept_rejects=True).imported == 2
    assert world.services.patients.count() == before + 2


@pytest.mark.postgres
def test_duplicates_are_shown_for_a_decision_never_merged(world: World) -> None:
    existing = make_patient(world.services, first_name="Ada", last_name="Byron", chart_number="X-1",
                            date_of_birth=date(1980, 5, 5))  # fmt: skip
    data = (
        b"chart,first,last,dob\n"
        b"X-1,Someone,Else,1990-01-01\n"  # chart number taken in the clinic
        b"N-2,ADA,byron,1980-05-05\n"  # same name and birth date as a patient
        b"N-3,Eve,Stone,1975-07-07\n"
        b"N-3,Eve,Stone,1975-07-07\n"  # the same chart number again in the file
        b"N-5,Eve,Stone,1975-07-07\n"  # same person as row 3, other chart number
    )
    svc = importer(world)
    plan = svc.plan_csv(read_csv(data))
    kinds = {(d.row, d.kind) for d in plan.duplicates}
    assert kinds == {
        (1, "chart_number"),
        (2, "name_and_birth_date"),
        (4, "chart_number"),
        (5, "name_and_birth_date"),
    }
    who = {d.row: d.other for d in plan.duplicates}
    assert who[2] == "patient X-1 Ada Byron (in the clinic)" and who[5] == "row 3 of the file"
    assert who[1] == "chart number X-1 is taken in the clinic"
    assert who[4] == "chart number N-3 is also on row 3"
    assert svc.run(plan, dry_run=True).imported == 1  # undecided rows are not counted as imported
    with pytest.raises(ImportRefused, match="need a decision"):
        svc.run(plan)
    with pytest.raises(ImportRefused, match="can only be skipped"):
        svc.run(plan, all_duplicates=Decision.IMPORT)
    decisions = {1: Decision.SKIP, 2: Decision.IMPORT, 4: Decision.SKIP, 5: Decision.SKIP}
    result = svc.run(plan, decisions=decisions)
    assert (result.imported, result.skipped_duplicates) == (2, 3)
    world.as_(world.admin)
    assert world.services.patients.get(existing.id).first_name == "Ada"  # untouched
    assert world.services.patients.count("byron") == 2  # a separate patient, as decided
    [entry] = import_entries(world)
    assert changes(entry)["imported"] == 2 and changes(entry)["skipped_duplicates"] == 3


def test_dry_run_writes_nothing(world: World) -> None:
    svc = importer(world)
    plan = svc.plan_csv(read_csv(b"chart,first,last,dob\nQ-1,Ann,Lee,1980-01-01\n"))
    before = world.services.patients.count()
    assert svc.run(plan, dry_run=True).imported == 1
    assert world.services.patients.count() == before and not import_entries(world)


@pytest.mark.postgres
def test_a_chart_number_taken_after_the_preview_stops_the_whole_import(world: World) -> None:
    svc = importer(world)
    plan = svc.plan_csv(read_csv(b"chart,first,last,dob\nQ-1,Ann,Lee,1980-01-01\nQ-2,Bo,Li,1981-01-01\n"))
    make_patient(world.services, chart_number="Q-2")
    before = world.services.patients.count()
    with pytest.raises(ImportRefused, match="Q-2 was taken since the preview"):
        importer(world).run(plan)
    assert world.services.patients.count() == before


def test_missing_chart_numbers_are_given_new_ones(world: World) -> None:
    plan = importer(world).plan_csv(read_csv(b"first,last,dob\nAnn,Lee,1980-01-01\nBo,Li,1981-01-01\n"))
    numbers = [p.chart_number for p in plan.preview()]
    assert len(set(numbers)) == 2 and all(n.startswith("CR-") for n in numbers)


def test_bad_column_map_is_refused_naming_the_problem(world: World) -> None:
    table = read_csv(b"chart,first,last,dob\nQ-1,Ann,Lee,1980-01-01\n")
    with pytest.raises(ImportRefused, match="no column 'Birth'"):
        importer(world).plan_csv(
            table, {"first_name": "first", "last_name": "last", "date_of_birth": "Birth"}
        )
    with pytest.raises(ImportRefused, match="Date of birth needs a column"):
        importer(world).plan_csv(table, {"first_name": "first", "last_name": "last"})


def test_import_needs_an_administrator(world: World) -> None:
    world.as_(world.manager)
    with pytest.raises(PermissionDenied):
        PatientImportService(world.services.ctx).plan_csv(read_csv(b"first,last,dob\nA,B,1980-01-01\n"))


@pytest.mark.slow
def test_100k_rows_import_in_one_transaction(world: World) -> None:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["MRN", "First", "Last", "DOB", "Sex", "Phone"])
    for i in range(100_000):
        dob = f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50}"
        w.writerow([f"B-{i:06d}", f"Name{i}", f"Family{i % 5000}", dob, "F" if i % 2 else "M", "+1 555 0100"])
    table = read_csv(out.getvalue().encode())
    svc = importer(world)
    plan = svc.plan_csv(table, source="big.csv")  # days above 12 appear: day first, shown in the notes
    assert not plan.rejects and not plan.duplicates and len(plan.candidates) == 100_000
    assert svc.run(plan).imported == 100_000
    assert world.services.patients.count() == 100_000
    [entry] = import_entries(world)
    assert changes(entry)["imported"] == 100_000


_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_names, last=_names, phone=st.text("0123456789 +()-x#", max_size=20))
def test_every_row_is_rejected_naming_the_field_or_stored_exactly(
    world: World, first: str, last: str, phone: str
) -> None:
    n = world.services.patients.count() + 1
    out = io.StringIO()
    csv.writer(out).writerows(
        [["chart", "first", "last", "dob", "phone"], [f"H-{n}", first, last, "1980-01-01", phone]]
    )
    data = out.getvalue().encode("utf-8")
    svc = importer(world)
    try:
        table = read_csv(data)
    except ValueError:
        return  # not a table (e.g. the values made the header ambiguous): refused with a message
    if len(table.records) != 1 or table.header != ["chart", "first", "last", "dob", "phone"]:
        return  # e.g. a value with only separators or newlines: the reader's own rules apply
    plan = svc.plan_csv(table)
    if plan.rejects:
        assert {r.field for r in plan.rejects} <= {"first", "last", "phone"}
        assert all(r.reason for r in plan.rejects)
        return
    svc.run(plan, all_duplicates=Decision.IMPORT)
    [row] = world.services.patients.search(f"H-{n}")
    stored = world.services.patients.get(row.id)
    assert (stored.first_name, stored.last_name, stored.phone) == (first.strip(), last.strip(), phone.strip())


@settings(max_examples=500)
@given(
    st.text(max_size=40)
    | st.text(st.characters(categories=("L", "M", "Zs")), max_size=20)
    | st.sampled_from(["Zoë", "Ñúñez-Øster", "ﬃ", "İstanbul", "Straße", "Łódź", "Ǆ", "ΟΔΥΣΣΕΥΣ"])
    | st.just("a\u0323\u0301e")
)
def test_fast_fold_is_the_search_key_fold(name: str) -> None:
    from clinicrec.services.interop.patient_import import fast_fold
    from clinicrec.text import fold

    assert fast_fold(name) == fold(name)


def test_fast_fold_is_the_search_key_fold_for_every_character_in_one_text() -> None:
    """Character by character is the same as the whole text: every code point but surrogates, each
    also after a base letter and between combining marks (NFKD reorders marks)."""
    from clinicrec.services.interop.patient_import import fast_fold
    from clinicrec.text import fold

    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    for text in ("".join(every), "".join(f"a\u0301{c}\u0323" for c in every)):
        assert fast_fold(text) == fold(text)


def test_each_imported_patient_has_its_own_entry_hashed_as_one_entered_by_hand(world: World) -> None:
    """The bulk path assembles each entry's canonical JSON itself (issue 18's speed): every entry must be
    exactly what ``entry_hash`` gives, record what a creation records, and the whole trail verifies."""
    import json

    from sqlalchemy import select

    from clinicrec.db.models import AuditRow
    from clinicrec.services import audit

    text = (
        HEADER
        + 'Q-1;O\'Brien "Bob";Zoë;1985-03-14;F;+1 555 0101;zoe@example.com;"1 Quay\\n\r\nCork";latex\r\n'
        + "Q-2;Ünal;Łukasz;1970-12-01;male;;;;\r\n"
    )
    svc = importer(world)
    assert svc.run(svc.plan_csv(read_csv(text.encode("utf-8")), source="q.csv")).imported == 2
    with world.services.db.read() as s:
        query = select(AuditRow).where(AuditRow.entity == "patient", AuditRow.action == "create")
        made = list(s.execute(query.order_by(AuditRow.id)).scalars())[-2:]
        for e in made:
            assert e.hash == audit.entry_hash(
                e.prev_hash, e.id, e.at, e.user_id, e.username, e.action, e.entity, e.entity_id,
                e.patient_id, e.changes, e.row_hash,
            )  # fmt: skip
            assert e.patient_id == int(e.entity_id) and e.row_hash not in (None, "deleted")
        assert made[1].prev_hash == made[0].hash
        bob = json.loads(made[0].changes)
    assert bob["last_name"] == [None, 'O\'Brien "Bob"'] and bob["address"] == [None, "1 Quay\\n\r\nCork"]
    assert "first_key" not in bob and "version" not in bob and "phone" in bob
    result = world.services.audit_log.verify_chain()
    assert result.ok, result.problems
