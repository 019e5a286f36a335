"""The look: Fusion with a calm clinical palette, light or dark as the desktop is set.

Two schemes, ``LIGHT`` (white and light-grey surfaces, one teal accent) and ``DARK`` (charcoal surfaces,
a lighter teal), chosen from Qt's colour-scheme hint (``QStyleHints.colorScheme``) when the application
starts and again whenever the desktop switches. The clinical colours stay distinct in both: red for
warnings (``danger``), amber for cautions (``warn_*``), each with text that reads on its background.

The module's upper-case names are the light scheme's (for code written before the dark scheme); code
that paints should ask ``active()`` for the scheme in use. Windows already open follow a switch: the
palette and the shared style sheet restyle every widget, labels take their colours from a stylesheet
role (``set_role``: 'muted', 'error', 'caution', 'good', ...), and the few colours set by hand (a
widget's own style sheet, HTML, charts) are applied through ``follow_scheme``, called again on a switch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

if TYPE_CHECKING:
    from PySide6.QtCore import Qt


@dataclass(frozen=True)
class Scheme:
    name: str
    accent: str  # selection, primary buttons, focus
    accent_dark: str
    accent_soft: str
    on_accent: str
    window: str
    surface: str
    alt_row: str
    border: str
    text: str
    muted: str
    disabled: str
    placeholder: str
    button: str
    button_hover: str
    header: str
    tooltip: str
    danger: str  # red: warnings, errors (text on window or surface)
    danger_bg: str
    danger_border: str
    good: str
    warn_text: str  # amber: cautions
    warn_bg: str
    warn_border: str
    info_border: str


LIGHT = Scheme(
    name="light",
    accent="#0f766e",
    accent_dark="#115e59",
    accent_soft="#e6f4f2",
    on_accent="#ffffff",
    window="#f5f7f8",
    surface="#ffffff",
    alt_row="#f8fafb",
    border="#d5dbe0",
    text="#1f2933",
    muted="#5f6b76",
    disabled="#9aa4ad",
    placeholder="#8a949d",
    button="#eef1f3",
    button_hover="#e4e9ec",
    header="#eef2f4",
    tooltip="#fffef5",
    danger="#b3261e",
    danger_bg="#fdecea",
    danger_border="#e0a29c",
    good="#1b7f3b",
    warn_text="#6b4500",
    warn_bg="#fff6e0",
    warn_border="#e5c07b",
    info_border="#a7d3ce",
)

DARK = Scheme(
    name="dark",
    accent="#2bb3a6",
    accent_dark="#5fd0c4",
    accent_soft="#163a37",
    on_accent="#0b1f1d",
    window="#1b1f23",
    surface="#23282d",
    alt_row="#2a3036",
    border="#3d454d",
    text="#e6eaee",
    muted="#a9b3bc",
    disabled="#6d7780",
    placeholder="#7f8992",
    button="#2f363c",
    button_hover="#384047",
    header="#2a3036",
    tooltip="#2f363c",
    danger="#ff8a80",
    danger_bg="#3b1f1f",
    danger_border="#8c3b36",
    good="#7ed69b",
    warn_text="#ffd27a",
    warn_bg="#3a2f12",
    warn_border="#8a6d2a",
    info_border="#2e6b65",
)

ACCENT = LIGHT.accent
ACCENT_DARK = LIGHT.accent_dark
ACCENT_SOFT = LIGHT.accent_soft
WINDOW = LIGHT.window
SURFACE = LIGHT.surface
ALT_ROW = LIGHT.alt_row
BORDER = LIGHT.border
TEXT = LIGHT.text
MUTED = LIGHT.muted
DANGER = LIGHT.danger
GOOD = LIGHT.good
WARN_BG = LIGHT.warn_bg
WARN_BORDER = LIGHT.warn_border

_active = LIGHT


def active() -> Scheme:
    """The scheme in use (set by ``apply_style``)."""
    return _active


def desktop_scheme(app: QApplication) -> Scheme:
    """The desktop's choice (Qt's colour-scheme hint); light when it says nothing."""
    from PySide6.QtCore import Qt  # (not before the first window has painted: ``style_before_paint``)

    return DARK if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else LIGHT


#: The desktop's scheme when the application last asked (QSettings, per workstation user: a look only).
SCHEME_SETTING = "style/desktop_scheme"


def style_before_paint(app: QApplication) -> Scheme:
    """``apply_style`` for a start's first window, without asking the desktop yet: its answer is a value
    of the ``Qt`` namespace, and PySide6 makes all 125 of that namespace's enum types at its first use
    (some 45 ms; before the sign-in dialog, that was a sixth of the wait for it). The scheme the desktop
    had when last asked is used (light the first time); ``follow_desktop_now``, called once the window
    has painted, asks it, restyles if the desktop has switched since, and follows it from then on."""
    remembered = QSettings().value(SCHEME_SETTING)
    return apply_style(app, DARK if remembered == DARK.name else LIGHT)


def follow_desktop_now(app: QApplication) -> Scheme:
    """The desktop's scheme, applied if it is not the one in use, remembered for the next start
    (``style_before_paint``), and followed from now on."""
    chosen = desktop_scheme(app)
    QSettings().setValue(SCHEME_SETTING, chosen.name)
    if chosen is not _active:
        apply_style(app, chosen)
    _follow(app)
    return chosen


BASE_POINT_SIZE = 10.5


def clinical_palette(c: Scheme = LIGHT) -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    colours = {
        role.Window: c.window,
        role.WindowText: c.text,
        role.Base: c.surface,
        role.AlternateBase: c.alt_row,
        role.ToolTipBase: c.tooltip,
        role.ToolTipText: c.text,
        role.PlaceholderText: c.placeholder,
        role.Text: c.text,
        role.Button: c.button,
        role.ButtonText: c.text,
        role.BrightText: "#ffffff",
        role.Highlight: c.accent,
        role.HighlightedText: c.on_accent,
        role.Link: c.accent_dark,
        role.LinkVisited: c.accent_dark,
        role.Light: c.surface,
        role.Midlight: c.button_hover,
        role.Mid: c.border,
        role.Dark: c.disabled,
        role.Shadow: "#000000" if c is DARK else "#6b747c",
    }
    for r, colour in colours.items():
        pal.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(group.Disabled, r, QColor(c.disabled))
    pal.setColor(group.Disabled, role.Base, QColor(c.window))
    pal.setColor(group.Inactive, role.Highlight, QColor(c.accent))
    pal.setColor(group.Inactive, role.HighlightedText, QColor(c.on_accent))
    return pal


def stylesheet(c: Scheme = LIGHT) -> str:
    return f"""
