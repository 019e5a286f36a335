"""A visit and its versions: one visit in the patient's history however often it was amended, and what
each amendment changed (field, before, after), who signed it and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from clinicrec.domain.enums import Depth, SessionStatus, Zone
from clinicrec.domain.models import Consent, InjectionPoint, TreatmentSession
from clinicrec.services.visit_versions import (
    POINT_CHANGES_LISTED,
    FieldChange,
    session_changes,
    version_label,
)
from tests.conftest import PASSWORD, World, make_patient, make_vial
from tests.services.test_charting import chart, grid, signed

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
NAMES = {1: "Botox Cosmetic lot C1", 2: "Dysport lot D2"}


def point(zone: Zone, units: float, vial_id: int = 1, x: float = 0.5) -> InjectionPoint:
    return InjectionPoint(zone, x, 0.3, vial_id, units, units / 40)


def session(**kw: object) -> TreatmentSession:
    values: dict[str, object] = dict(
        consent=Consent("MB-1", T0 - timedelta(minutes=5), "Nina Nurse"),
        prescriber="Dr Paula Prescriber",
        needle_gauge=32,
        depth=Depth.INTRADERMAL,
        points=(point(Zone.FOREHEAD, 0.4), point(Zone.FOREHEAD, 0.4), point(Zone.NOSE, 0.5)),
    )
    values.update(kw)
    return TreatmentSession(7, T0, 3, **values)  # type: ignore[arg-type]


def test_an_unchanged_copy_changes_nothing() -> None:
    assert session_changes(session(), session(), NAMES) == []
    assert [version_label(n) for n in range(3)] == ["Original", "Amendment 1", "Amendment 2"]


def test_each_changed_field_is_named_with_before_and_after() -> None:
    before = session()
    after = replace(
        before,
        prescriber="Dr Paula Prescriber-Smith",
        needle_gauge=30,
        notes="Patient flinched at the nose",
        points=(point(Zone.FOREHEAD, 0.4), replace(point(Zone.FOREHEAD, 0.5), note="bled"), before.points[2]),
    )
    changes = session_changes(before, after, NAMES)
    assert FieldChange("Prescriber", "Dr Paula Prescriber", "Dr Paula Prescriber-Smith") in changes
    assert FieldChange("Needle", "32 G", "30 G") in changes
    assert FieldChange("Notes", "—", "Patient flinched at the nose") in changes
    assert FieldChange("Units from Botox Cosmetic lot C1", "1.3 U", "1.4 U") in changes
    assert (
        FieldChange(
            "Point 2",
            "Forehead, 0.4 U from Botox Cosmetic lot C1",
            "Forehead, 0.5 U from Botox Cosmetic lot C1, note: bled",
        )
        in changes
    )
    assert [c.field for c in changes] == [
        "Prescriber", "Needle", "Notes", "Units from Botox Cosmetic lot C1", "Point 2"
    ]  # fmt: skip


def test_points_added_or_removed_are_counted_with_the_units_per_vial() -> None:
    before = session()
    after = replace(before, points=(*before.points[:2], point(Zone.CHIN, 1.0, vial_id=2)))
    changes = session_changes(before, after, NAMES)
    assert FieldChange("Units from Botox Cosmetic lot C1", "1.3 U", "0.8 U") in changes
    assert FieldChange("Units from Dysport lot D2", "—", "1 U") in changes
    fewer = session_changes(before, replace(before, points=before.points[:1]), NAMES)
    assert fewer[0] == FieldChange("Points", "3 points", "1 point")


def test_a_redone_grid_lists_a_few_points_and_counts_the_rest() -> None:
    before = session(points=tuple(point(Zone.FOREHEAD, 0.2, x=0.3 + i / 100) for i in range(40)))
    after = replace(before, points=tuple(replace(p, units=0.25, volume_ml=0.25 / 40) for p in before.points))
    changes = session_changes(before, after, NAMES)
    listed = [c for c in changes if c.field.startswith("Point ")]
    assert len(listed) == POINT_CHANGES_LISTED
    assert changes[-1] == FieldChange("Points", "", f"{40 - POINT_CHANGES_LISTED} more points changed")


@pytest.mark.postgres
def test_an_amended_session_is_one_visit_with_its_versions_and_changes(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient, vial = make_patient(svc), make_vial(svc, lot="C7421A3")
    original = signed(world, chart(world, patient, grid(vial, 0.4, 3)))
    world.clock.advance(hours=2)
    amendment = svc.charting.start_amendment(original.id, "Prescriber's name was misspelt")  # type: ignore[arg-type]
    [visit] = svc.records.history(patient.id)  # type: ignore[arg-type]
    assert visit.session_id == amendment.id and visit.status == SessionStatus.DRAFT
    assert [(v.label, v.status) for v in visit.versions] == [
        ("Original", SessionStatus.SIGNED), ("Amendment 1", SessionStatus.DRAFT)
    ]  # fmt: skip
    amendment = svc.charting.save_draft(
        replace(
            amendment,
            prescriber="Dr Pat Prescriber-Smith",
            points=(*amendment.points[:2], replace(amendment.points[2], note="bled")),
        )
    )
    svc.charting.sign(amendment.id, PASSWORD)  # type: ignore[arg-type]
    [visit] = svc.records.history(patient.id)  # type: ignore[arg-type]
    assert visit.session_id == amendment.id and visit.status == SessionStatus.SIGNED and visit.amended
    versions = svc.records.visit_versions(original.id)  # type: ignore[arg-type]
    assert versions == svc.records.visit_versions(amendment.id)  # type: ignore[arg-type]
    first, second = versions
    assert (first.label, first.reason, first.changes) == ("Original", "", ())
    assert second.label == "Amendment 1" and second.reason == "Prescriber's name was misspelt"
    assert second.author == "Nina Nurse" and second.at == world.clock()
    assert FieldChange("Prescriber", "Dr Pat Prescriber", "Dr Pat Prescriber-Smith") in second.changes
    assert FieldChange("Point 3 note", "—", "bled") in second.changes  # only its note changed
    # A second amendment: still one visit, three versions, the second diffed against the first.
    third = svc.charting.start_amendment(amendment.id, "Needle was 30 G")  # type: ignore[arg-type]
    svc.charting.sign(svc.charting.save_draft(replace(third, needle_gauge=30)).id, PASSWORD)  # type: ignore[arg-type]
    [visit] = svc.records.history(patient.id)  # type: ignore[arg-type]
    assert [v.label for v in visit.versions] == ["Original", "Amendment 1", "Amendment 2"]
    *_, last = svc.records.visit_versions(original.id)  # type: ignore[arg-type]
    assert last.changes == (FieldChange("Needle", "32 G", "30 G"),)


@pytest.mark.postgres
def test_one_visit_reads_as_its_line_of_the_history(world: World) -> None:
    """``visit`` (what the patient chart reads after a change to one session) is the same line as
    ``history`` shows, from any of the visit's versions; None for a session that is not there."""
    svc = world.services
    world.clock.set(T0)
    patient, vial = make_patient(svc), make_vial(svc, lot="C7421A3")
    original = signed(world, chart(world, patient, grid(vial, 0.4, 3)))
    world.clock.advance(days=14)
    later = svc.charting.save_draft(chart(world, patient, grid(vial, 0.5, 2)))
    world.clock.advance(hours=2)
    amendment = svc.charting.start_amendment(original.id, "Needle was 30 G")  # type: ignore[arg-type]
    history = svc.records.history(patient.id)  # type: ignore[arg-type]
    assert [s.session_id for s in history] == [later.id, amendment.id]
    assert svc.records.visit(later.id) == history[0]  # type: ignore[arg-type]
    assert svc.records.visit(original.id) == svc.records.visit(amendment.id) == history[1]  # type: ignore[arg-type]
    assert svc.records.visit(10_000) is None
