"""Follow-up and adverse-event dialogs (saved through the services) and every table model."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from clinicrec.db.models import AdverseEventRow, AssessmentRow
from clinicrec.domain import facemap
from clinicrec.domain.enums import AdverseEventKind, Gais, Measure, Severity, TimePoint, Zone
from clinicrec.domain.models import AdverseEvent
from clinicrec.ui.session import adverse_event_dialog
from clinicrec.ui.session.adverse_event_dialog import AdverseEventDialog
from clinicrec.ui.session.follow_up import FollowUpDialog
from clinicrec.ui.session.models import (
    AdverseEventsModel,
    PointsModel,
    TotalsModel,
    VialStatusModel,
    total_rows,
)
from tests.conftest import PASSWORD

from .conftest import make_signable, status_of

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def signed_id(window, prompts) -> int:  # type: ignore[no-untyped-def]
    make_signable(window)  # baseline: pores 3, oil 2, redness 1
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert window.session_id is not None
    return window.session_id


def test_follow_up_saves_an_assessment_and_shows_before_after(services, prompts, qtbot, signed_id) -> None:  # type: ignore[no-untyped-def]
    dlg = FollowUpDialog(None, services, prompts, signed_id)
    qtbot.addWidget(dlg)
    assert TimePoint(dlg.time_point.currentData()) == TimePoint.DAY_14
    dlg.time_point.setCurrentIndex(dlg.time_point.findData(TimePoint.WEEK_4))
    session_day = services.charting.get(signed_id).performed_at.astimezone().date()
    assert dlg.assessed_on.date().toPython() == session_day + timedelta(days=28)
    dlg.pickers[Measure.PORES].set_value(2)
    dlg.pickers[Measure.OIL].set_value(1)
    dlg.pickers[Measure.REDNESS].set_value(1)
    assert dlg.changes["pores"].text() == "Baseline 3 · Enlarged → 2 · Visible (1 better)"
    assert dlg.changes["oil"].text() == "Baseline 2 · Moderate → 1 · Slight (1 better)"
    assert dlg.changes["redness"].text().endswith("(no change)")
    assert dlg.pickers[Measure.OIL].anchor_label.text() == "Slight: faint shine on the nose or forehead only"
    dlg.gais.setCurrentIndex(dlg.gais.findData(Gais.MUCH_IMPROVED))
    dlg.satisfaction.setCurrentIndex(dlg.satisfaction.findData(4))
    dlg.photos.setChecked(True)
    dlg.touch_up.setChecked(True)
    services.ctx.clock.set(datetime.now(UTC) + timedelta(days=29))  # a follow-up is never in the future
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.result() == FollowUpDialog.DialogCode.Accepted and dlg.saved is not None
    with services.db.read() as s:
        [row] = s.execute(select(AssessmentRow).where(AssessmentRow.time_point != "baseline")).scalars().all()
        assert (
            row.time_point,
            row.pores,
            row.oil,
            row.redness,
            row.gais,
            row.satisfaction,
            row.photos_taken,
            row.touch_up_given,
        ) == ("week_4", 2, 1, 1, "much_improved", 4, True, True)


def test_follow_up_needs_every_rating(services, prompts, qtbot, signed_id) -> None:  # type: ignore[no-untyped-def]
    dlg = FollowUpDialog(None, services, prompts, signed_id)
    qtbot.addWidget(dlg)
    dlg.pickers[Measure.PORES].set_value(2)
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.saved is None
    assert "needs ratings for pores, oil and redness" in dlg.errors["ratings"].text()


def test_adverse_event_dialog_saves(services, prompts, qtbot, signed_id) -> None:  # type: ignore[no-untyped-def]
    dlg = AdverseEventDialog(None, services, prompts, signed_id)
    qtbot.addWidget(dlg)
    dlg.kind.setCurrentIndex(dlg.kind.findData(AdverseEventKind.EYELID_DROOP))
    dlg.severity.setCurrentIndex(dlg.severity.findData(Severity.MODERATE))
    qtbot.keyClicks(dlg.notes, "Left upper lid, noticed day 3")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.saved is not None
    with services.db.read() as s:
        [row] = s.execute(select(AdverseEventRow)).scalars().all()
        assert (row.kind, row.severity, row.notes) == (
            "eyelid_droop",
            "moderate",
            "Left upper lid, noticed day 3",
        )


def test_adverse_event_onset_before_session_is_shown_at_its_field(
    services, prompts, qtbot, signed_id
) -> None:  # type: ignore[no-untyped-def]
    dlg = AdverseEventDialog(None, services, prompts, signed_id)
    qtbot.addWidget(dlg)
    dlg.onset.setDate(date(2000, 1, 1))
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.saved is None
    assert "Onset cannot be before the session" in dlg.errors["onset"].text()


def test_adverse_event_on_an_unsaved_draft_saves_it_first(open_window, services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = open_window()
    window.ui.details.notes.setPlainText("Patient anxious")
    asked = []

    def fake_ask(parent, services_, prompts_, session_id, event=None):  # type: ignore[no-untyped-def]
        asked.append(session_id)
        return services_.records.add_adverse_event(
            session_id,
            AdverseEvent(AdverseEventKind.BRUISING, services_.ctx.clock().astimezone().date(), Severity.MILD),
        )

    monkeypatch.setattr(adverse_event_dialog.AdverseEventDialog, "ask", staticmethod(fake_ask))
    assert window.session_id is None
    window.records.add_adverse_event()
    assert asked == [window.session_id] and window.session_id is not None
    assert window.events_model.rowCount() == 1
    assert window.events_model.index(0, 0).data() == "Bruising"


# -- models ------------------------------------------------------------------------------------------
def test_points_model(qtmodeltester, window) -> None:  # type: ignore[no-untyped-def]
    window.editor.grid_fill(Zone.NOSE, 1.0)
    window.points_model.set_errors({1: "Point 2: Dose must be more than 0"})
    qtmodeltester.check(window.points_model)
    assert window.points_model.index(0, 1).data() == "Nose"
    # the vial's concentration as clinicians think of it; the product, lot and U/mL in the tooltip
    assert window.points_model.index(0, 4).data() == "4 U/0.1 mL"
    tip = window.points_model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.endswith("\n4 U/0.1 mL (40 U/mL)") and tip.startswith("Botox Cosmetic ")


def test_totals_model(qtmodeltester, window) -> None:  # type: ignore[no-untyped-def]
    window.editor.grid_fill(Zone.NOSE, 1.0)
    window.editor.place(*facemap.zone_centroid(Zone.CHIN))
    qtmodeltester.check(window.totals_model)
    assert [window.totals_model.index(r, 0).data() for r in range(window.totals_model.rowCount())][-1] == (
        "Session total"
    )
    qtmodeltester.check(TotalsModel())


def test_adverse_events_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = AdverseEventsModel()
    model.set_rows(
        [
            AdverseEvent(
                AdverseEventKind.BRUISING,
                date(2026, 3, 1),
                Severity.MILD,
                resolved_on=date(2026, 3, 8),
                notes="Small bruise\nleft cheek",
            )
        ]
    )
    qtmodeltester.check(model)
    assert model.index(0, 3).data() == "2026-03-08"
    assert model.index(0, 4).data() == "Small bruise"


def test_vial_status_model(qtmodeltester, services, vial) -> None:  # type: ignore[no-untyped-def]
    model = VialStatusModel(date.today())
    model.set_rows([status_of(services, vial)])
    qtmodeltester.check(model)
    assert model.index(0, 4).data() == "4 U/0.1 mL"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Use by"


def test_empty_models(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(PointsModel())
    assert total_rows([], {}, {}, {}) == []
