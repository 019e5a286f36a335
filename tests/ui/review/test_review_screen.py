"""The review queue screen: flagged and sampled charts, co-sign and return, the report; returned charts."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from clinicrec.domain.enums import AdverseEventKind, Severity
from clinicrec.domain.models import AdverseEvent
from clinicrec.domain.oversight import ReviewReason
from clinicrec.ui.review.review_screen import ReviewScreen
from tests.conftest import PASSWORD, World
from tests.services.oversight_helpers import draft, prescriber

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def save_shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    """Written into docs/screenshots only when asked (CLINICREC_SCREENSHOTS=1), like the other screenshots."""
    if os.environ.get("CLINICREC_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def select_row(screen: ReviewScreen, row: int) -> None:
    index = screen.queue_model.index(row, 0)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    screen.queue_view.selectionModel().select(index, flags)


def test_the_director_co_signs_and_returns_charts(
    qtbot: QtBot, world: World, bus, prompts, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin).review.set_share_percent(0)
    quiet = world.as_(world.injector).charting.sign(draft(world).id, PASSWORD)  # type: ignore[arg-type]
    world.as_(world.admin).review.set_share_percent(100)
    ids = [world.as_(world.injector).charting.sign(draft(world).id, PASSWORD).id for _ in range(2)]  # type: ignore[arg-type]
    event = AdverseEvent(AdverseEventKind.BRUISING, date.today(), Severity.MILD)
    world.as_(world.injector).records.add_adverse_event(quiet.id, event)  # type: ignore[arg-type]
    world.as_(prescriber(world))
    screen = ReviewScreen(world.services, bus, prompts)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtmodeltester.check(screen.queue_model)
    rows = screen.queue_model.rows()
    assert {r.session_id for r in rows} == {quiet.id, *ids}
    assert {r.session_id: r.reason for r in rows}[quiet.id] is ReviewReason.ADVERSE_EVENT
    assert "3 chart(s) waiting for review; 1 flagged" in screen.queue_summary.text()
    save_shot(screen, "review-queue.png")

    select_row(screen, 0)
    prompts.queue(PASSWORD)
    qtbot.mouseClick(screen.co_sign_button, Qt.MouseButton.LeftButton)
    assert len(screen.queue_model.rows()) == 2
    select_row(screen, 0)
    prompts.queue("Please chart the needle depth")
    qtbot.mouseClick(screen.return_button, Qt.MouseButton.LeftButton)
    assert len(screen.queue_model.rows()) == 1
    screen.tabs.setCurrentWidget(screen.report_page)
    qtmodeltester.check(screen.report_model)
    (line,) = screen.report_model.rows()
    assert (line.signed, line.queued, line.reviewed, line.returned) == (3, 3, 2, 1)
    assert "100% of signed charts" in screen.share_label.text()
    save_shot(screen, "review-report.png")

    world.as_(world.injector)
    mine = ReviewScreen(world.services, bus, prompts)
    qtbot.addWidget(mine)
    assert [r.comment for r in mine.returned_model.rows()] == ["Please chart the needle depth"]
    assert mine.tabs.count() == 1  # an injector sees only their returned charts


def test_settings_dialog_saves_validity_requirement_and_share(qtbot: QtBot, world: World) -> None:
    from clinicrec.ui.consent.settings_dialog import ConsentSettingsDialog

    world.as_(world.admin)
    dialog = ConsentSettingsDialog(world.services)
    qtbot.addWidget(dialog)
    months, required, typed = dialog.rows["microbotox_treatment"]
    months.setValue(6)
    required.setChecked(True)
    typed.setChecked(False)
    dialog.share.setValue(25)
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    saved = world.services.consents.settings("microbotox_treatment")
    assert (saved.validity_months, saved.required_for_signing, saved.typed_name_allowed) == (6, True, False)
    assert world.services.review.share_percent() == 25
    world.as_(world.injector)  # an injector may not change them: the service says so, nothing is saved
    refused = ConsentSettingsDialog(world.services)
    qtbot.addWidget(refused)
    refused.share.setValue(50)
    refused.save()
    assert "may not manage clinic settings" in refused.error.text()
    assert world.services.review.share_percent() == 25
