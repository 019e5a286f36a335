"""The import's per-row write path (services/interop/import_write.py) gives what the application gives:
the same canonical JSON in each creation entry, the same state hash as a read-back, and a trail that
``audit verify`` proves, and that names a patient changed behind the application after the import."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clinicrec.db.models import AuditRow, PatientRow
from clinicrec.domain.enums import AllergyStatus, Language, Sex
from clinicrec.domain.models import Patient, SafetyScreening
from clinicrec.services import audit, audit_state
from clinicrec.services.interop.import_write import (
    ENTRY_FIELDS,
    VALUE_COLUMNS,
    changes_json,
    state_hash,
    stored_values,
)
from clinicrec.services.interop.patient_import import Decision, PatientImportService, new_patient
from clinicrec.services.mapping import patient_values
from tests.conftest import World
from tests.services.test_audit_trail import _tamper

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def _application_json(values: dict[str, object]) -> str:
    return audit.canonical_json(audit.created({k: v for k, v in values.items() if k in ENTRY_FIELDS}))


@settings(max_examples=300, deadline=None)
@given(
    first=_text,
    last=_text,
    address=_text,
    notes=_text,
    fitzpatrick=st.none() | st.integers(1, 6),
    sex=st.sampled_from(Sex),
    status=st.sampled_from(AllergyStatus),
    language=st.sampled_from(Language),
    flags=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_creation_entries_are_the_applications_canonical_json(  # noqa: PLR0913 (one per field)
    first: str,
    last: str,
    address: str,
    notes: str,
    fitzpatrick: int | None,
    sex: Sex,
    status: AllergyStatus,
    language: Language,
    flags: list[bool],
) -> None:
    screening = SafetyScreening(*flags, other=notes[:5])  # type: ignore[arg-type]
    patient = Patient(
        first, last, date(1981, 2, 3), "CR-1", sex, "+1 (555) 0101", "a@b.example", address, fitzpatrick,
        notes, screening, notes, language, allergy_status=status,
    )  # fmt: skip
    values = patient_values(patient, ("k", "k"))
    assert changes_json(values) == _application_json(values)


@settings(max_examples=200, deadline=None)
@given(
    first=_text,
    last=_text,
    notes=_text,
    fitzpatrick=st.none() | st.integers(1, 6),
    sex=st.sampled_from(Sex),
    status=st.sampled_from(AllergyStatus),
    language=st.sampled_from(Language),
    flags=st.lists(st.booleans(), min_size=6, max_size=6),
    keys=st.none() | st.tuples(_text, _text),
    as_text=st.booleans(),
)
def test_the_stored_values_are_the_applications_column_values(  # noqa: PLR0913 (one per field)
    first: str,
    last: str,
    notes: str,
    fitzpatrick: int | None,
    sex: Sex,
    status: AllergyStatus,
    language: Language,
    flags: list[bool],
    keys: tuple[str, str] | None,
    as_text: bool,
) -> None:
    """The import reads each patient straight into the row it stores; mapping.patient_values is the
    application's reading of the same patient (choices given as members, or as their text)."""
    choices = (sex.value, status.value, language.value) if as_text else (sex, status, language)
    patient = Patient(
        first, last, date(1981, 2, 3), "CR-1", choices[0], "+1 555", "a@b.example", notes, fitzpatrick,
        notes, SafetyScreening(*flags, other=notes[:3]), notes, choices[2], allergy_status=choices[1],
    )  # type: ignore[arg-type]  # fmt: skip
    values = patient_values(patient, keys)
    assert stored_values(patient, keys) == tuple(values[c] for c in VALUE_COLUMNS)


def test_every_character_is_escaped_as_the_application_escapes_it() -> None:
    """orjson and ``json`` (ensure_ascii off) agree on every character a patient's text can hold."""
    every = "".join(chr(c) for c in range(0x3000) if not 0xD800 <= c < 0xE000) + "\U0001f600\u2028\u2029"
    values = patient_values(Patient(every, every[::-1], date(1990, 1, 1), "X", notes=every), None)
    assert changes_json(values) == _application_json(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(_text | st.none() | st.integers(-(2**63), 2**63 - 1), max_size=30))
