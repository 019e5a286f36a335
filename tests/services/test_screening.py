"""Issue 11: the screening is confirmed at each visit, stored with the session, changes highlighted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinicrec.db.models import SessionScreeningRow
from clinicrec.domain.enums import AllergyStatus, ScreeningAnswer, WarningKind
from clinicrec.domain.errors import UnacknowledgedWarnings, ValidationError
from clinicrec.domain.models import SafetyScreening
from tests.conftest import PASSWORD, World, make_patient, make_vial
from tests.services.test_charting import chart, grid

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
NO = {item: ScreeningAnswer.NO for item in SafetyScreening.QUESTIONS}


def test_a_screening_snapshot_is_stored_with_the_session_with_who_and_when(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc)
    draft = chart(world, patient, grid(make_vial(svc), 0.4, 3))
    answers = {**NO, "aminoglycosides": ScreeningAnswer.NOT_ASKED}
    draft = svc.screening.confirm(draft, answers, allergy_status=AllergyStatus.NONE_KNOWN)
    saved = svc.charting.save_draft(draft)
    snap = svc.charting.get(saved.id).screening  # type: ignore[arg-type]
    assert snap is not None
    assert snap.answer("aminoglycosides") == ScreeningAnswer.NOT_ASKED
    assert snap.answer("pregnant_or_breastfeeding") == ScreeningAnswer.NO
    assert (snap.asked_by_id, snap.asked_at) == (world.injector.user_id, T0)
    assert snap.allergy_status == AllergyStatus.NONE_KNOWN
    with svc.db.read() as s:
        assert s.execute(select(SessionScreeningRow.session_id)).scalars().all() == [saved.id]


def test_the_sessions_screening_drives_the_warnings_and_changes_are_listed(world: World) -> None:
    svc = world.services
    world.clock.set(T0 - timedelta(days=120))
    patient = make_patient(svc)
    first = svc.screening.confirm(
        chart(world, patient, grid(make_vial(svc, lot="A"), 0.4, 3)),
        NO,
        allergy_status=AllergyStatus.NONE_KNOWN,
    )
    first = svc.charting.save_draft(first)
    svc.charting.sign(first.id, PASSWORD)  # type: ignore[arg-type]

    world.clock.set(T0)
    second = chart(world, patient, grid(make_vial(svc, lot="B"), 0.4, 3))
    second = svc.screening.confirm(
        second,
        {**NO, "neuromuscular_disorder": ScreeningAnswer.YES},
        allergy_status=AllergyStatus.LISTED,
        allergies="Lidocaine",
    )
    second = svc.charting.save_draft(second)
    changes = {c.item: c for c in svc.screening.changes(second)}
    assert set(changes) == {"neuromuscular_disorder", "allergies"}
    assert changes["neuromuscular_disorder"].describe().startswith("Neuromuscular disorder") and (
        (changes["neuromuscular_disorder"].before, changes["neuromuscular_disorder"].after) == ("No", "Yes")
    )
    assert (changes["allergies"].before, changes["allergies"].after) == ("No known allergies", "Lidocaine")
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(second.id, PASSWORD)  # type: ignore[arg-type]
    assert [w.kind for w in e.value.warnings] == [
        WarningKind.POSITIVE_SCREENING
    ]  # from this visit's screening, not the record


def test_a_screening_with_contradicting_allergies_is_refused(world: World) -> None:
    svc = world.services
    draft = chart(world, make_patient(svc), grid(make_vial(svc), 0.4, 3))
    with pytest.raises(ValidationError) as e:
        svc.screening.confirm(draft, NO, allergy_status=AllergyStatus.NONE_KNOWN, allergies="Latex")
    assert e.value.fields == {"allergies"}
    with pytest.raises(ValidationError):
        svc.screening.confirm(draft, NO, allergy_status=AllergyStatus.LISTED, allergies=" ")


def test_the_chart_pdf_prints_the_sessions_screening_with_who_asked(world: World) -> None:
    import io

    from pypdf import PdfReader

    svc = world.services
    world.clock.set(T0)
    draft = chart(world, make_patient(svc), grid(make_vial(svc), 0.4, 3))
    answers = {**NO, "aminoglycosides": ScreeningAnswer.NOT_ASKED, "recent_toxin": ScreeningAnswer.YES}
    draft = svc.screening.confirm(draft, answers, allergy_status=AllergyStatus.NONE_KNOWN)
    draft = svc.charting.save_draft(draft)
    data = svc.printing.chart_bytes(draft.id)  # type: ignore[arg-type]
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "Taking aminoglycosides or curare-like drugs Not asked" in text
    assert "Botulinum toxin within the last 3 months YES" in text
    assert "Asked at this session by Nina Nurse, 2026-03-10 10:00 UTC" in text
