"""Printing, previewing and saving the patient documents: the aftercare handout, the chart, the leaflet.

The PDF is made by ``services.printing`` (which records each one in the audit trail) off the GUI
thread, through the one ``Worker``. Saving writes it atomically where the user chose. Printing puts
the PDF on the ``QPrinter`` picked in the print dialog (``print_output``: a PDF file gets the vector
document itself, a printer the pages rendered at its resolution); painting a ``QPrinter`` is allowed
outside the GUI thread, so the whole print job runs in the worker. A preview shows the finished pages
first; printing or saving from it uses the same bytes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMenu, QProgressBar, QWidget

from ..domain.enums import Language
from ..domain.errors import ClinicRecError, PermissionDenied
from ..pdf.templates import TemplateError
from ..services.app import Services
from ..services.printing import OutputError, check_destination, write_pdf
from .date_format import date_text
from .prompts import Prompts
from .worker import Worker

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from .patients.patient_chart import PatientChart
    from .print_preview import PrintPreviewDialog
# Qt's printing and PDF modules (print_output, print_preview: QtPrintSupport, QtPdf) are imported when a
# document is first printed or previewed, on the GUI thread: the main window, which holds a printer, is
# built on the way to the first rows, and they are not (~40 ms).

log = logging.getLogger(__name__)

PDF_FILTER = "PDF documents (*.pdf)"

_T = TypeVar("_T")
PrinterChooser = Callable[[QWidget | None], "QPrinter | None"]
#: Shows a finished document's preview: (the dialog, already wired to print and save) -> None.
Previewer = Callable[["PrintPreviewDialog"], None]


def show_preview(dialog: PrintPreviewDialog) -> None:
    """The preview as a window of its own (not modal: the chart stays usable beside it)."""
    dialog.show()
    dialog.raise_()


def choose_printer(parent: QWidget | None) -> QPrinter | None:
    """The system print dialog; the chosen printer, or None when the user cancels."""
    from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName("print_dialog")
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintSelection, False)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, False)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    return printer if accepted else None


class PrintingIndicator(QWidget):
    """'Making the PDF…' with a moving bar, shown only while a document is being made or printed."""

    def __init__(
        self, parent: QWidget | None = None, *, name: str = "printing_indicator", compact: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("Making the PDF")
        self.setToolTip("Making the PDF…")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.label = QLabel("Making the PDF…", self)
        self.label.setObjectName(f"{name}_label")
        self.bar = QProgressBar(self)
        self.bar.setObjectName(f"{name}_bar")
        self.bar.setAccessibleName("Making the PDF")
        self.bar.setRange(0, 0)  # busy: no percentage to show
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(60 if compact else 90, 12)
        self.label.setVisible(not compact)  # compact: the bar alone, its tooltip says what it is
        row.addWidget(self.label)
        row.addWidget(self.bar)
        self.hide()

    def set_busy(self, busy: bool) -> None:
        self.setVisible(busy)


# -- names --------------------------------------------------------------------------------------
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def safe_file_name(name: str) -> str:
    """A file name every desktop accepts: no path separators or reserved characters; accents kept."""
    cleaned = _UNSAFE.sub("-", name).strip(" .")
    return cleaned or "document"


def with_pdf_suffix(path: str | Path) -> Path:
    path = Path(path)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


@dataclass(frozen=True)
class _Document:
    what: str  # in a sentence: "aftercare handout"
    file_name: str  # suggested, with .pdf
    make: Callable[[], bytes]  # runs in the worker; audited by the service


class DocumentPrinter(QObject):
    """Prints, previews and saves handouts, chart PDFs and the leaflet; one per window or main window.

    ``printer_chooser`` picks the printer (the system print dialog by default); tests hand in a
    PDF-format ``QPrinter`` instead. ``previewer`` shows a preview window. Messages go through
    ``prompts``; ``sig_busy_changed`` drives a busy indicator while a PDF is being made or printed.
    """

    sig_busy_changed = Signal(bool)
    sig_printed = Signal(str)  # what was printed, where, how many pages
    sig_saved = Signal(str)  # the file written
    sig_failed = Signal(str)  # the message shown
    sig_preview_shown = Signal(object)  # the PrintPreviewDialog

    def __init__(
        self, services: Services, prompts: Prompts, worker: Worker, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("document_printer")
        self._services, self._prompts, self._worker = services, prompts, worker
        self.printer_chooser: PrinterChooser = choose_printer
        self.previewer: Previewer = show_preview
        self.max_dpi: int | None = None  # None: print_output.MAX_RENDER_DPI
        self._jobs = 0
        self._folder: Path | None = None

    @property
    def busy(self) -> bool:
        return self._jobs > 0

    # -- the documents ------------------------------------------------------------------------------
    def print_handout(self, session_id: int, parent: QWidget | None = None) -> None:
        if (doc := self._session_document("handout", session_id, parent)) is not None:
            self._print(doc, parent)

    def save_handout(self, session_id: int, parent: QWidget | None = None) -> None:
        if (doc := self._session_document("handout", session_id, parent)) is not None:
            self._save(doc, parent)

    def print_chart(self, session_id: int, parent: QWidget | None = None) -> None:
        if (doc := self._session_document("chart", session_id, parent)) is not None:
            self._print(doc, parent)

    def save_chart(self, session_id: int, parent: QWidget | None = None) -> None:
        if (doc := self._session_document("chart", session_id, parent)) is not None:
            self._save(doc, parent)

    def preview_handout(self, session_id: int, parent: QWidget | None = None) -> None:
        if (doc := self._session_document("handout", session_id, parent)) is not None:
            self._preview(doc, parent)

    def preview_chart(self, session_id: int, parent: QWidget | None = None) -> None:
        if (doc := self._session_document("chart", session_id, parent)) is not None:
            self._preview(doc, parent)

    def preview_document(
        self, what: str, file_name: str, make: Callable[[], bytes], parent: QWidget | None = None
    ) -> None:
        """A document another screen makes through a service (a signed consent): its preview, from which
        it is printed or saved."""
        self._preview(_Document(what, file_name, make), parent)

    def print_leaflet(self, parent: QWidget | None = None, language: Language = Language.ENGLISH) -> None:
        self._print(self._leaflet(language), parent)

    def save_leaflet(self, parent: QWidget | None = None, language: Language = Language.ENGLISH) -> None:
        self._save(self._leaflet(language), parent)

    def preview_leaflet(self, parent: QWidget | None = None, language: Language = Language.ENGLISH) -> None:
        self._preview(self._leaflet(language), parent)

    def leaflet_actions(self, parent: QWidget) -> tuple[QAction, ...]:
        """Print, preview and save the information leaflet, for a menu: English first, then a submenu
        per other language."""
        actions: list[QAction] = []
        for language in Language:
            english = language is Language.ENGLISH
            suffix = "" if english else f"_{language.value}"
            owner: QWidget = parent
            if not english:
                menu = QMenu(f"Information leaflet in {language.label}", parent)
                menu.setObjectName(f"leaflet_menu{suffix}")
                actions.append(menu.menuAction())
                owner = menu
            for verb, name, tip, call in (
                ("&Print information leaflet…", "print", "Print", self.print_leaflet),
                ("Print pre&view of the information leaflet…", "preview", "Preview", self.preview_leaflet),
                ("Save information &leaflet as PDF…", "save", "Save as PDF", self.save_leaflet),
            ):
                action = QAction(verb, owner)
                action.setObjectName(f"{name}_leaflet_action{suffix}")
                action.setToolTip(f"{tip}: the general Microbotox leaflet in {language.label}")
                action.triggered.connect(lambda _=False, c=call, lang=language: c(parent, lang))
                if english:
                    actions.append(action)
                else:
                    owner.addAction(action)
        return tuple(actions)

    def connect_patient_chart(self, chart: PatientChart) -> None:
        """Serve a patient chart's print requests and show this printer's busy state on it.

        The leaflet follows the shown patient's preferred language.
        """

        def language() -> Language:
            return chart.patient.preferred_language if chart.patient is not None else Language.ENGLISH

        chart.sig_print_handout_requested.connect(lambda sid: self.print_handout(sid, chart.window()))
        chart.sig_preview_handout_requested.connect(lambda sid: self.preview_handout(sid, chart.window()))
        chart.sig_save_handout_requested.connect(lambda sid: self.save_handout(sid, chart.window()))
        chart.sig_print_leaflet_requested.connect(lambda: self.print_leaflet(chart.window(), language()))
        chart.sig_preview_leaflet_requested.connect(lambda: self.preview_leaflet(chart.window(), language()))
        chart.sig_save_leaflet_requested.connect(lambda: self.save_leaflet(chart.window(), language()))
        self.sig_busy_changed.connect(chart.set_print_busy)

    def _session_document(self, kind: str, session_id: int, parent: QWidget | None) -> _Document | None:
        what = "aftercare handout" if kind == "handout" else "chart"
        try:
            session = self._services.charting.get(session_id)
            patient = self._services.patients.get(session.patient_id)
        except ClinicRecError as e:
            self._show_failure(parent, f"No {what}", str(e))
            return None
        stem = "Aftercare" if kind == "handout" else "Chart"
        day = f"{date_text(session.performed_at.astimezone())}"
        name = safe_file_name(f"{stem} - {patient.display_name} - {day}") + ".pdf"
        printing = self._services.printing
        make = (
            (lambda: printing.handout_bytes(session_id))
            if kind == "handout"
            else (lambda: printing.chart_bytes(session_id))
        )
        return _Document(what, name, make)

    def _leaflet(self, language: Language) -> _Document:
        name = "Microbotox information leaflet"
        if language is not Language.ENGLISH:
            name += f" ({language.label.split(' ')[0]})"
        return _Document(
            "information leaflet", f"{name}.pdf", lambda: self._services.printing.leaflet_bytes(language)
        )

    # -- doing it -------------------------------------------------------------------------------------
    def _save(self, doc: _Document, parent: QWidget | None) -> None:
        chosen = self._prompts.save_file(
            parent, f"Save {doc.what} as PDF", str(self._start_folder() / doc.file_name), PDF_FILTER
        )
        if not chosen:
            return
        path = with_pdf_suffix(chosen)
        self._folder = path.parent

        def job() -> Path:
            check_destination(path)  # before making it: a refused place leaves no audit entry either
            return write_pdf(path, doc.make())

        self._run(job, lambda written: self._saved(doc, written, parent), doc, "saved", parent)

    def _print(self, doc: _Document, parent: QWidget | None) -> None:
        printer = self.printer_chooser(parent)
        if printer is None:
            return
        printer.setDocName(doc.file_name.removesuffix(".pdf"))
        from .print_output import MAX_RENDER_DPI, print_pdf  # here: on the GUI thread, not the job's

        max_dpi = self.max_dpi if self.max_dpi is not None else MAX_RENDER_DPI

        def job() -> int:
            if printer.outputFileName():  # "print to file": refused before anything is made
                check_destination(printer.outputFileName())
            return print_pdf(doc.make(), printer, max_dpi=max_dpi)

        self._run(job, lambda pages: self._printed(doc, printer, pages), doc, "printed", parent)

    def _preview(self, doc: _Document, parent: QWidget | None) -> None:
        """Make the document, then show its pages; Print and Save there use the same bytes."""

        def show(data: bytes) -> None:
            from .print_preview import PrintPreviewDialog

            window = parent if shiboken6.isValid(parent) else None
            dialog = PrintPreviewDialog(data, doc.what, window)
            made = _Document(doc.what, doc.file_name, lambda: data)
            dialog.sig_print_requested.connect(lambda: self._print(made, window))
            dialog.sig_save_requested.connect(lambda: self._save(made, window))
            self.previewer(dialog)
            self.sig_preview_shown.emit(dialog)

        self._run(doc.make, show, doc, "previewed", parent)

    def _run(
        self,
        job: Callable[[], _T],
        on_done: Callable[[_T], None],
        doc: _Document,
        verb: str,
        parent: QWidget | None,
    ) -> None:
        self._set_jobs(self._jobs + 1)

        # The window may have closed while the job ran: then only the still-living parts are told.
        def done(result: _T) -> None:
            if shiboken6.isValid(self):
                self._set_jobs(self._jobs - 1)
                on_done(result)

        def failed(error: Exception) -> None:
            if shiboken6.isValid(self):
                self._set_jobs(self._jobs - 1)
                self._failed(doc, verb, error, parent if shiboken6.isValid(parent) else None)
            else:
                log.error("Making the %s failed after its window closed", doc.what, exc_info=error)

        self._worker.run(job, done, failed)  # type: ignore[arg-type]

    def _set_jobs(self, jobs: int) -> None:
        was = self.busy
        self._jobs = jobs
        if self.busy != was:
            self.sig_busy_changed.emit(self.busy)

    def _saved(self, doc: _Document, path: Path, parent: QWidget | None) -> None:
        self.sig_saved.emit(str(path))
        parent = parent if shiboken6.isValid(parent) else None
        self._prompts.info(parent, "Saved as PDF", f"The {doc.what} was saved to:\n{path}")

    def _printed(self, doc: _Document, printer: QPrinter, pages: int) -> None:
        where = printer.printerName() or printer.outputFileName() or "the printer"
        self.sig_printed.emit(
            f"{doc.what[0].upper()}{doc.what[1:]} sent to {where} ({pages} page{'s' * (pages != 1)})."
        )

    def _failed(self, doc: _Document, verb: str, error: Exception, parent: QWidget | None) -> None:
        title = f"{doc.what[0].upper()}{doc.what[1:]} not {verb}"
        if isinstance(error, TemplateError):
            text = (
                f"Nothing was {verb}: the clinic's wording for the {doc.what} has mistakes. "
                f"Ask whoever edits the clinic's templates to correct them.\n\n{error}"
            )
        elif isinstance(error, PermissionDenied):
            text = f"Nothing was {verb}: {error}."
        elif isinstance(error, OutputError):
            text = f"Nothing was {verb}. {error}"
        elif isinstance(error, ClinicRecError):
            text = f"Nothing was {verb}: {error}"
        else:
            log.error("Making the %s failed", doc.what, exc_info=error)
            text = f"Nothing was {verb}: something went wrong while making the {doc.what} ({error})."
        self._show_failure(parent, title, text)

    def _show_failure(self, parent: QWidget | None, title: str, text: str) -> None:
        self._prompts.error(parent, title, text)
        self.sig_failed.emit(text)

    def _start_folder(self) -> Path:
        if self._folder is not None and self._folder.is_dir():
            return self._folder
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(docs) if docs and Path(docs).is_dir() else Path.home()
