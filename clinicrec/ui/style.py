"""The look: Fusion with a calm clinical palette (white and light-grey surfaces, one teal accent)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

ACCENT = "#0f766e"  # teal: selection, primary buttons, focus
ACCENT_DARK = "#115e59"
ACCENT_SOFT = "#e6f4f2"
WINDOW = "#f5f7f8"
SURFACE = "#ffffff"
ALT_ROW = "#f8fafb"
BORDER = "#d5dbe0"
TEXT = "#1f2933"
MUTED = "#5f6b76"
DANGER = "#b3261e"
GOOD = "#1b7f3b"
WARN_BG = "#fff6e0"
WARN_BORDER = "#e5c07b"

BASE_POINT_SIZE = 10.5


def clinical_palette() -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    colours = {
        role.Window: WINDOW,
        role.WindowText: TEXT,
        role.Base: SURFACE,
        role.AlternateBase: ALT_ROW,
        role.ToolTipBase: "#fffef5",
        role.ToolTipText: TEXT,
        role.PlaceholderText: "#8a949d",
        role.Text: TEXT,
        role.Button: "#eef1f3",
        role.ButtonText: TEXT,
        role.BrightText: "#ffffff",
        role.Highlight: ACCENT,
        role.HighlightedText: "#ffffff",
        role.Link: ACCENT_DARK,
        role.LinkVisited: ACCENT_DARK,
        role.Light: "#ffffff",
        role.Midlight: "#eceff1",
        role.Mid: "#c3cad0",
        role.Dark: "#9aa4ad",
        role.Shadow: "#6b747c",
    }
    for r, c in colours.items():
        pal.setColor(r, QColor(c))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(group.Disabled, r, QColor("#9aa4ad"))
    pal.setColor(group.Disabled, role.Base, QColor("#f1f3f5"))
    pal.setColor(group.Inactive, role.Highlight, QColor("#2a8c84"))
    pal.setColor(group.Inactive, role.HighlightedText, QColor("#ffffff"))
    return pal


STYLESHEET = f"""
QToolTip {{ color: {TEXT}; background: #fffef5; border: 1px solid {BORDER}; padding: 4px; }}
QLineEdit, QPlainTextEdit, QTextEdit {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px; padding: 3px 5px;
    selection-background-color: {ACCENT};
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{
    border: 1px solid {ACCENT};
}}
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"] {{
    border: 1px solid {DANGER}; background: #fff8f7;
}}
QLineEdit[signed="true"], QPlainTextEdit[signed="true"] {{
    background: transparent; border: 1px solid transparent;
}}
QPushButton {{
    background: #eef1f3; border: 1px solid {BORDER}; border-radius: 4px; padding: 5px 14px; min-height: 20px;
}}
QPushButton:hover {{ background: #e4e9ec; }}
QPushButton:focus {{ border: 1px solid {ACCENT}; }}
QPushButton:disabled {{ color: #9aa4ad; background: #f3f5f6; }}
QPushButton[primary="true"] {{ background: {ACCENT}; color: white; border: 1px solid {ACCENT_DARK}; }}
QPushButton[primary="true"]:hover {{ background: {ACCENT_DARK}; }}
QPushButton[primary="true"]:focus {{ border: 2px solid #0b3f3b; }}
QPushButton[primary="true"]:disabled {{ background: #9cc9c4; border-color: #9cc9c4; }}
QTableView, QListView, QTreeView {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px;
    alternate-background-color: {ALT_ROW}; selection-background-color: {ACCENT};
    selection-color: white; gridline-color: #edf0f2;
}}
QHeaderView::section {{
    background: #eef2f4; color: {MUTED}; border: none; border-bottom: 1px solid {BORDER};
    border-right: 1px solid #e3e7ea; padding: 5px 6px; font-weight: 600;
}}
QGroupBox {{
    border: 1px solid {BORDER}; border-radius: 6px; margin-top: 14px; padding: 10px 8px 8px 8px;
    background: {SURFACE};
}}
QGroupBox::title {{
    subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {MUTED}; font-weight: 600;
}}
QToolBar {{
    background: {SURFACE}; border: none; border-bottom: 1px solid {BORDER}; spacing: 4px; padding: 3px;
}}
QToolBar QToolButton {{ padding: 4px 8px; border-radius: 4px; }}
QToolBar QToolButton:hover {{ background: {ACCENT_SOFT}; }}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 6px; }}
QSplitter::handle {{ background: {WINDOW}; }}
QLabel[role="heading"] {{ font-size: {BASE_POINT_SIZE * 1.55:.1f}pt; font-weight: 600; color: {TEXT}; }}
QLabel[role="subheading"] {{ font-size: {BASE_POINT_SIZE * 1.1:.1f}pt; font-weight: 600; color: {TEXT}; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="banner-error"] {{
    color: {DANGER}; background: #fdecea; border: 1px solid #e0a29c; border-radius: 4px; padding: 6px 8px;
}}
QLabel[role="banner-info"] {{
    color: {TEXT}; background: {ACCENT_SOFT}; border: 1px solid #a7d3ce; border-radius: 4px; padding: 6px 8px;
}}
QLabel[role="allergy"] {{
    color: #6b4500; background: {WARN_BG}; border: 1px solid {WARN_BORDER}; border-radius: 4px;
    padding: 6px 8px;
}}
QFrame[role="card"] {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px; }}
"""


def apply_style(app: QApplication) -> None:
    """Fusion, the clinical palette, a readable 10.5 pt UI font and the shared stylesheet."""
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    app.setPalette(clinical_palette())
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)


def set_role(widget: QWidget, role: str) -> QWidget:
    """Give a label or frame a stylesheet role ('heading', 'muted', 'banner-error', 'card', ...)."""
    widget.setProperty("role", role)
    return widget


def make_primary(button: QWidget) -> QWidget:
    button.setProperty("primary", True)
    return button
