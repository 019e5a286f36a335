"""What an edit costs the GUI thread: the points list out of sight is not measured again, and a change
of the points does not repaint rows that show nothing new."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex
from PySide6.QtWidgets import QHeaderView

from clinicrec.domain.enums import DoseBasis, Zone
from clinicrec.ui.session.editor import Dose


def _settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Let the views do what they do after a change (the header's delayed sizing, the repaint)."""
    for _ in range(3):
        QCoreApplication.processEvents()
        qtbot.wait(20)


def test_the_points_list_behind_another_tab_is_not_measured_at_each_change(  # type: ignore[no-untyped-def]
    window, monkeypatch, qtbot
) -> None:
    """Sized to its contents out of sight, the list was measured again (every cell of the rows in view,
    ~1,200 reads of the model) at each grid fill and dose change; once shown it fits its contents."""
    tabs, view = window.ui.totals.tabs, window.ui.totals.points_view
    assert tabs.currentWidget() is window.ui.totals.totals_view  # as the window opens
    model = window.points_model
    reads: list[int] = []

    def counted(text: Any) -> Any:
        def read(row: Any) -> Any:
            reads.append(1)
            return text(row)

        return read

    # Each cell's text, as the model reads it for the views (a replaced ``data`` method is not seen by Qt
    # once the model has been used: the count stayed 0 whatever the list did).
    monkeypatch.setattr(model, "_columns", tuple(replace(c, text=counted(c.text)) for c in model.columns))
    window.editor.grid_fill(Zone.FOREHEAD, 0.8)
    _settle(qtbot)
    window.editor.grid_fill(Zone.CHIN, 0.8)
    uids = model.uids()
    window.editor.set_dose(uids[:5], Dose(DoseBasis.UNITS, 0.35))
    _settle(qtbot)
    assert len(reads) < 50, f"{len(reads)} reads of the points model while the list was out of sight"

    tabs.setCurrentWidget(view)  # shown: its columns fit what they show
    _settle(qtbot)
    assert len(reads) > 50  # measured and painted once shown (the count sees the views' reads)
    header = view.horizontalHeader()
    last = header.count() - 1
    assert header.sectionResizeMode(last) == QHeaderView.ResizeMode.Stretch
    for column in range(last):
        assert header.sectionResizeMode(column) == QHeaderView.ResizeMode.ResizeToContents
        assert header.sectionSize(column) >= view.sizeHintForColumn(column) > 0
    tabs.setCurrentWidget(window.ui.totals.totals_view)
    for column in range(last):  # behind Totals again: the widths are kept, not measured
        assert header.sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive


def test_a_dose_change_repaints_only_the_points_it_changed(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The vials' context of the points list (labels, colours) is set at every change of the points;
    unchanged, it no longer tells the views that every row changed."""
    window.editor.grid_fill(Zone.FOREHEAD, 0.8)
    _settle(qtbot)
    model = window.points_model
    spans: list[tuple[int, int]] = []

    def noted(top: QModelIndex, bottom: QModelIndex, _roles: object = None) -> None:
        spans.append((top.row(), bottom.row()))

    model.dataChanged.connect(noted)
    uids = model.uids()
    assert window.editor.set_dose(uids[3:5], Dose(DoseBasis.UNITS, 0.35)) == 2
    _settle(qtbot)
    assert spans == [(3, 4)]
