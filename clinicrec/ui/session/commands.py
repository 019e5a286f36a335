"""Undoable edits of the map's points (QUndoStack: Ctrl+Z / Ctrl+Shift+Z)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtGui import QUndoCommand

from ...domain.models import InjectionPoint
from .models import ChartPoint, PointsModel

NUDGE_ID = 7301


class AddPointsCommand(QUndoCommand):
    def __init__(
        self, model: PointsModel, points: Sequence[ChartPoint], text: str, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(text, parent)
        self._model = model
        self._points = list(points)

    def redo(self) -> None:
        self._model.append(self._points)

    def undo(self) -> None:
        self._model.remove([cp.uid for cp in self._points])


class RemovePointsCommand(QUndoCommand):
    def __init__(
        self, model: PointsModel, uids: Sequence[int], text: str, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(text, parent)
        self._model = model
        self._uids = list(uids)
        self._removed: list[tuple[int, ChartPoint]] = []

    def redo(self) -> None:
        self._removed = self._model.remove(self._uids)

    def undo(self) -> None:
        self._model.insert(self._removed)


class UpdatePointsCommand(QUndoCommand):
    """Moves and dose changes: the points' before and after states. Arrow-key nudges merge."""

    def __init__(
        self,
        model: PointsModel,
        before: Mapping[int, InjectionPoint],
        after: Mapping[int, InjectionPoint],
        text: str,
        *,
        nudge: bool = False,
    ) -> None:
        super().__init__(text)
        self._model = model
        self._before = dict(before)
        self._after = dict(after)
        self._nudge = nudge

    def id(self) -> int:
        return NUDGE_ID if self._nudge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (
            not isinstance(other, UpdatePointsCommand)
            or not other._nudge
            or set(other._after) != set(self._after)
        ):
            return False
        self._after = dict(other._after)
        return True

    def redo(self) -> None:
        self._model.update(self._after)

    def undo(self) -> None:
        self._model.update(self._before)


class ReplacePointsCommand(QUndoCommand):
    """Replace every point at once (starting from the last session's map)."""

    def __init__(self, model: PointsModel, after: Sequence[ChartPoint], text: str) -> None:
        super().__init__(text)
        self._model = model
        self._before = model.chart_points()
        self._after = list(after)

    def redo(self) -> None:
        self._model.reset(self._after)

    def undo(self) -> None:
        self._model.reset(self._before)