def test_a_stored_row_is_hashed_as_the_audit_trail_hashes_it(row: list[object]) -> None:
    assert state_hash(tuple(row)) == audit_state.stored_state_hash(tuple(row))


@settings(max_examples=100, deadline=None)
@given(
    first=_text,
    notes=_text,
    fitzpatrick=st.none() | st.integers(1, 6),
    sex=st.sampled_from(Sex),
    with_screening=st.booleans(),
)
def test_a_patient_made_for_an_import_is_the_one_the_constructor_makes(
    first: str, notes: str, fitzpatrick: int | None, sex: Sex, with_screening: bool
) -> None:
    values: dict[str, object] = dict(
        first_name=first, last_name="Lee", date_of_birth=date(1970, 1, 2), chart_number="C-1", sex=sex,
        notes=notes, fitzpatrick_type=fitzpatrick,
    )  # fmt: skip
    if with_screening:
        values["screening"] = SafetyScreening(recent_toxin=True, other=notes[:5])
    made, built = new_patient(dict(values)), Patient(**values)  # type: ignore[arg-type]
    assert made == built and repr(made) == repr(built) and vars(made) == vars(built)
    assert list(vars(made)) == list(vars(built))  # the same fields in the same order


def test_a_patient_for_an_import_refuses_unknown_or_missing_fields() -> None:
    needed: dict[str, object] = {"first_name": "A", "last_name": "B", "date_of_birth": date(1970, 1, 1)}
    with pytest.raises(TypeError):
        new_patient(needed)
    with pytest.raises(TypeError):
        new_patient({**needed, "chart_number": "C", "x": 1})
    assert new_patient({**needed, "chart_number": "C"}) == Patient(**needed, chart_number="C")  # type: ignore[arg-type]


TRICKY = [
    # Text that looks like numbers in text columns, a missing skin type and one given, line breaks,
    # quotes and accents: SQLite keeps text as text, and the stored tuple is what it returns.
    ("123", "Ünal", "Łukasz", "1970-12-01", "male", "12345", "", '1 "Quay"\n\nCork', "", ""),
    ("0042", "O'Brien", "Zoë", "1985-03-14", "F", "+1 555 0101", "zoe@example.com", "", "latex", "III"),
    ("1e5", "Smith", "Al", "1950-06-30", "", "", "", "", "", "6"),
    # What COPY's text format gives a meaning to (PostgreSQL's rows go in by COPY, db/bulk_rows.py): its
    # NULL marker, backslashes, a tab and a carriage return, as text.
    ("77", "Nolan", "Ann", "1960-01-02", "", "", "", "Flat 2\\N\tRear\\\\\r\nGalway", "\\N", ""),
]


HEADER = ["Chart", "Last", "First", "DOB", "Sex", "Phone", "Email", "Address", "Allergies", "Skin type"]


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(HEADER)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def _import(world: World, data: bytes) -> None:
    from clinicrec.services.interop.csv_read import read_csv

    world.as_(world.admin)
    svc = PatientImportService(world.services.ctx)
    plan = svc.plan_csv(read_csv(data), source="tricky.csv")
    assert not plan.rejects, plan.rejects
    assert svc.run(plan, all_duplicates=Decision.IMPORT).imported == len(plan.candidates)


@pytest.mark.postgres
def test_each_entry_hashes_the_record_as_a_read_back_hashes_it(world: World) -> None:
    _import(world, _csv(TRICKY))
    with world.services.db.read() as s:
        ids = list(s.execute(select(PatientRow.id).order_by(PatientRow.id)).scalars())
        assert len(ids) == len(TRICKY)
        for pid in ids:
            entry = s.execute(
                select(AuditRow).where(AuditRow.entity == "patient", AuditRow.entity_id == str(pid))
            ).scalar_one()
            assert entry.row_hash == audit_state.state_hash(s, "patient", pid)
            assert entry.patient_id == pid
        stored = {r.chart_number: r for r in s.execute(select(PatientRow)).scalars()}
    assert stored["123"].fitzpatrick_type is None and stored["0042"].fitzpatrick_type == 3
    assert stored["123"].address == '1 "Quay"\n\nCork' and stored["1e5"].sex == "unspecified"
    assert stored["77"].address == "Flat 2\\N\tRear\\\\\r\nGalway" and stored["77"].allergies == "\\N"
    assert world.services.audit_log.verify_chain().ok


