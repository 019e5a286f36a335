"""The vial dialog's "Open today" tab: the list or the message that there is none, never both; "Use by"
is in view at the dialog's own size."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from clinicrec.ui.session.vial_dialog import VialDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _shown(qtbot, services, prompts) -> VialDialog:  # type: ignore[no-untyped-def]
    dialog = VialDialog(None, services, prompts)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_a_vial_open_today_is_listed_without_the_none_message(qtbot, services, prompts, vial) -> None:  # type: ignore[no-untyped-def]
    dialog = _shown(qtbot, services, prompts)
    assert dialog.tabs.currentIndex() == 0
    assert dialog.today_view.isVisible() and dialog.today_model.rowCount() == 1
    assert not dialog.empty_label.isVisible()
    header = dialog.today_view.horizontalHeader()
    titles = [
        dialog.today_model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(dialog.today_model.columnCount())
    ]
    use_by = titles.index("Use by")
    right = header.sectionViewportPosition(use_by) + header.sectionSize(use_by)
    assert header.sectionViewportPosition(use_by) >= 0
    assert right <= dialog.today_view.viewport().width(), "the Use by column is cut off"
    text = dialog.today_model.index(0, use_by).data()
    assert text and text[:4].isdigit()
    view = dialog.today_view.viewport()
    assert view.rect().contains(QPoint(right - 1, 1))


def test_no_vial_today_says_so_and_shows_no_empty_list(qtbot, services, prompts) -> None:  # type: ignore[no-untyped-def]
    dialog = _shown(qtbot, services, prompts)
    assert dialog.tabs.currentIndex() == 1
    dialog.tabs.setCurrentIndex(0)
    assert dialog.empty_label.isVisible()
    assert not dialog.today_view.isVisible() and not dialog.use_button.isVisible()
