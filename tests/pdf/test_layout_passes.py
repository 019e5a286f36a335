"""Measuring a story without drawing it finds the page breaks drawing finds, and leaves the story
ready to be drawn (the handout measures a look, then draws the same flowables)."""

from __future__ import annotations

import io
from collections.abc import Callable

from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer

from clinicrec.pdf.common import FONT, FONT_BOLD
from clinicrec.pdf.layout_passes import PageDoc, Para

BODY = ParagraphStyle("test-body", fontName=FONT, fontSize=10, leading=13)
HEADING = ParagraphStyle("test-heading", fontName=FONT_BOLD, fontSize=12, leading=16, keepWithNext=True)
LOREM = "Small raised bumps show where each drop went and go down within minutes to a few hours. " * 3


def _story(paragraph: Callable[..., Flowable] = Para) -> list[Flowable]:
    """A heading that fits at the foot of page 1 but its paragraph does not: keep-with-next moves it.
    Fixed and filled paragraphs alternate; the long ones split across pages."""
    fixed = {"fixed": True} if paragraph is Para else {}
    return [
        Spacer(1, 200),
        paragraph("Looking after your skin", HEADING, **fixed),
        paragraph(LOREM, BODY),
        *(
            paragraph(f"<b>Line {n}.</b> {LOREM * (n % 3 + 1)}", BODY, **(fixed if n % 2 else {}))
            for n in range(8)
        ),
    ]


def _doc(out: io.BytesIO | None = None) -> PageDoc:
    return PageDoc(
        out or io.BytesIO(), pagesize=(300, 300), leftMargin=20, rightMargin=20, topMargin=20, bottomMargin=20
    )


def _pages(pdf: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_measuring_finds_the_pages_drawing_finds_and_leaves_the_story_as_it_was() -> None:
    fresh = io.BytesIO()
    drawn_pages = _doc(fresh).draw(_story(), Canvas)
    story = _story()
    heading = story[1]

    measured_pages = _doc().measure(story)
    # the pass grouped the heading with its paragraph by switching its keep-with-next off: undone
    assert "keepWithNext" not in heading.__dict__
    reused = io.BytesIO()
    _doc(reused).draw(story, Canvas)

    assert measured_pages == drawn_pages >= 3
    assert _pages(reused.getvalue()) == _pages(fresh.getvalue())
    assert "Looking after your skin" in _pages(fresh.getvalue())[1]  # moved over with its paragraph


def test_paras_lay_out_and_print_as_reportlabs_paragraphs() -> None:
    plain = io.BytesIO()
    _doc(plain).draw(_story(Paragraph), Canvas)
    ours = io.BytesIO()
    story = _story()
    _doc().measure(story)
    _doc(ours).draw(story, Canvas)
    again = io.BytesIO()
    _doc(again).draw(_story(), Canvas)  # the fixed wording's sizes now come from the process's cache
    assert len(_pages(plain.getvalue())) >= 4
    assert _pages(ours.getvalue()) == _pages(plain.getvalue()) == _pages(again.getvalue())


def test_a_drawn_document_is_written_only_when_saved() -> None:
    out = io.BytesIO()
    doc = _doc(out)
    pages = doc.draw(_story(), Canvas, save=False)
    assert out.getvalue() == b""
    doc.save()
    assert len(_pages(out.getvalue())) == pages


def test_a_paragraph_breaks_its_lines_once_per_width() -> None:
    para = Para(LOREM, BODY)
    first = para.wrap(200, 1000)
    assert first == Paragraph(LOREM, BODY).wrap(200, 1000)
    lines = para.blPara
    assert para.wrap(200, 1000) == first and para.blPara is lines
    wider = para.wrap(260, 1000)
    assert wider[1] < first[1] and para.blPara is not lines


def test_fixed_wording_is_sized_without_breaking_lines_until_drawn() -> None:
    para = Para(LOREM, BODY, fixed=True)
    assert para.wrap(200, 1000) == Paragraph(LOREM, BODY).wrap(200, 1000)
    assert "blPara" not in para.__dict__  # measured from the cache: no lines broken
    canvas = Canvas(io.BytesIO())
    para.drawOn(canvas, 0, 0)
    assert len(para.blPara.lines) == Paragraph(LOREM, BODY).wrap(200, 1000)[1] / BODY.leading
