"""Laying a story out without drawing it, then drawing the same story once.

The handout picks its type size by where its text ends (see ``handout_layout.build_document``). Building
the whole PDF for every size tried would draw every line and embed the fonts each time, only to throw
the file away. Instead a story is first *measured*: ReportLab's own page flow runs (the same frames,
splits, keep-together and keep-with-next rules, so the page breaks are exactly those of the real
document) but nothing is drawn and no file is made. Only the chosen story is then drawn, once.

The measured story is reused for the drawing, as ReportLab's ``multiBuild`` reuses a story between its
passes: the changes a pass makes to flowables (keep-with-next groups) are recorded and undone after
it. Paragraphs break their lines once per width (``Para``), so the drawing pass does not break them
again, and the handout's fixed wording is read once per process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph


class Para(Paragraph):
    """A ``Paragraph`` that breaks its lines only when it is drawn or split, and then once per width;
    for ``fixed`` wording (the same on every sheet: the template's text, headings, labels) its markup
    is read and its height per width found once per process.

    ReportLab asks a paragraph for its size several times for one placement (a table sizing its rows,
    keep-together looking ahead, the frame placing it) and again in every pass; the lines only depend
    on the width, so they are kept, and a measuring pass needs only the height. Splitting makes new
    paragraphs, which break their own lines.

    Text filled in for a patient is never ``fixed``: it is read afresh and kept nowhere.
    """

    _wrapped_at: float | None = None  # the width self.blPara was broken for
    width: float
    height: float
    _fixed_key: tuple[str, Any] | None = None

    def __init__(
        self,
        text: str | None,
        style: ParagraphStyle,
        bulletText: Any = None,  # noqa: N803 (ReportLab's names, as split() passes them)
        frags: list[Any] | None = None,
        *,
        fixed: bool = False,
    ) -> None:
        parsed = _parsed(text, style) if fixed and text is not None and frags is None else None
        if parsed is None:
            super().__init__(text, style, bulletText, frags)
        else:  # each paragraph gets its own copies: breaking lines may change a fragment
            cleaned, cached = parsed
            super().__init__(cleaned, style, bulletText, frags=[f.clone() for f in cached])
            if isinstance(bulletText, (str, type(None))):
                self._fixed_key = (text or "", bulletText)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (ReportLab's)
        if availWidth == self._wrapped_at and "blPara" in self.__dict__:  # split() may drop the lines
            return self.width, self.height
        if self._fixed_key is not None and availWidth >= rl_config._FUZZ:
            self.__dict__.pop("blPara", None)  # broken for another width: drawing or splitting breaks anew
            self._wrapped_at = None
            size = _fixed_size(*self._fixed_key, self.style, availWidth)
            self.width, self.height = size
            return size
        return self._break_lines(availWidth, availHeight)

    def _break_lines(self, available_width: float, available_height: float) -> tuple[float, float]:
        size: tuple[float, float] = super().wrap(available_width, available_height)
        self._wrapped_at = available_width if size[1] != 0x7FFFFFFF else None
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803 (ReportLab's)
        if "blPara" not in self.__dict__:
            self._break_lines(self.width if hasattr(self, "width") else availWidth, availHeight)
        parts: list[Any] = super().split(availWidth, availHeight)
        return parts

    def draw(self) -> None:
        if "blPara" not in self.__dict__:
            self._break_lines(self.width, self.height)
        super().draw()


@lru_cache(maxsize=2048)
def _fixed_size(text: str, bullet: str | None, style: ParagraphStyle, width: float) -> tuple[float, float]:
    """The size of fixed wording set ``width`` wide (found once per process)."""
    size: tuple[float, float] = Paragraph.wrap(Para(text, style, bullet, fixed=True), width, 0x7FFFFFFF)
    return size


@lru_cache(maxsize=2048)  # every look of the shipped templates in both languages, with room
def _parsed(text: str, style: ParagraphStyle) -> tuple[str, tuple[Any, ...]] | None:
    """The cleaned text and fragments of fixed wording in ``style`` (a style is one object per look
    for the whole process, so it keys by identity); None for markup that changes the style itself."""
    paragraph = Paragraph(text, style)
    if paragraph.style is not style or isinstance(paragraph.bulletText, list):
        return None
    return paragraph.text, tuple(f.clone() for f in paragraph.frags)


def parsed_cache_info() -> Any:
    """How the fixed wording's cache is used (for tests and benchmarks)."""
    return _parsed.cache_info()


def _no_draw(*args: Any, **kwargs: Any) -> None:
    return None


class _MeasuringFrame(Frame):
    """A frame that places flowables exactly as ``Frame`` does but draws none of them."""

    def _add(self, flowable: Flowable, canv: Canvas, trySplit: int = 0) -> int:  # noqa: N803 (ReportLab's)
        flowable.drawOn = _no_draw  # shadows the method for this placement only
        try:
            placed: int = super()._add(flowable, canv, trySplit)
            return placed
        finally:
            del flowable.drawOn

    add = _add


class _MeasuringCanvas(Canvas):
    """A canvas that keeps nothing: its pages are dropped and it writes no file."""

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._startPage()

    def save(self) -> None:
        return None


class PageDoc(BaseDocTemplate):
    """``SimpleDocTemplate``'s single frame per page, measured (:meth:`measure`) or drawn (:meth:`draw`)."""

    def _build(self, story: Sequence[Flowable], frame_class: type[Frame], canvasmaker: type[Canvas]) -> None:
        self._calc()
        frame = frame_class(self.leftMargin, self.bottomMargin, self.width, self.height, id="normal")
        self.addPageTemplates(
            [
                PageTemplate(id="First", frames=frame, pagesize=self.pagesize),
                PageTemplate(id="Later", frames=frame, pagesize=self.pagesize),
            ]
        )
        BaseDocTemplate.build(self, list(story), canvasmaker=canvasmaker)

    def handle_pageBegin(self) -> None:  # noqa: N802 (ReportLab's name)
        self._handle_pageBegin()
        self._handle_nextPageTemplate("Later")

    def measure(self, story: Sequence[Flowable]) -> int:
        """Flow ``story`` over the pages without drawing it; the number of pages. ``story`` is left as
        it was, ready for :meth:`draw` on a fresh ``PageDoc``."""
        edits: list[tuple[Callable[..., object], ...]] = []
        self._multiBuildEdits = edits.append  # ReportLab records there what a pass changes
        try:
            self._build(story, _MeasuringFrame, _MeasuringCanvas)
        finally:
            del self._multiBuildEdits
            for fn, *args in edits:
                fn(*args)
        return int(self.page)

    def draw(self, story: Sequence[Flowable], canvasmaker: type[Canvas], *, save: bool = True) -> int:
        """Build the document; the number of pages. With ``save=False`` the file is not written until
        :meth:`save` (a canvas that holds its pages back, like ``numbered_canvas``'s, then holds them
        all: a document drawn but not chosen costs no file)."""
        self._doSave = int(save)  # ReportLab's switch: _endBuild saves the canvas only when it is set
        self._build(story, Frame, canvasmaker)
        return int(self.page)

    def save(self) -> None:
        """Write the file of a document drawn with ``save=False``."""
        self.canv.save()
