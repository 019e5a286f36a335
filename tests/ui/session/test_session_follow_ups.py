"""The session window shows the session's follow-ups (before → after) in a tab, once there are some."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clinicrec.domain.enums import Gais, TimePoint
from clinicrec.domain.models import Assessment
from clinicrec.ui.session.follow_ups_panel import TAB_TITLE
from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _tab_titles(window) -> list[str]:  # type: ignore[no-untyped-def]
    tabs = window.ui.totals.tabs
    return [tabs.tabText(i) for i in range(tabs.count())]


def test_follow_ups_tab_appears_with_before_and_after(window, services, prompts) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)  # baseline: pores 3, oil 2, redness 1
    assert not any(t.startswith(TAB_TITLE) for t in _tab_titles(window))
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert not any(t.startswith(TAB_TITLE) for t in _tab_titles(window))  # none yet: no empty tab
    day = window.session.performed_at.date() + timedelta(days=28)
    services.ctx.clock.set(datetime.now(UTC) + timedelta(days=29))
    services.records.add_follow_up(  # as from the patient's chart: the change bus tells the window
        window.session_id,
        Assessment(TimePoint.WEEK_4, day, 2, 1, 1, window.session.baseline.scale_version, gais=Gais.IMPROVED),
    )
    assert f"{TAB_TITLE} (1)" in _tab_titles(window)
    [entry] = window.follow_ups.entries
    text = entry.text()
    assert "Week 4" in text and f"{day:%Y-%m-%d}" in text
    assert "Pores 3 → 2 (1 better)" in text
    assert "Oil 2 → 1 (1 better)" in text
    assert "Redness 1 → 1 (no change)" in text
    assert "GAIS: Improved" in text


def test_a_saved_follow_up_confirms_what_was_saved(window, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from clinicrec.domain.enums import Measure
    from clinicrec.ui.session.follow_up import FollowUpDialog

    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    dlg = FollowUpDialog(None, services, prompts, window.session_id)
    qtbot.addWidget(dlg)
    assert dlg.confirmation() == ""
    dlg.time_point.setCurrentIndex(dlg.time_point.findData(TimePoint.WEEK_4))
    for m, grade in ((Measure.PORES, 2), (Measure.OIL, 1), (Measure.REDNESS, 1)):
        dlg.pickers[m].set_value(grade)
    services.ctx.clock.set(datetime.now(UTC) + timedelta(days=29))
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.saved is not None
    day = dlg.saved.assessed_on
    assert dlg.confirmation() == (
        f"Follow-up saved for {window.controller.patient.display_name}: Week 4, {day:%Y-%m-%d} by Nina Nurse."
    )
