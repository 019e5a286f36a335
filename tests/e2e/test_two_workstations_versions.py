"""Every shared record mutation is version-checked, from two processes on SQLite and PostgreSQL.

Workstation A opens a record; workstation B changes it; A then acts on what it opened. Deleting a draft,
signing it and editing an adverse event from a stale view are each refused, naming who changed it and
when (from the audit trail), and B's work stays exactly as B saved it. (Saving a draft and a patient from
a stale view: test_two_workstations.py.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinicrec.domain.enums import AdverseEventKind, SessionStatus, Severity
from clinicrec.domain.models import AdverseEvent
from tests.conftest import PASSWORD, World
from tests.e2e import test_two_workstations as two

_draft = two._draft
two_workstations = two.two_workstations  # the fixture: A and B, each its own process


def _refused(answer: dict, who: str, *words: str) -> None:  # type: ignore[type-arg]
    assert answer["error"] == "ConcurrentEditError", answer
    assert answer["by"] == who and who in answer["message"] and answer["at"] is not None
    for word in words:
        assert word in answer["message"], answer["message"]


@pytest.mark.postgres
def test_a_draft_deleted_from_a_stale_view_is_refused(world: World, two_workstations) -> None:  # type: ignore[no-untyped-def]
    a, b = two_workstations
    draft = _draft(world)
    assert (
        a.ask(op="open_session", id=draft.id)["version"] == b.ask(op="open_session", id=draft.id)["version"]
    )
    assert b.ask(op="save_session", notes="30 points added on B")["ok"]
    _refused(a.ask(op="delete_session"), "Nina Nurse", "not deleted")
    kept = world.services.charting.get(draft.id)  # type: ignore[arg-type]
    assert kept.notes == "30 points added on B" and len(kept.points) == len(draft.points)
    b.ask(op="open_session", id=draft.id)
    assert b.ask(op="delete_session") == {"ok": True}  # the current view may delete it


@pytest.mark.postgres
def test_signing_signs_exactly_the_reviewed_version(world: World, two_workstations) -> None:  # type: ignore[no-untyped-def]
    a, b = two_workstations
    draft = _draft(world)
    a.ask(op="open_session", id=draft.id)  # the nurse reviews the chart, then types her password
    b.ask(op="open_session", id=draft.id)
    assert b.ask(op="save_session", notes="10 U, not 5 U")["ok"]
    _refused(a.ask(op="sign_session", password=PASSWORD), "Nina Nurse", "notes changed", "not signed")
    assert world.services.charting.get(draft.id).status == SessionStatus.DRAFT  # type: ignore[arg-type]
    a.ask(op="open_session", id=draft.id)  # reviewed again: now it signs
    assert a.ask(op="sign_session", password=PASSWORD)["ok"]
    signed = world.services.charting.get(draft.id)  # type: ignore[arg-type]
    assert signed.status == SessionStatus.SIGNED and signed.notes == "10 U, not 5 U"


@pytest.mark.postgres
def test_an_adverse_event_edited_from_a_stale_view_is_refused(world: World, two_workstations) -> None:  # type: ignore[no-untyped-def]
    a, b = two_workstations
    svc = world.services
    draft = _draft(world)
    done = svc.charting.sign(draft.id, PASSWORD, reviewed=draft)  # type: ignore[arg-type]
    event = svc.records.add_adverse_event(
        done.id,  # type: ignore[arg-type]
        AdverseEvent(AdverseEventKind.SWELLING, done.performed_at.date() + timedelta(days=1), Severity.MILD),
    )
    a.ask(op="open_event", session_id=done.id, id=event.id)
    b.ask(op="open_event", session_id=done.id, id=event.id)
    assert b.ask(op="save_event", severity="moderate", notes="Worse on day 2")["ok"]
    _refused(a.ask(op="save_event", notes="Settling"), "Nina Nurse", "severity", "not saved")
    [kept] = svc.records.record(done.id).adverse_events  # type: ignore[arg-type]
    assert (kept.severity, kept.notes) == (Severity.MODERATE, "Worse on day 2")
    a.ask(op="open_event", session_id=done.id, id=event.id)
    assert a.ask(op="save_event", notes="Settling")["ok"]  # reopened: saved over the current version


@pytest.fixture
def two_offices(world: World, db_url: str):  # type: ignore[no-untyped-def]
    """Two administrators' workstations, each its own process (the front desk and the office)."""
    a, b = two.Workstation(db_url, "admin"), two.Workstation(db_url, "admin")
    try:
        assert a.answer() == {"ready": True} and b.answer() == {"ready": True}
        yield a, b
    finally:
        a.close()
        b.close()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("record", "opening", "field", "theirs", "ours"),
    [
        ("clinic", {}, "phone", "+44 1273 555 999", "+44 1273 555 000"),
        ("user", {"id": 3}, "credentials", "RN, BSN", "RN, MSc"),
        ("product", {"id": 1}, "notes", "Keep refrigerated", "Room temperature"),
    ],
)
def test_settings_users_and_products_edited_from_a_stale_view_are_refused(  # type: ignore[no-untyped-def]
    world: World,
    two_offices,
    record: str,
    opening: dict,
    field: str,
    theirs: str,
    ours: str,  # type: ignore[type-arg]
) -> None:
    a, b = two_offices
    a.ask(op=f"open_{record}", **opening)
    b.ask(op=f"open_{record}", **opening)
    assert b.ask(op=f"save_{record}", **{field: theirs})["ok"]
    _refused(a.ask(op=f"save_{record}", **{field: ours}), "Alex Admin", field.replace("_", " "))
    assert b.ask(op=f"open_{record}", **opening)[field] == theirs  # B's work stays as B saved it
    a.ask(op=f"open_{record}", **opening)
    assert a.ask(op=f"save_{record}", **{field: ours})["ok"]  # reopened: saved over the current version
