"""The consent form on screen: large type, and signing only once the patient has scrolled to the end."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTextBrowser, QWidget

from ...domain.consent import ConsentFormKind
from ...domain.enums import Language
from ...pdf.consent_forms import signed_template
from ...pdf.templates import Block, SectionKind, fill
from ..style import Scheme, active, follow_scheme

READING_POINT_SIZE = 15


def _blocks_html(blocks: tuple[Block, ...], style: str = "") -> str:
    out = []
    for block in blocks:
        items = [t for t in (fill(i, {}) for i in block.items) if t]
        if block.bullets:
            out.append("<ul>" + "".join(f"<li>{t}</li>" for t in items) + "</ul>")
        else:
            out += [f"<p style='{style}'>{t}</p>" for t in items]
    return "".join(out)


def consent_html(text: str, kind: ConsentFormKind, language: Language) -> str:
    """The signed (or to-be-signed) text as the reader shows it."""
    template = signed_template(text, kind, language)
    c = active()  # the warning box and small print read in the light and the dark scheme
    parts = [f"<h1>{escape(template.title)}</h1>", _blocks_html(template.intro)]
    for section in template.sections:
        heading = fill(section.heading, {}) or ""
        small = section.kind is SectionKind.SMALL_PRINT
        body = _blocks_html(section.blocks, f"color:{c.muted}; font-size:small" if small else "")
        if section.kind is SectionKind.WARNING:
            parts.append(
                f"<table width='100%' cellpadding='10' bgcolor='{c.danger_bg}'"
                f" style='background:{c.danger_bg}; color:{c.text}; border:2px solid {c.danger}'>"
                f"<tr><td><h2 style='color:{c.danger}'>⚠ {heading}</h2>{body}</td></tr></table>"
            )
        elif section.kind is SectionKind.SMALL_PRINT:
            parts.append(f"<p style='color:{c.muted}; font-size:small'><b>{heading}</b></p>{body}")
        else:
            parts.append(f"<h2>{heading}</h2>{body}")
    return "".join(parts)


class ConsentReader(QTextBrowser):
    """Emits ``sig_read_to_end`` once the patient has scrolled to the end of the form."""

    sig_read_to_end = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consent_text")
        self.setAccessibleName("Consent form text")
        font = QFont(self.font())
        font.setPointSize(READING_POINT_SIZE)
        self.setFont(font)
        self.setOpenExternalLinks(False)
        self.read_to_end = False
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().rangeChanged.connect(lambda _lo, _hi: self._scrolled())
        self._shown: tuple[str, ConsentFormKind, Language] | None = None
        follow_scheme(self, self._restyle)

    def _restyle(self, _scheme: Scheme) -> None:
        """The form's colours are in its HTML: render it again in the new scheme, where it was."""
        if self._shown is not None:
            at = self.verticalScrollBar().value()
            self.setHtml(consent_html(*self._shown))
            self.verticalScrollBar().setValue(at)

    def show_text(self, text: str, kind: ConsentFormKind, language: Language) -> None:
        self.read_to_end = False
        self._shown = (text, kind, language)
        self.setHtml(consent_html(text, kind, language))
        self.verticalScrollBar().setValue(0)
        self._scrolled()

    def _scrolled(self, *_args: object) -> None:
        bar = self.verticalScrollBar()
        at_end = not self.document().isEmpty() and bar.value() >= bar.maximum()
        if not self.read_to_end and at_end and (bar.maximum() > 0 or self.isVisible()):
            self.read_to_end = True
            self.sig_read_to_end.emit()

    def showEvent(self, event: object) -> None:  # noqa: N802
        super().showEvent(event)  # type: ignore[arg-type]
        self._scrolled()
