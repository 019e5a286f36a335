"""Qt's item roles as plain numbers, and a read-only cell's flags, looked up once for the table models.

A view asks ``data`` for a dozen roles of each cell it paints or measures, and ``flags`` for each cell.
Naming a ``Qt.ItemDataRole`` member in each of those calls is an enum lookup, and each ``|`` of
``Qt.ItemFlag`` members makes a new Python enum object: most of a model's time in a paint (the patient
list's keystroke, a report table's result).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
DECORATION = int(Qt.ItemDataRole.DecorationRole)
FONT = int(Qt.ItemDataRole.FontRole)
#: A cell that can be selected and has no children (nor can be edited).
READ_ONLY_CELL = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
