"""A note per injection point ("bled", "patient flinched"): the map's action and its wiring.

The note is typed in the map tools' *Selected points* box (Enter saves it into the draft, undoable);
``Ctrl+Shift+T`` or the map's context menu goes there from the map, and Esc in the note returns to the
map. The editor writes it on the selected points; autosave and the session's audit entry carry it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QWidget

from .editor import ChartEditor
from .facemap_widget import FaceMapView
from .tools_panel import MapToolsPanel

NOTE_KEYS = "Ctrl+Shift+T"


class PointNotes(QObject):
    """Wires the note field to the editor; offers the "Note on the selected points" action."""

    def __init__(
        self, window: QWidget, map_view: FaceMapView, tools: MapToolsPanel, editor: ChartEditor
    ) -> None:
        super().__init__(window)
        self.map = map_view
        self.tools = tools
        self.editor = editor
        self.action = QAction("&Note on the selected points…", window)
        self.action.setObjectName("point_note_action")
        self.action.setShortcut(NOTE_KEYS)
        self.action.setToolTip(f"Write a note on the selected points, e.g. bled ({NOTE_KEYS})")
        window.addAction(self.action)
        # Right-click on the map offers it too (the points under a right-click are the selection).
        map_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        map_view.addAction(self.action)
        self.action.triggered.connect(self.go_to_note)
        tools.sig_note_requested.connect(self.write)
        tools.note.installEventFilter(self)

    def go_to_note(self) -> None:
        if not self.map.selected_uids():
            self.editor.sig_message.emit("Select a point first: click it, or drag a box round several.")
            return
        if self.editor.read_only:
            self.editor.sig_message.emit("This session is signed: its notes cannot be changed.")
            return
        self.tools.note.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.tools.note.selectAll()

    def write(self, note: str) -> None:
        if self.editor.set_note(self.map.selected_uids(), note):
            self.map.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.tools.note
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.map.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return super().eventFilter(watched, event)
