"""Putting a finished PDF on the printer the user chose.

Two ways, by what the printer is:

* **A PDF file** ("Print to file" in the print dialog): the document ReportLab made is written as it
  is, vector text and drawings, fonts embedded: about 70 KB, searchable, and sharp at any zoom.
  Drawing it onto Qt's PDF printer instead would turn every page into a picture (about 6 MB, no text
  to search or read aloud). A page range asked for in the dialog is honoured by copying those pages.
* **A real printer**: each page is rendered by Qt PDF at the printer's own resolution (capped at
  ``MAX_RENDER_DPI``) and drawn 1:1. A laser or inkjet printer prints pixels at that resolution
  anyway, so nothing is lost on paper; and it works the same with every driver on every desktop,
  where handing the PDF itself to the spooler would depend on the driver accepting PDF.
"""

from __future__ import annotations

import io

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from ..services.printing import OutputError, check_destination, write_pdf

#: Pages are rendered at the printer's resolution, but no finer than this (an A4 page at 600 dpi is
#: a 140 MB image already; finer adds nothing a handout needs).
MAX_RENDER_DPI = 600


def prints_to_pdf_file(printer: QPrinter) -> bool:
    """True when the chosen "printer" is a PDF file rather than a device."""
    return printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and bool(printer.outputFileName())


def print_pdf(data: bytes, printer: QPrinter, *, max_dpi: int = MAX_RENDER_DPI) -> int:
    """Print every page of ``data`` (or the range asked for in the dialog); returns the pages printed.

    Raises ``OutputError`` when the PDF cannot be read or the printer (or its output file) cannot be
    started; nothing is printed then.
    """
    if prints_to_pdf_file(printer):
        return write_vector_pdf(data, printer)
    return print_rendered(data, printer, max_dpi=max_dpi)


def write_vector_pdf(data: bytes, printer: QPrinter) -> int:
    """Write the document itself to the printer's output file (atomically); returns its pages."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    target = check_destination(printer.outputFileName())
    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
    except PdfReadError as e:
        raise OutputError(f"The document could not be read for printing ({e}).") from e
    if count < 1:
        raise OutputError("The document could not be read for printing.")
    pages = pages_to_print(printer, count)
    if pages != list(range(count)):
        writer = PdfWriter()
        for index in pages:
            writer.add_page(reader.pages[index])
        writer.add_metadata({k: v for k, v in (reader.metadata or {}).items() if isinstance(v, str)})
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    write_pdf(target, data)
    return len(pages)


def print_rendered(data: bytes, printer: QPrinter, *, max_dpi: int = MAX_RENDER_DPI) -> int:
    """Draw each page, rendered at the printer's resolution, onto ``printer``."""
    document = QPdfDocument()
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    try:
        if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
            raise OutputError("The document could not be read for printing.")
        pages = pages_to_print(printer, document.pageCount())
        dpi = max(72, min(printer.resolution(), max_dpi))
        if printer.outputFileName():  # a file of another format: refuse a place that cannot be written
            check_destination(printer.outputFileName())
        _match_page(printer, document.pagePointSize(pages[0]))
        painter = QPainter()
        if not painter.begin(printer):
            where = printer.outputFileName() or printer.printerName() or "the printer"
            raise OutputError(f"Could not start printing on {where}.")
        try:
            for n, index in enumerate(pages):
                if n:
                    _match_page(printer, document.pagePointSize(index))
                    if not printer.newPage():
                        raise OutputError("The printer stopped accepting pages.")
                _draw_page(painter, printer, document, index, dpi)
        finally:
            painter.end()
        return len(pages)
    finally:
        document.close()
        buffer.close()


def pages_to_print(printer: QPrinter, count: int) -> list[int]:
    """The 0-based pages asked for in the print dialog (all by default), in the order asked."""
    first, last = 0, count - 1
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = min(printer.fromPage(), count) - 1
        last = min(max(printer.toPage(), printer.fromPage()), count) - 1
    pages = list(range(first, last + 1))
    if printer.pageOrder() == QPrinter.PageOrder.LastPageFirst:
        pages.reverse()
    return pages


def _match_page(printer: QPrinter, points: QSizeF) -> None:
    """Give the printer the PDF page's paper (A4, Letter...) and orientation."""
    size = QPageSize(points, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyOrientationMatch)
    landscape = points.width() > points.height()
    printer.setPageOrientation(
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    printer.setPageSize(size)


def _draw_page(painter: QPainter, printer: QPrinter, document: QPdfDocument, index: int, dpi: int) -> None:
    area = printer.pageLayout().paintRectPixels(printer.resolution())  # device pixels
    points = document.pagePointSize(index)
    device = printer.resolution() / 72.0
    scale = min(1.0, area.width() / (points.width() * device), area.height() / (points.height() * device))
    target = QSize(round(points.width() * device * scale), round(points.height() * device * scale))
    # Render at the printer's pixels where it can (then drawn 1:1, crisp), else at max_dpi and scaled.
    factor = min(1.0, dpi / printer.resolution())
    image = document.render(index, QSize(round(target.width() * factor), round(target.height() * factor)))
    if image.isNull():
        raise OutputError(f"Page {index + 1} could not be drawn for printing.")
    _flatten_on_white(image)
    left = (area.width() - target.width()) // 2
    painter.drawImage(QRect(left, 0, target.width(), target.height()), image)


def _flatten_on_white(image: QImage) -> None:
    """Pages render on a transparent background: put white under them, in place (no second copy)."""
    p = QPainter(image)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationOver)
    p.fillRect(image.rect(), Qt.GlobalColor.white)
    p.end()
    image.convertTo(QImage.Format.Format_RGB32)