QToolTip {{ color: {c.text}; background: {c.tooltip}; border: 1px solid {c.border}; padding: 4px; }}
QLineEdit, QPlainTextEdit, QTextEdit {{
    background: {c.surface}; border: 1px solid {c.border}; border-radius: 4px; padding: 3px 5px;
    selection-background-color: {c.accent};
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{
    border: 1px solid {c.accent};
}}
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"] {{
    border: 1px solid {c.danger}; background: {c.danger_bg};
}}
QLineEdit[signed="true"], QPlainTextEdit[signed="true"] {{
    background: transparent; border: 1px solid transparent;
}}
QPushButton {{
    background: {c.button}; border: 1px solid {c.border}; border-radius: 4px; padding: 5px 14px;
    min-height: 20px;
}}
QPushButton:hover {{ background: {c.button_hover}; }}
QPushButton:focus {{ border: 1px solid {c.accent}; }}
QPushButton:disabled {{ color: {c.disabled}; background: {c.window}; }}
QPushButton[primary="true"] {{
    background: {c.accent}; color: {c.on_accent}; border: 1px solid {c.accent_dark};
}}
QPushButton[primary="true"]:hover {{ background: {c.accent_dark}; }}
QPushButton[primary="true"]:focus {{ border: 2px solid {c.accent_dark}; }}
QPushButton[primary="true"]:disabled {{ background: {c.info_border}; border-color: {c.info_border}; }}
QTableView, QListView, QTreeView {{
    background: {c.surface}; border: 1px solid {c.border}; border-radius: 4px;
    alternate-background-color: {c.alt_row}; selection-background-color: {c.accent};
    selection-color: {c.on_accent}; gridline-color: {c.alt_row};
}}
QHeaderView::section {{
    background: {c.header}; color: {c.muted}; border: none; border-bottom: 1px solid {c.border};
    border-right: 1px solid {c.border}; padding: 5px 6px; font-weight: 600;
}}
QGroupBox {{
    border: 1px solid {c.border}; border-radius: 6px; margin-top: 14px; padding: 10px 8px 8px 8px;
    background: {c.surface};
}}
QGroupBox::title {{
    subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {c.muted}; font-weight: 600;
}}
QToolBar {{
    background: {c.surface}; border: none; border-bottom: 1px solid {c.border}; spacing: 4px; padding: 3px;
}}
QToolBar QToolButton {{ padding: 4px 8px; border-radius: 4px; }}
QToolBar QToolButton:hover {{ background: {c.accent_soft}; }}
QStatusBar {{ background: {c.surface}; border-top: 1px solid {c.border}; color: {c.muted}; }}
QStatusBar QLabel {{ color: {c.muted}; padding: 0 6px; }}
QSplitter::handle {{ background: {c.window}; }}
QLabel[role="heading"] {{ font-size: {BASE_POINT_SIZE * 1.55:.1f}pt; font-weight: 600; color: {c.text}; }}
QLabel[role="subheading"] {{ font-size: {BASE_POINT_SIZE * 1.1:.1f}pt; font-weight: 600; color: {c.text}; }}
QLabel[role="muted"] {{ color: {c.muted}; }}
QLabel[role="error"] {{ color: {c.danger}; }}
QLabel[role="good"] {{ color: {c.good}; }}
QLabel[role="accent"] {{ color: {c.accent_dark}; }}
QLabel[role="caution"] {{ color: {c.warn_text}; }}
QLabel[role="banner-error"] {{
    color: {c.danger}; background: {c.danger_bg}; border: 1px solid {c.danger_border}; border-radius: 4px;
    padding: 6px 8px;
}}
QLabel[role="banner-info"] {{
    color: {c.text}; background: {c.accent_soft}; border: 1px solid {c.info_border}; border-radius: 4px;
    padding: 6px 8px;
}}
QLabel[role="allergy"] {{
    color: {c.warn_text}; background: {c.warn_bg}; border: 1px solid {c.warn_border}; border-radius: 4px;
    padding: 6px 8px;
}}
QFrame[role="card"] {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 6px; }}
"""


STYLESHEET = stylesheet(LIGHT)


def apply_style(app: QApplication, scheme: Scheme | None = None) -> Scheme:
    """Fusion, the clinical palette, a readable 10.5 pt UI font and the shared stylesheet, in ``scheme``
    (default: the desktop's; followed when the desktop switches). Returns the scheme applied."""
    global _active
    chosen = scheme or desktop_scheme(app)
    _active = chosen
    # Fusion once: replacing the style on every switch deletes the old one under open windows, and an
    # open QWizard (the import wizard) then crashes in the next style sheet change
    # (under a style sheet, app.style() is Qt's wrapper, whose name() is empty: hence the flag)
    if not app.property("clinicrec_fusion"):
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(fusion)
            app.setProperty("clinicrec_fusion", True)
    app.setPalette(clinical_palette(chosen))
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(stylesheet(chosen))
    scheme_signals().sig_scheme_changed.emit(chosen)
    if scheme is None:
        _follow(app)
    return chosen


def _follow(app: QApplication) -> None:
    """Restyle whenever the desktop switches (connected once)."""
    if not app.property("clinicrec_follows_scheme"):
        app.setProperty("clinicrec_follows_scheme", True)
        app.styleHints().colorSchemeChanged.connect(lambda s: follow_desktop(app, s))


def follow_desktop(app: QApplication, hint: Qt.ColorScheme) -> Scheme:
    """The desktop switched light/dark (``QStyleHints.colorSchemeChanged``): restyle the application and
    every open window in the scheme it asks for."""
    from PySide6.QtCore import Qt

    return apply_style(app, DARK if hint == Qt.ColorScheme.Dark else LIGHT)


class SchemeSignals(QObject):
    """Announces each ``apply_style``: widgets whose colours are not in the palette or the shared
    stylesheet (hand-set style sheets, painted colours, charts) restyle from it while open."""

    sig_scheme_changed = Signal(object)


_signals: SchemeSignals | None = None


def scheme_signals() -> SchemeSignals:
    global _signals
    if _signals is None:
        _signals = SchemeSignals()
    return _signals


class _Follower(QObject):
    """Lives as the widget's child, so the connection ends when the widget is destroyed."""

    def __init__(self, widget: QWidget, restyle: Callable[[Scheme], None]) -> None:
        super().__init__(widget)
        self.setObjectName("scheme_follower")
        self._restyle = restyle
        scheme_signals().sig_scheme_changed.connect(self.on_scheme_changed)

    @Slot(object)
    def on_scheme_changed(self, scheme: Scheme) -> None:
        self._restyle(scheme)


def follow_scheme(widget: QWidget, restyle: Callable[[Scheme], None], *, now: bool = True) -> None:
    """Call ``restyle(active())`` now (unless ``now`` is false) and again each time the scheme is
    switched (the desktop's hint or ``apply_style``), for as long as ``widget`` lives. For colours the
    palette and the shared style sheet cannot carry (hand-set style sheets, HTML, charts)."""
    if now:
        restyle(active())
    _Follower(widget, restyle)


def tone_css(tone: str, c: Scheme | None = None) -> str:
    """Colour, background and border of a clinical tone in the scheme in use (default ``active()``):
    'alert' (red: blocks or warns), 'warn' (amber: a caution), 'ok' (neutral: dealt with), 'good'
    (green: signed), 'info' (teal). Each reads on its background in the light and the dark scheme."""
    c = c or active()
    return {
        "alert": f"color: {c.danger}; background: {c.danger_bg}; border: 1px solid {c.danger_border};",
        "warn": f"color: {c.warn_text}; background: {c.warn_bg}; border: 1px solid {c.warn_border};",
        "ok": f"color: {c.text}; background: {c.alt_row}; border: 1px solid {c.border};",
        "good": f"color: {c.good}; background: {c.surface}; border: 1px solid {c.info_border};",
        "info": f"color: {c.text}; background: {c.accent_soft}; border: 1px solid {c.info_border};",
    }[tone]


def set_role(widget: QWidget, role: str) -> QWidget:
    """Give a label or frame a stylesheet role ('heading', 'muted', 'error', 'good', 'caution', 'accent',
    'banner-error', 'card', ...): its colours then come from the scheme in use and follow a switch."""
    from PySide6.QtCore import Qt

    if widget.property("role") == role:
        return widget
    widget.setProperty("role", role)
    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):  # styled already: restyle it
        widget.style().unpolish(widget)
        widget.style().polish(widget)
    return widget  # (not yet: its first polish reads the role; styled here too, it was styled twice)


def role_of_new(widget: QWidget, role: str) -> QWidget:
    """``set_role`` for a widget just made, never shown: its first polish reads the role. (Asks nothing of
    the ``Qt`` namespace: the sign-in dialog is built with it before the namespace is made; see
    ``style_before_paint``.)"""
    widget.setProperty("role", role)
    return widget


def make_primary(button: QWidget) -> QWidget:
    button.setProperty("primary", True)
    return button
