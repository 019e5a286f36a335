"""At 1280x800 (and 1920x1080) the session window's tabs show every label whole, without scroll arrows,
its controls lie within their parents, and the vial dialog shows every column at its own size."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget, QWidget

from clinicrec.ui.session.vial_dialog import VialDialog
from clinicrec.ui.style import DARK, LIGHT, apply_style
from tests.conftest import make_vial

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def labels_fit(tabs: QTabWidget) -> None:
    bar = tabs.tabBar()
    for i in range(bar.count()):
        rect = bar.tabRect(i)
        assert rect.left() >= 0 and rect.right() < bar.width(), f"tab {bar.tabText(i)!r} is cut off"
        wanted = bar.fontMetrics().horizontalAdvance(bar.tabText(i))
        assert rect.width() > wanted, f"tab {bar.tabText(i)!r} is narrower than its label"
    assert bar.sizeHint().width() <= bar.width(), "the tab bar needs scroll arrows"


def inside_parent(widget: QWidget) -> None:
    parent = widget.parentWidget()
    assert parent is not None
    geometry = widget.geometry()
    assert parent.rect().contains(geometry), (
        f"{widget.objectName() or widget} {geometry} outside {parent.rect()}"
    )


@pytest.fixture(params=["light", "dark"])
def styled(qapp, request):  # type: ignore[no-untyped-def]
    """The application's style in a scheme, applied before the window is built (as the app does)."""
    apply_style(qapp, LIGHT if request.param == "light" else DARK)
    yield
    apply_style(qapp, LIGHT)


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_every_tab_label_and_control_fits(qapp, styled, window, qtbot, size) -> None:  # type: ignore[no-untyped-def]
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0])
    ui = window.ui
    labels_fit(ui.left_tabs)
    labels_fit(ui.totals.tabs)
    # The warning marks the form puts on its tabs still fit.
    ui.left_tabs.setTabText(0, "Session ⚠")
    ui.left_tabs.setTabText(1, "Baseline ⚠")
    labels_fit(ui.left_tabs)
    ui.totals.set_points_tab_title(240)
    labels_fit(ui.totals.tabs)
    assert [ui.left_tabs.tabText(i) for i in range(ui.left_tabs.count())] == [
        "Session ⚠", "Baseline ⚠", "Screening", "Photos"
    ]  # fmt: skip
    assert ui.totals.tabs.indexOf(ui.ae_view.parentWidget()) >= 0  # adverse events beside the totals
    for w in (
        ui.left_tabs, ui.map, ui.tools, ui.totals, ui.vial_panel, ui.print_button, ui.sign_button,
        ui.tools.note, ui.tools.note_button, ui.tools.apply_dose_button, ui.tools.delete_button,
        ui.tools.fill_button, ui.tools.centre_button,
    ):  # fmt: skip
        inside_parent(w)
    ui.totals.tabs.setCurrentWidget(ui.ae_view.parentWidget())
    qtbot.waitUntil(ui.ae_add.isVisible)
    for w in (ui.ae_view, ui.ae_add, ui.ae_edit):
        inside_parent(w)
    assert ui.splitter.geometry().right() <= window.centralWidget().width()
    # The dose per new point is shown whole with its concentration ('= 0.01 mL at 4 U/0.1 mL'): beside
    # its caption and the Add vial button, the concentration was cut off below the label's second line.
    derived = ui.vial_panel.default_dose.derived
    plain = derived.text().replace("\xa0", " ").replace("\u2060", "")  # no-break space, word joiner
    assert plain == "= 0.01 mL at 4 U/0.1 mL", plain
    assert derived.heightForWidth(derived.width()) <= derived.height(), (
        f"{derived.text()!r} needs {derived.heightForWidth(derived.width())} px, has {derived.height()}"
    )
    assert derived.fontMetrics().boundingRect(
        derived.rect(), Qt.TextFlag.TextWordWrap, derived.text()
    ).height() <= (derived.height())
    for b in (ui.zoom_out, ui.zoom_in, ui.zoom_fit, ui.labels_toggle, ui.undo_button, ui.redo_button,
              ui.last_map_button):  # fmt: skip
        inside_parent(b)
        assert b.width() >= b.sizeHint().width(), f"{b.text()!r} is squeezed"


def test_the_vial_dialog_shows_every_column_at_its_own_size(qapp, qtbot, services, prompts) -> None:  # type: ignore[no-untyped-def]
    apply_style(qapp)
    make_vial(services, lot="LOT-2026-0000123456")  # a long lot, as a scanned GS1 code may carry
    dialog = VialDialog(None, services, prompts)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= 1280 and dialog.height() <= 800
    view, model = dialog.today_view, dialog.today_model
    header = view.horizontalHeader()
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert {"Use by", "Reconstituted"} <= set(titles)
    for column, title in enumerate(titles):
        left = header.sectionViewportPosition(column)
        right = left + header.sectionSize(column)
        assert left >= 0 and right <= view.viewport().width(), f"the {title} column is cut off"
        if title != "Product":  # the product's name may be elided; every figure and date shows whole
            text = model.index(0, column).data()
            assert header.sectionSize(column) >= view.fontMetrics().horizontalAdvance(text), title
    # the scroll bar shown during the first layout pass goes once the columns have their sizes
    qtbot.waitUntil(lambda: not view.horizontalScrollBar().isVisible(), timeout=3_000)
