"""Choose the vial for a session: one already open today, or open (reconstitute) a new one.

The concentration is computed live and shown large: a dose is never shown without it.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic_time import local_date
from ...domain.dilution import concentration
from ...domain.enums import AdditiveKind, DiluentKind
from ...domain.errors import ClinicRecError, FieldError, ValidationError
from ...domain.models import Additive, Product, Vial
from ...services.app import Services
from ...services.catalogue import VialStatus
from ..date_edit import DateEdit, DateTimeEdit
from ..date_format import date_text
from ..figures import nobreak_figures, vial_size, volume
from ..prompts import Prompts
from ..style import set_role
from ..widgets import FieldErrorLabel, show_field_errors
from ..worker import Worker
from .form_helpers import field_with_error, name
from .models import VialStatusModel
from .vial_scan import VialScanReader


class VialDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, services: Services, prompts: Prompts, worker: Worker | None = None
    ) -> None:
        """``worker``: the vial is recorded on it (its reads and audited write are ~20-35 ms of Python
        on a large database, a stall of the window behind the dialog); without one, here."""
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self._worker = worker
        self.opening = False  # the new vial is being recorded on the worker
        self.chosen: VialStatus | None = None
        now = services.ctx.clock()
        self._zone = services.clinic.time_zone()
        self._today: date = local_date(now, self._zone)  # the clinic's day, not UTC's
        self._products: list[Product] = services.products.list()
        self.errors: dict[str, FieldErrorLabel] = {}
        self.setWindowTitle("Vial for this session")
        self.setObjectName("vial_dialog")
        self._build_ui()
        self._connect_signals()
        self.scan = VialScanReader(  # a scanned carton code in the lot field fills lot, expiry, product
            self.lot,
            self.product,
            lambda day, expiry=self.expiry: expiry.setDate(day),  # no reference to the dialog
            self._products,
            today=self._today,
            error_line=self.errors["lot_number"],
            parent=self,
        )
        self.reconstituted_at.set_moment(now)
        self._product_changed()
        open_today = services.vials.open_on(self._today)
        self.today_model.set_rows(open_today)
        # Either the list or the message that there is none: never both.
        self.today_view.setVisible(bool(open_today))
        self.use_button.setVisible(bool(open_today))
        self.empty_label.setVisible(not open_today)
        if open_today:
            self.today_view.selectRow(0)
        self.tabs.setCurrentIndex(0 if open_today else 1)
        self._update_concentration()

    # -- building ------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("vial_tabs")
        self.tabs.addTab(self._build_today(), "Open today")
        self.tabs.addTab(self._build_new(), "Open a new vial")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.setObjectName("vial_dialog_buttons")
        buttons.rejected.connect(self.reject)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("vial_cancel_button")
        cancel.setAccessibleName("Cancel")
        layout = QVBoxLayout(self)
        intro = set_role(
            QLabel(
                "Every point is drawn from a vial. Use one already open today, or record "
                "the one you are reconstituting now.",
                self,
            ),
            "muted",
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(800, 560)

    def _build_today(self) -> QWidget:
        page = QWidget()
        self.today_model = VialStatusModel(self._today, self, zone_name=self._zone)
        self.today_view = QTableView(page)
        self.today_view.setObjectName("vials_open_today")
        self.today_view.setAccessibleName("Vials open today")
        self.today_view.setModel(self.today_model)
        self.today_view.verticalHeader().hide()
        self.today_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.today_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Every column but the product's fits its contents; the product's name takes what is left (elided
        # when narrow), so "Use by" and "Reconstituted" are never cut off.
        header = self.today_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.today_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.use_button = name(QPushButton("Use this vial", page), "use_vial_button", "Use the selected vial")
        self.use_button.setProperty("primary", True)
        self.empty_label = set_role(
            QLabel("No vial has been opened today. Open a new one in the next tab.", page), "muted"
        )
        self.empty_label.setObjectName("vials_open_today_empty")
        self.empty_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.use_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.today_view, 1)
        layout.addLayout(row)
        return page

    def _build_new(self) -> QWidget:
        page = QWidget()
        left = QFormLayout()
        left.setVerticalSpacing(6)
        self.product = name(QComboBox(page), "vial_product", "Product")
        for p in self._products:
            self.product.addItem(p.label, p.id)
        self.vial_units = name(QDoubleSpinBox(page), "vial_units", "Vial units")
        self.vial_units.setRange(1, 1000)
        self.vial_units.setDecimals(0)
        self.vial_units.setSuffix(" U")
        self.sizes_hint = set_role(QLabel(page), "muted")
        self.lot = name(QLineEdit(page), "vial_lot", "Lot number")
        self.lot.setPlaceholderText("As printed on the vial")
        self.expiry = name(
            DateEdit(page, label="Expiry date", today=self._today), "vial_expiry", "Expiry date"
        )
        self.other_size_reason = name(
            QLineEdit(page), "vial_other_size_reason", "Reason for another vial size"
        )
        self.other_size_reason.setPlaceholderText("Only for a size the catalogue does not list")
        self.reconstituted_at = name(
            DateTimeEdit(page, label="Reconstituted", zone_name=self._zone, today=self._today),
            "vial_reconstituted_at",
            "Reconstituted at",
        )
        self.diluent_kind = name(QComboBox(page), "vial_diluent_kind", "Diluent")
        for kind in DiluentKind:
            self.diluent_kind.addItem(kind.label, kind)
        self.diluent_ml = self._volume_spin(page, "vial_diluent_ml", "Diluent volume", 0.1, 20.0, 2.5)
        self.lidocaine_ml = self._volume_spin(page, "vial_lidocaine_ml", "Lidocaine volume", 0.0, 10.0, 0.0)
        self.ha_ml = self._volume_spin(page, "vial_ha_ml", "Hyaluronic acid volume", 0.0, 10.0, 0.0)
        for spin in (self.lidocaine_ml, self.ha_ml):
            spin.setSpecialValueText("None")
        self._add(left, "Product", self.product, "product_id")
        self._add(left, "Vial size", self.vial_units, "vial_units")
        left.addRow("", self.sizes_hint)
        self._add(left, "Other size, because", self.other_size_reason, "other_size_reason")
        self._add(left, "Lot number", self.lot, "lot_number")
        self._add(left, "Expiry", self.expiry, "expiry_date")
        self._add(left, "Reconstituted", self.reconstituted_at, "reconstituted_at")
        self._add(left, "Diluent", self.diluent_kind, "diluent_kind")
        self._add(left, "Diluent volume", self.diluent_ml, "diluent_ml")
        self._add(left, "+ Lidocaine", self.lidocaine_ml, "additives[0].volume_ml")
        self._add(left, "+ Hyaluronic acid", self.ha_ml, "additives[1].volume_ml")
        self.errors["additives"] = FieldErrorLabel(None, page)
        left.addRow(self.errors["additives"])

        card = QFrame(page)
        card.setObjectName("vial_concentration_card")
        set_role(card, "card")
        c = QVBoxLayout(card)
        c.addWidget(set_role(QLabel("Concentration", card), "muted"))
        self.concentration = QLabel(card)
        self.concentration.setObjectName("vial_concentration")
        self.concentration.setAccessibleName("Concentration")
        font = QFont(self.font())
        font.setPointSizeF((font.pointSizeF() if font.pointSizeF() > 0 else 10.0) * 1.7)
        font.setBold(True)
        self.concentration.setFont(font)
        self.concentration.setWordWrap(True)
        set_role(self.concentration, "accent")
        self.total_volume = QLabel(card)
        self.total_volume.setObjectName("vial_total_volume")
        set_role(self.total_volume, "muted")
        self.total_volume.setWordWrap(True)
        self.expiry_warning = QLabel(card)
        self.expiry_warning.setObjectName("vial_expiry_warning")
        self.expiry_warning.setWordWrap(True)
        set_role(self.expiry_warning, "error")
        c.addWidget(self.concentration)
        c.addWidget(self.total_volume)
        c.addWidget(self.expiry_warning)
        c.addStretch(1)
        self.open_button = name(
            QPushButton("Open vial", card), "vial_open_button", "Record and use this vial"
        )
        self.open_button.setProperty("primary", True)
        c.addWidget(self.open_button)

        row = QHBoxLayout(page)
        row.addLayout(left, 3)
        row.addWidget(card, 2)
        return page

    def _volume_spin(
        self, parent: QWidget, obj: str, acc: str, low: float, high: float, value: float
    ) -> QDoubleSpinBox:
        spin = name(QDoubleSpinBox(parent), obj, acc)
        spin.setRange(low, high)
        spin.setDecimals(2)
        spin.setSingleStep(0.1)
        spin.setSuffix(" mL")
        spin.setValue(value)
        return spin

    def _add(self, form: QFormLayout, label: str, field: QWidget, error_name: str) -> None:
        box, error = field_with_error(field)
        self.errors[error_name] = error
        form.addRow(label, box)

    def _connect_signals(self) -> None:
        self.use_button.clicked.connect(self._use_selected)
        self.today_view.doubleClicked.connect(lambda _i: self._use_selected())
        self.open_button.clicked.connect(self._open_new)
        self.product.currentIndexChanged.connect(self._product_changed)
        for spin in (self.vial_units, self.diluent_ml, self.lidocaine_ml, self.ha_ml):
            spin.valueChanged.connect(self._update_concentration)
        self.expiry.dateChanged.connect(self._update_concentration)
        self.diluent_kind.currentIndexChanged.connect(self._update_concentration)

    # -- behaviour -----------------------------------------------------------------------------------
    def _current_product(self) -> Product | None:
        pid = self.product.currentData()
        return next((p for p in self._products if p.id == pid), None)

    def _product_changed(self) -> None:
        prod = self._current_product()
        if prod is None:
            return
        sizes = prod.vial_sizes or (100,)
        self.vial_units.setValue(100 if 100 in sizes else sizes[0])
        self.sizes_hint.setText("Catalogue sizes: " + ", ".join(f"{s} U" for s in sizes))
        ready = prod.ready_to_use_units_per_ml is not None
        if ready:
            self.diluent_kind.setCurrentIndex(self.diluent_kind.findData(DiluentKind.SUPPLIED))
        elif self.diluent_kind.currentData() == DiluentKind.SUPPLIED:
            self.diluent_kind.setCurrentIndex(0)
        for w in (self.diluent_kind, self.diluent_ml, self.lidocaine_ml, self.ha_ml):
            w.setEnabled(not ready)
        self._update_concentration()

    def _update_concentration(self) -> None:
        prod = self._current_product()
        if prod is not None and prod.ready_to_use_units_per_ml:
            self.diluent_ml.blockSignals(True)
            self.diluent_ml.setValue(self.vial_units.value() / prod.ready_to_use_units_per_ml)
            self.diluent_ml.blockSignals(False)
        total = self.diluent_ml.value() + self.lidocaine_ml.value() + self.ha_ml.value()
        try:
            conc = concentration(
                self.vial_units.value(),
                self.diluent_ml.value(),
                self.lidocaine_ml.value() + self.ha_ml.value(),
            )
        except ValueError:
            self.concentration.setText("—")
        else:
            self.concentration.setText(nobreak_figures(conc.label()))  # '(40 U/mL)' never split
        extra = " (diluent + additives)" if self.lidocaine_ml.value() or self.ha_ml.value() else ""
        self.total_volume.setText(f"{vial_size(self.vial_units.value())} in {volume(total)} total{extra}")
        expiry = self.expiry.value()
        if expiry is not None and expiry < self._today:
            self.expiry_warning.setText(
                f"This lot expired on {date_text(expiry)}. It is recorded as it is; using it in a session "
                "needs a recorded reason."
            )
        else:
            self.expiry_warning.setText("")
        other = prod is not None and int(self.vial_units.value()) not in prod.vial_sizes
        self.other_size_reason.setEnabled(other)

    def vial(self) -> Vial:
        """The new vial as entered (not yet stored)."""
        additives = []
        if self.lidocaine_ml.value() > 0 and self.lidocaine_ml.isEnabled():
            additives.append(Additive(AdditiveKind.LIDOCAINE, round(self.lidocaine_ml.value(), 2)))
        if self.ha_ml.value() > 0 and self.ha_ml.isEnabled():
            additives.append(Additive(AdditiveKind.HYALURONIC_ACID, round(self.ha_ml.value(), 2)))
        prod = self._current_product()
        other = prod is not None and int(self.vial_units.value()) not in prod.vial_sizes
        return Vial(
            product_id=self.product.currentData(),
            lot_number=self.lot.text().strip(),
            expiry_date=self.expiry.value(),  # type: ignore[arg-type]
            vial_units=float(self.vial_units.value()),
            reconstituted_at=self.reconstituted_at.moment(),  # type: ignore[arg-type]
            diluent_kind=self.diluent_kind.currentData(),
            diluent_ml=round(self.diluent_ml.value(), 3),
            additives=tuple(additives),
            other_size_reason=self.other_size_reason.text().strip() if other else "",
        )

    def _open_new(self) -> None:
        vial = self.vial()
        # Field names follow the additive's position: lidocaine first when both are given.
        labels = dict(self.errors)
        if not (self.lidocaine_ml.value() > 0) and self.ha_ml.value() > 0:
            labels["additives[0].volume_ml"] = self.errors["additives[1].volume_ml"]
        missing = []
        if vial.expiry_date is None:
            message = self.expiry.error_text() or "Enter the expiry date printed on the vial"
            missing.append(FieldError("expiry_date", message))
        if vial.reconstituted_at is None:
            message = self.reconstituted_at.error_text() or "Enter when the vial was reconstituted"
            missing.append(FieldError("reconstituted_at", message))
        if missing:
            show_field_errors(missing, labels)
            return
        if self._worker is not None and not self._worker.synchronous:
            if self.opening:
                return
            self.opening = True
            self.setEnabled(False)  # nothing changed or closed while the vial is recorded
            vials = self._services.vials
            failed = lambda e: self._not_opened(e, labels)  # noqa: E731 - one line, here only
            self._worker.run(lambda: vials.open_vial(vial), self._opened, failed)
            return
        try:
            self.chosen = self._services.vials.open_vial(vial)
        except (ValidationError, ClinicRecError) as e:
            self._not_opened(e, labels)
            return
        self.accept()

    def _opened(self, status: VialStatus) -> None:
        self.opening = False
        self.setEnabled(True)
        self.chosen = status
        self.accept()

    def _not_opened(self, error: Exception, labels: dict[str, FieldErrorLabel]) -> None:
        self.opening = False
        self.setEnabled(True)
        if isinstance(error, ValidationError):
            rest = show_field_errors(error.errors, labels)
            if rest:
                self._prompts.error(self, "Vial not opened", "\n".join(f.message for f in rest))
        elif isinstance(error, ClinicRecError):
            self._prompts.error(self, "Vial not opened", str(error))
        else:  # unexpected: the exception hook shows it
            raise error

    def reject(self) -> None:
        if not self.opening:  # a vial being recorded is used: the dialog closes once it is
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.opening:
            event.ignore()
            return
        super().closeEvent(event)

    def _use_selected(self) -> None:
        rows = self.today_view.selectionModel().selectedRows()
        if not rows:
            self._prompts.info(self, "Vial", "Select a vial in the list first.")
            return
        self.chosen = self.today_model.row(rows[0].row())
        self.accept()

    @classmethod
    def ask(
        cls, parent: QWidget | None, services: Services, prompts: Prompts, worker: Worker | None = None
    ) -> VialStatus | None:
        dialog = cls(parent, services, prompts, worker)
        return dialog.chosen if dialog.exec() == QDialog.DialogCode.Accepted else None
