"""Every interactive widget of the charting screens has an objectName and an accessible name."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGraphicsView,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from clinicrec.ui.session.adverse_event_dialog import AdverseEventDialog
from clinicrec.ui.session.follow_up import FollowUpDialog
from clinicrec.ui.session.vial_dialog import VialDialog
from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
INTERACTIVE = (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGraphicsView,
    QLineEdit,
    QPlainTextEdit,
)
INTERNAL_PARENTS = (QAbstractSpinBox, QComboBox, QAbstractItemView)


def _inside_qt_internals(w: QWidget) -> bool:
    """Sub-widgets Qt builds itself: a spin box's editor, a combo box's popup list, a view's viewport."""
    parent = w.parentWidget()
    while parent is not None:
        if isinstance(parent, INTERNAL_PARENTS) or type(parent).__name__.startswith("QComboBox"):
            return True
        parent = parent.parentWidget()
    return False


def unnamed(root: QWidget) -> list[str]:
    """Interactive widgets we built that lack a name (Qt's own sub-widgets are skipped)."""
    missing = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, INTERACTIVE):
            continue
        if _inside_qt_internals(w):
            continue
        if type(w).__name__ in (
            "QTabBar",
            "QToolBarExtension",
            "QScrollBar",
            "QHeaderView",
            "QCalendarWidget",
            "QTableCornerButton",
            "QSplitterHandle",
        ):
            continue
        if w.objectName().startswith("qt_") or type(w).__name__ == "QTableCornerButton":
            continue
        if not w.objectName() or not w.accessibleName():
            missing.append(f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}")
    return missing


def test_session_window_widgets_are_named(window, prompts) -> None:  # type: ignore[no-untyped-def]
    assert unnamed(window) == []
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert unnamed(window) == []


def test_dialog_widgets_are_named(window, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    for dlg in (
        VialDialog(None, services, prompts),
        AdverseEventDialog(None, services, prompts, window.session_id),
        FollowUpDialog(None, services, prompts, window.session_id),
    ):
        qtbot.addWidget(dlg)
        assert unnamed(dlg) == [], type(dlg).__name__


@pytest.mark.parametrize("screened", [False, True], ids=["no-screening", "positive-screening"])
def test_header_keeps_its_chip_and_buttons_at_their_natural_size(  # type: ignore[no-untyped-def]
    open_window, services, patient, screened
) -> None:
    """The spare width of the header goes to the screening badge, or to empty space when there is none:
    never to the status chip or the buttons (which looked stretched at 1280 px before)."""
    from dataclasses import replace

    from clinicrec.domain.models import SafetyScreening

    if screened:
        services.patients.update(replace(patient, screening=SafetyScreening(recent_toxin=True)))
    w = open_window(patient_id=patient.id)
    ui = w.ui
    w.controller.refresh_warnings_now()
    # A positive screening is said once, in the warnings beside the map (where its reason is given).
    assert not ui.screening.isVisible()
    said = [i for i in ui.totals.warnings.messages() if "Positive safety screening" in i]
    assert len(said) == (1 if screened else 0)
    for widget in (ui.status_chip, ui.print_button, ui.ae_button, ui.sign_button):
        assert widget.width() <= widget.sizeHint().width() + 2, widget.objectName()
