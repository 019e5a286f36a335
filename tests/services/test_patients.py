"""Patients through the services: stored exactly, unique chart numbers, optimistic versioning, search."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import AuditRow, PatientRow
from clinicrec.domain.enums import Sex
from clinicrec.domain.errors import ConcurrentEditError, NotFoundError, PermissionDenied, ValidationError
from clinicrec.domain.models import Patient, SafetyScreening
from clinicrec.services import audit as audit_mod
from clinicrec.services.app import Services
from clinicrec.services.base import Context
from tests.conftest import World, make_patient

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def full_patient(**kw: object) -> Patient:
    values: dict[str, object] = dict(
        first_name="Zoë",
        last_name="Ñúñez-Øster",
        date_of_birth=date(1990, 2, 28),
        chart_number="CR-000777",
        sex=Sex.INTERSEX,
        phone="+44 (0)20 7946-0000 x12",
        email="zoe@example.org",
        address="1 Rue\nParis",
        fitzpatrick_type=4,
        allergies="Lidocaine (rash)",
        notes="Prefers mornings\n\tand texts",
        screening=SafetyScreening(recent_toxin=True, milk_protein_allergy=True, other="Filler 2 weeks ago"),
    )
    values.update(kw)
    return Patient(**values)  # type: ignore[arg-type]


def other_workstation(world: World, actor) -> Services:  # type: ignore[no-untyped-def]
    svc = Services(Context(Database(make_engine(world.services.db.url)), world.clock))
    svc.act_as(actor)
    return svc


@pytest.mark.postgres
def test_a_patient_is_stored_and_read_back_exactly(world: World) -> None:
    svc = world.services
    p = full_patient()
    saved = svc.patients.create(p)
    assert saved.id is not None and saved.version == 1
    got = svc.patients.get(saved.id)
    assert got == saved
    assert replace(got, id=None, version=0) == p
    assert got.screening.is_positive


@pytest.mark.postgres
def test_chart_numbers_are_unique(world: World) -> None:
    svc = world.services
    first = svc.patients.create(full_patient())
    with pytest.raises(ValidationError) as e:
        svc.patients.create(full_patient(first_name="Other"))
    assert e.value.fields == {"chart_number"} and "CR-000777" in str(e.value)
    second = svc.patients.create(full_patient(chart_number="CR-000778"))
    with pytest.raises(ValidationError) as e:
        svc.patients.update(replace(second, chart_number=first.chart_number))
    assert e.value.fields == {"chart_number"}
    assert svc.patients.get(second.id).chart_number == "CR-000778"  # type: ignore[arg-type]


def test_next_chart_number(world: World) -> None:
    svc = world.services
    assert svc.patients.next_chart_number() == "CR-000001"
    make_patient(svc)
    assert svc.patients.next_chart_number() == "CR-000002"


def test_a_future_birth_date_is_refused_by_the_service(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    with pytest.raises(ValidationError) as e:
        svc.patients.create(full_patient(date_of_birth=T0.date() + timedelta(days=1)))
    assert e.value.fields == {"date_of_birth"}
    assert svc.patients.count() == 0


def test_updates_bump_the_version_and_keep_every_field(world: World) -> None:
    svc = world.services
    saved = svc.patients.create(full_patient())
    updated = svc.patients.update(replace(saved, phone="+1 555 0199", screening=SafetyScreening()))
    assert updated.version == saved.version + 1
    assert replace(updated, version=0) == replace(
        saved, phone="+1 555 0199", screening=SafetyScreening(), version=0
    )
    assert svc.patients.get(saved.id) == updated  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        svc.patients.update(replace(saved, id=999999))


@pytest.mark.postgres
def test_two_workstations_editing_one_patient(world: World) -> None:
    """Both open the record; the first saves; the second is told who changed it and when; nothing is lost."""
    world.clock.set(T0)
    saved = world.services.patients.create(full_patient())
    desk_a = other_workstation(world, world.injector2)
    desk_b = world.services
    try:
        at_a, at_b = desk_a.patients.get(saved.id), desk_b.patients.get(saved.id)  # type: ignore[arg-type]
        world.clock.set(T0 + timedelta(hours=2, minutes=5))
        first = desk_a.patients.update(replace(at_a, phone="+1 555 0100"))
        with pytest.raises(ConcurrentEditError) as e:
            desk_b.patients.update(replace(at_b, email="new@example.org"))
        assert "Olga Other" in str(e.value) and "2026-03-10 12:05" in str(e.value)
        assert (e.value.by, e.value.at) == ("Olga Other", T0 + timedelta(hours=2, minutes=5))
        now = desk_b.patients.get(saved.id)  # type: ignore[arg-type]
        assert now == first and now.phone == "+1 555 0100" and now.email == "zoe@example.org"
        # Reopening and saving again works: nothing is locked for good.
        again = desk_b.patients.update(replace(now, email="new@example.org"))
        assert (again.phone, again.email) == ("+1 555 0100", "new@example.org")
    finally:
        desk_a.db.dispose()


@pytest.mark.postgres
def test_a_failed_audit_append_leaves_no_patient(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = world.services
    existing = make_patient(svc)

    def broken(*args, **kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit unavailable")

    with svc.db.read() as s:
        audit_before = s.execute(select(func.count()).select_from(AuditRow)).scalar_one()
    with monkeypatch.context() as broken_audit:  # its own: undone alone after
        broken_audit.setattr(audit_mod, "record", broken)
        with pytest.raises(RuntimeError):
            svc.patients.create(full_patient())
        with pytest.raises(RuntimeError):
            svc.patients.update(replace(existing, phone="+1 555 0123"))
    with svc.db.read() as s:
        assert s.execute(select(func.count()).select_from(PatientRow)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(AuditRow)).scalar_one() == audit_before
    assert svc.patients.get(existing.id) == existing  # type: ignore[arg-type]


def test_signing_in_is_required(world: World) -> None:
    svc = world.services
    svc.act_as(None)
    with pytest.raises(PermissionDenied, match="Sign in"):
        svc.patients.create(full_patient())
    with pytest.raises(PermissionDenied):
        svc.patients.search("")


# -- search ---------------------------------------------------------------------------------------
@pytest.fixture
def some_patients(world: World) -> dict[str, Patient]:
    svc = world.services
    people = {
        "zoe": full_patient(),
        "zoey": full_patient(
            first_name="Zoey",
            last_name="Adams",
            chart_number="CR-000100",
            date_of_birth=date(1970, 1, 1),
            screening=SafetyScreening(),
        ),
        "bob": full_patient(
            first_name="Bob",
            last_name="Zoeller",
            chart_number="AB-12",
            date_of_birth=date(1990, 2, 28),
            screening=SafetyScreening(),
        ),
    }
    return {k: svc.patients.create(p) for k, p in people.items()}


@pytest.mark.postgres
def test_search_is_case_and_accent_insensitive(world: World, some_patients: dict[str, Patient]) -> None:
    svc = world.services
    ids = lambda q: {r.id for r in svc.patients.search(q)}  # noqa: E731
    p = some_patients
    assert ids("zoe") == {p["zoe"].id, p["zoey"].id, p["bob"].id}  # first names and a last name start with it
    assert ids("ZOË") == ids("zoe")
    assert ids("nunez") == {p["zoe"].id}
    assert ids("oster") == set()  # prefix of a word-start only, not a substring
    assert ids("zoe adams") == {p["zoey"].id}  # every word must match
    assert ids("cr-0001") == {p["zoey"].id}  # chart number, either case
    assert ids("1990-02-28") == {p["zoe"].id, p["bob"].id}
    assert ids("28/02/1990") == ids("1990-02-28")
    assert ids("") == {p["zoe"].id, p["zoey"].id, p["bob"].id}
    assert svc.patients.count("zoe") == 3 and svc.patients.count("bob") == 1


def test_search_rows_and_sorting(world: World, some_patients: dict[str, Patient]) -> None:
    svc = world.services
    rows = svc.patients.search("", sort="name")
    assert [r.display_name for r in rows] == ["Adams, Zoey", "Ñúñez-Øster, Zoë", "Zoeller, Bob"]
    assert [r.screening_positive for r in rows] == [False, True, False]
    assert [r.chart_number for r in svc.patients.search("", sort="chart_number")] == [
        "AB-12",
        "CR-000100",
        "CR-000777",
    ]
    assert [r.chart_number for r in svc.patients.search("", sort="chart_number", descending=True)][
        0
    ] == "CR-000777"
    assert len(svc.patients.search("", limit=2)) == 2
    assert [r.chart_number for r in svc.patients.search("", sort="chart_number", offset=2)] == ["CR-000777"]
