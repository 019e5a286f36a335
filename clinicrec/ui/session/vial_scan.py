"""A scanned vial carton fills the lot, the expiry and the product (GS1 AIs 10, 17 and 01).

A keyboard-wedge scanner "types" the carton's code into whichever field has the focus, usually
followed by Enter. In the lot field, ``VialScanReader`` recognises such a scan, reads it with
``domain.gs1`` and fills the fields; a typed lot number is left alone. Two details of typing matter:

* the group separator (ASCII 29, sent as Ctrl+]) that ends a lot is not a printable character, so
  a line edit would drop it and run the lot into the serial number; it is kept as the visible
  symbol ␝ and read back as the separator;
* the Enter after a scan is taken by the reader, so it never presses the dialog's default button:
  the nurse still checks the reconstitution before opening the vial.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from ...domain.gs1 import (
    GROUP_SEPARATOR,
    BarcodeError,
    VialBarcode,
    looks_like_gs1,
    product_for_gtin,
    read_vial_barcode,
)
from ...domain.models import Product
from ..date_format import date_text
from ..style import set_role
from ..widgets import FieldErrorLabel

#: How a group separator is shown in the lot field while a scan is being typed.
SEPARATOR_SHOWN = "\u241d"


@dataclass(frozen=True)
class VialScan:
    barcode: VialBarcode
    product: Product | None  # None: no catalogue product lists this GTIN


class VialScanReader(QObject):
    """Watches the lot field; on a scan, fills lot, expiry (``set_expiry``) and the product combo.

    ``product_combo`` holds product ids as item data. Refusals go to ``error_line`` (the lot field's
    error line); what was read is said in ``status``, a line under the lot field.
    """

    sig_scanned = Signal(object)  # VialScan
    sig_scan_refused = Signal(str)

    def __init__(
        self,
        lot: QLineEdit,
        product_combo: QComboBox,
        set_expiry: Callable[[date], None],
        products: Sequence[Product],
        *,
        today: date,
        error_line: FieldErrorLabel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("vial_scan_reader")
        self._lot, self._combo, self._set_expiry = lot, product_combo, set_expiry
        self._products = list(products)
        self._today = today
        self._error_line = error_line
        self.status = set_role(QLabel(lot.parentWidget()), "muted")
        self.status.setObjectName("vial_scan_status")
        self.status.setWordWrap(True)
        self.status.hide()
        box = lot.parentWidget()
        if box is not None and box.layout() is not None:  # the field's own box: the line goes under it
            box.layout().addWidget(self.status)
        lot.setToolTip("Type the lot number, or scan the carton's barcode to fill lot, expiry and product")
        lot.installEventFilter(self)
        lot.editingFinished.connect(self._read_if_scan)  # a scanner set to send no Enter

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self._lot and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
            if event.text() == GROUP_SEPARATOR or (ctrl and event.key() == Qt.Key.Key_BracketRight):
                self._lot.insert(SEPARATOR_SHOWN)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._is_scan():
                self.read()
                return True
        return super().eventFilter(watched, event)

    def _typed(self) -> str:
        return self._lot.text().replace(SEPARATOR_SHOWN, GROUP_SEPARATOR)

    def _is_scan(self) -> bool:
        return looks_like_gs1(self._typed())

    def _read_if_scan(self) -> None:
        if self._is_scan():
            self.read()

    def read(self) -> VialScan | None:
        """Read the lot field as a scan and fill the dialog; None (and the reason shown) if refused."""
        try:
            barcode = read_vial_barcode(self._typed(), today=self._today)
        except BarcodeError as e:
            message = f"The scanned barcode cannot be used: {e}. Scan it again or type the lot number."
            self._error_line.show_error(message)
            self.status.hide()
            self.sig_scan_refused.emit(message)
            return None
        product = product_for_gtin(barcode.gtin, self._products)
        self._lot.setText(barcode.lot_number)
        self._set_expiry(barcode.expiry_date)
        self._error_line.clear_error()
        if product is not None and (index := self._combo.findData(product.id)) >= 0:
            self._combo.setCurrentIndex(index)
            what = f"{product.brand}, lot {barcode.lot_number}, expiry {date_text(barcode.expiry_date)}"
            self.status.setText(f"Read from the carton: {what}.")
        else:
            product = None
            self.status.setText(
                f"Read from the carton: lot {barcode.lot_number}, expiry {date_text(barcode.expiry_date)}. "
                f"No product in the catalogue lists its GTIN {barcode.gtin}: choose the product. "
                "An administrator can add the GTIN to the product (Admin → Products)."
            )
        self.status.show()
        scan = VialScan(barcode, product)
        self.sig_scanned.emit(scan)
        return scan