@pytest.mark.postgres
def test_a_patient_changed_behind_the_application_after_an_import_is_named(world: World) -> None:
    _import(world, _csv(TRICKY))
    assert world.services.audit_log.verify_chain().ok
    with world.services.db.read() as s:
        pid = s.execute(select(PatientRow.id).where(PatientRow.chart_number == "0042")).scalar_one()
    _tamper(world, f"UPDATE patients SET phone = '+1 555 9999' WHERE id = {pid}")
    result = world.services.audit_log.verify_chain()
    assert not result.ok
    assert any(p.entity == "patient" and p.record_id == str(pid) for p in result.problems), result.problems


@pytest.mark.postgres
def test_imported_patients_follow_the_patients_already_there(world: World) -> None:
    """Ids are taken up front: after those already given (SQLite) or from the table's sequence
    (PostgreSQL), so a patient added afterwards in the application gets the next one."""
    from tests.conftest import make_patient

    first = make_patient(world.services)
    _import(world, _csv(TRICKY))
    later = make_patient(world.services)
    with world.services.db.read() as s:
        ids = list(s.execute(select(PatientRow.id).order_by(PatientRow.id)).scalars())
    assert len(set(ids)) == len(TRICKY) + 2
    assert ids[0] == first.id and ids[-1] == later.id
    assert world.services.audit_log.verify_chain().ok


def test_choices_are_stored_by_value_whether_members_or_their_text() -> None:
    """patient_values takes a member's value directly (the import's usual case) and still reads the
    text of a choice through the enum, refusing one that is not a choice."""
    member = Patient("A", "B", date(1990, 1, 1), "C-1", Sex.FEMALE, allergy_status=AllergyStatus.LISTED)
    text = Patient("A", "B", date(1990, 1, 1), "C-1", "female", allergy_status="listed")  # type: ignore[arg-type]
    assert patient_values(member) == patient_values(text)
    assert type(patient_values(member)["sex"]) is str and patient_values(member)["sex"] == "female"
    with pytest.raises(ValueError):
        patient_values(replace(member, sex="woman"))  # type: ignore[arg-type]


def test_a_repeated_cell_is_converted_once_and_a_bad_one_rejected_on_every_row(world: World) -> None:
    """Birth dates and sexes are converted once per distinct cell: rows sharing a good cell get the same
    value, and every row holding a bad one is rejected under its own row number."""
    from clinicrec.services.interop.csv_read import DateOrder, read_csv

    rows = [
        ("C-1", "Lee", "Ann", "03/04/1980", "F", "", "", "", "", ""),
        ("C-2", "Lee", "Bea", "31/02/1980", "f", "", "", "", "", ""),
        ("C-3", "Lee", "Cat", "03/04/1980", "F", "", "", "", "", ""),
        ("C-4", "Lee", "Dot", "31/02/1980", "zebra", "", "", "", "", ""),
        ("C-5", "Lee", "Eve", "31/02/1980", "F", "", "", "", "", ""),
    ]
    world.as_(world.admin)
    plan = PatientImportService(world.services.ctx).plan_csv(
        read_csv(_csv(rows)), date_order=DateOrder.DAY_FIRST, source="repeats.csv"
    )
    assert sorted(plan.candidates) == [1, 3]
    assert {p.date_of_birth for p in plan.candidates.values()} == {date(1980, 4, 3)}
    assert {p.sex for p in plan.candidates.values()} == {Sex.FEMALE}
    dates = [(r.row, r.field) for r in plan.rejects if "not a date" in r.reason]
    assert dates == [(2, "DOB"), (4, "DOB"), (5, "DOB")]
    assert [(r.row, r.field) for r in plan.rejects if "Sex" in r.reason] == [(4, "Sex")]
