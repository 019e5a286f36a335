"""Print preview: the finished PDF, page by page, before it goes to the printer or a file.

It shows the very document that will be printed (Qt PDF renders ReportLab's file), so what the nurse
checks is what the patient gets. Print and Save hand the same bytes back to ``DocumentPrinter``:
nothing is made twice.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .style import Scheme, follow_scheme, make_primary, set_role


class PrintPreviewDialog(QDialog):
    """A window showing a PDF's pages, with Print…, Save as PDF… and Close."""

    sig_print_requested = Signal()
    sig_save_requested = Signal()

    def _restyle_desk(self, c: Scheme) -> None:
        """The desk the pages lie on (QPdfView paints it in the palette's Dark role): a mid grey in the
        light scheme, darker than the window in the dark one, so the white pages stand out in both."""
        palette = self.view.palette()
        palette.setColor(QPalette.ColorRole.Dark, QColor("#8a949d" if c.name == "light" else "#121518"))
        self.view.setPalette(palette)

    def __init__(self, data: bytes, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("print_preview")
        self.setWindowTitle(f"Print preview · {what[0].upper()}{what[1:]}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self._build_ui(what)
        self._connect_signals()

    def _build_ui(self, what: str) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        pages = self.document.pageCount()
        self.summary = QLabel(f"{what[0].upper()}{what[1:]}: {pages} page{'s' * (pages != 1)}", self)
        self.summary.setObjectName("preview_summary")
        set_role(self.summary, "muted")
        self.fit_width = QPushButton("Fit &width", self)
        self.fit_width.setObjectName("preview_fit_width")
        self.fit_width.setCheckable(True)
        self.fit_width.setToolTip("Fit the page to the window's width (otherwise whole pages)")
        top.addWidget(self.summary, 1)
        top.addWidget(self.fit_width)
        layout.addLayout(top)

        self.view = QPdfView(self)
        self.view.setObjectName("preview_pages")
        self.view.setAccessibleName(f"Pages of the {what}")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.view.setPageSpacing(12)
        follow_scheme(self.view, self._restyle_desk)
        layout.addWidget(self.view, 1)

        buttons = QDialogButtonBox(self)
        self.print_button = make_primary(QPushButton("&Print…", self))
        self.print_button.setObjectName("preview_print_button")
        self.print_button.setToolTip("Choose a printer and print these pages (Ctrl+P)")
        self.save_button = QPushButton("&Save as PDF…", self)
        self.save_button.setObjectName("preview_save_button")
        self.save_button.setToolTip("Save these pages as a PDF file")
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("preview_close_button")
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)
        self.print_shortcut = QShortcut(QKeySequence.StandardKey.Print, self)
        self.print_shortcut.setWhatsThis("Print")
        self.resize(900, 1000)

    def _connect_signals(self) -> None:
        self.print_button.clicked.connect(self._print)
        self.print_shortcut.activated.connect(self._print)
        self.save_button.clicked.connect(self._save)
        self.close_button.clicked.connect(self.reject)
        self.fit_width.toggled.connect(self._fit)

    def _print(self) -> None:
        self.sig_print_requested.emit()
        self.accept()

    def _save(self) -> None:
        self.sig_save_requested.emit()

    def _fit(self, width: bool) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth if width else QPdfView.ZoomMode.FitInView)

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def show_page(self, index: int) -> None:
        """Scroll to page ``index`` (0-based)."""
        self.view.pageNavigator().jump(index, QPointF(), self.view.pageNavigator().currentZoom())
