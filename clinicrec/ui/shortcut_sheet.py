"""Help → Keyboard shortcuts (F1 or Ctrl+/): every shortcut of the open windows, read from their actions
and shortcuts when the sheet opens, so the sheet never drifts from what the keys do.

A ``QAction`` is listed by its menu text; a bare ``QShortcut`` by its ``whatsThis`` text (set it where
the shortcut is made), else by its object name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .rows_model import Column, RowsModel

SHEET_KEYS = ("F1", "Ctrl+/")


@dataclass(frozen=True)
class ShortcutRow:
    where: str  # the window
    what: str  # the command
    keys: str  # "Ctrl+R", or several: "F1, Ctrl+/"


COLUMNS: tuple[Column[ShortcutRow], ...] = (
    Column("Keys", lambda r: r.keys),
    Column("Does", lambda r: r.what, sort=lambda r: r.what.casefold()),
    Column("Where", lambda r: r.where),
)


def _keys(sequences: Iterable[QKeySequence]) -> str:
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in sequences if not k.isEmpty())


def _where(window: QWidget) -> str:
    title = window.windowTitle().replace("[*]", "").split(" · ")[0].split(" — ")[0].strip()
    return title or window.objectName() or "ClinicRec"


def shortcut_rows(windows: Iterable[QWidget]) -> list[ShortcutRow]:
    """Every shortcut of ``windows`` (their actions, menus' actions and QShortcuts), one row each."""
    rows: list[ShortcutRow] = []
    seen: set[tuple[str, str, str]] = set()
    for window in windows:
        where = _where(window)
        found: list[tuple[str, str]] = []
        for action in window.findChildren(QAction):
            keys = _keys(action.shortcuts())
            text = action.text().replace("&&", "\x00").replace("&", "").replace("\x00", "&").rstrip("…")
            if keys and text:
                found.append((text, keys))
        for shortcut in window.findChildren(QShortcut):
            keys = _keys([shortcut.key()])
            if keys and shortcut.isEnabled():
                found.append((shortcut.whatsThis() or shortcut.objectName() or "(no description)", keys))
        for text, keys in found:
            key = (where, text, keys)
            if key not in seen:
                seen.add(key)
                rows.append(ShortcutRow(where, text, keys))
    return rows


def open_windows(first: QWidget) -> list[QWidget]:
    """``first`` (the window asking), then every other visible window of the application."""
    others = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not first and w.isWindow()]
    return [first, *others]


class ShortcutSheet(QDialog):
    def __init__(self, windows: Iterable[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcut_sheet")
        self.setWindowTitle("Keyboard shortcuts · ClinicRec")
        self.rows = shortcut_rows(windows)
        note = QLabel(
            "The shortcuts of the windows open now. Menus also open with Alt and the underlined letter.",
            self,
        )
        note.setWordWrap(True)
        self.table = QTableView(self)
        self.table.setObjectName("shortcut_table")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.rows_model = RowsModel(COLUMNS, self.rows, parent=self.table)
        self.table.setModel(self.rows_model)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(640, 520)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)


class ShortcutHelp(QObject):
    """Help → Keyboard shortcuts…, on F1 and Ctrl+/ from any window of the application."""

    sig_sheet_shown = Signal(object)  # the ShortcutSheet

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.action = QAction("&Keyboard shortcuts…", window)
        self.action.setObjectName("shortcut_sheet_action")
        self.action.setShortcuts([QKeySequence(k) for k in SHEET_KEYS])
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action.setToolTip("Every keyboard shortcut (F1, Ctrl+/)")
        self.action.setStatusTip("Every keyboard shortcut of the open windows")
        self.action.triggered.connect(self.show_sheet)

    def show_sheet(self) -> ShortcutSheet:
        active = QApplication.activeWindow() or self._window
        sheet = ShortcutSheet(open_windows(active), self._window)
        sheet.show()
        self.sig_sheet_shown.emit(sheet)
        return sheet
