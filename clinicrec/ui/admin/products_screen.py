"""The product catalogue for administrators: the toxins vials are opened from, with their limits."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ClinicRecError, FieldError, ValidationError
from ...domain.models import Product
from ...domain.validation import parse_gtins, validate_product
from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ...services.permissions import Action
from ..prompts import Prompts
from ..style import make_primary, set_role
from .forms import FormDialog, banner, header_row, named, refusal
from .models import products_model


def parse_vial_sizes(text: str) -> tuple[int, ...]:
    """'50, 100 U' -> (50, 100); raises ValidationError naming the field for anything else."""
    parts = [p for p in re.split(r"[\s,;/]+", text.replace("U", " ").replace("u", " ")) if p]
    if not parts:
        raise ValidationError(
            FieldError("vial_sizes", "Enter at least one vial size in units, e.g. 50, 100.")
        )
    sizes = []
    for part in parts:
        if not part.isdigit():
            raise ValidationError(
                FieldError(
                    "vial_sizes", f"“{part}” is not a whole number of units: write the sizes like 50, 100."
                )
            )
        sizes.append(int(part))
    return tuple(dict.fromkeys(sizes))


def _spin(parent: QWidget, low: int, high: int, suffix: str, none_text: str = "") -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(low, high)
    box.setSuffix(suffix)
    if none_text:
        box.setSpecialValueText(none_text)
    return box


class ProductDialog(FormDialog):
    """Add or edit a product; saved through ProductService.save (MANAGE_PRODUCTS)."""

    def __init__(
        self, services: Services, prompts: Any, product: Product | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(services, prompts, parent)
        self._product = product
        self.heading_text = product.brand if product else "New product"
        self.save_text = "Save" if product else "Add product"
        self.setObjectName("product_dialog")
        self.setWindowTitle(f"Edit product · {product.brand}" if product else "New product · ClinicRec")
        self._build_ui()
        self.setMinimumWidth(560)

    def _build_ui(self) -> None:
        body = self._build_frame(action=Action.MANAGE_PRODUCTS)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.brand = self.add_field(form, "&Brand", QLineEdit(self), "brand", "Brand")
        self.generic_name = self.add_field(
            form, "&Generic name", QLineEdit(self), "generic_name", "Generic name", "e.g. onabotulinumtoxinA"
        )
        self.vial_sizes = self.add_field(
            form,
            "&Vial sizes",
            QLineEdit(self),
            "vial_sizes",
            "Vial sizes in units",
            "Units per vial, separated by commas: 50, 100",
        )
        self.in_use_hours = self.add_field(
            form,
            "&In-use window",
            _spin(self, 1, 24 * 42, " h"),
            "in_use_hours",
            "In-use window in hours",
            "How long a reconstituted vial may be used (the label's figure).",
        )
        self.max_dose = self.add_field(
            form,
            "&Maximum dose",
            QDoubleSpinBox(self),
            "max_dose_units",
            "Maximum dose in units",
            "Charting more raises a warning that must be acknowledged.",
        )
        self.max_dose.setRange(0, 5000)
        self.max_dose.setDecimals(1)
        self.max_dose.setSuffix(" U")
        self.max_dose.setSpecialValueText("No maximum")
        self.period = self.add_field(
            form,
            "Maximum-dose &period",
            _spin(self, 0, 365, " days", "Per session"),
            "max_dose_period_days",
            "Maximum-dose period in days",
            "Per session, or the total over this many days.",
        )
        self.ready = self.add_field(
            form,
            "&Ready to use",
            QDoubleSpinBox(self),
            "ready_to_use_units_per_ml",
            "Ready-to-use concentration",
            "Only for products supplied as a solution.",
        )
        self.ready.setRange(0, 1000)
        self.ready.setDecimals(1)
        self.ready.setSuffix(" U/mL")
        self.ready.setSpecialValueText("No: reconstituted")
        self.active = self.add_field(
            form, "", QCheckBox("Active: offered when opening a vial", self), "active", "Active"
        )
        self.gtins = self.add_field(
            form,
            "Carton &GTINs",
            QLineEdit(self),
            "gtins",
            "Carton GTINs",
            "Carton barcode (01) numbers, separated by commas",
        )
        self.gtins.setToolTip(
            "The GTINs printed as (01) on this product's cartons: a scanned vial then names its product."
        )
        self.notes = self.add_field(form, "&Notes", QPlainTextEdit(self), "notes", "Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 16)
        body.addLayout(form)
        self._fill()

    def _fill(self) -> None:
        p = self._product
        self.active.setChecked(p.active if p else True)
        self.in_use_hours.setValue(p.in_use_hours if p else 24)
        if p is None:
            self.brand.setFocus()
            return
        self.brand.setText(p.brand)
        self.generic_name.setText(p.generic_name)
        self.vial_sizes.setText(", ".join(str(s) for s in p.vial_sizes))
        self.max_dose.setValue(p.max_dose_units or 0)
        self.period.setValue(p.max_dose_period_days or 0)
        self.ready.setValue(p.ready_to_use_units_per_ml or 0)
        self.gtins.setText(", ".join(p.gtins))
        self.notes.setPlainText(p.notes)

    def product(self, vial_sizes: tuple[int, ...], gtins: tuple[str, ...] = ()) -> Product:
        values = dict(
            brand=self.brand.text().strip(),
            generic_name=self.generic_name.text().strip(),
            vial_sizes=vial_sizes,
            in_use_hours=self.in_use_hours.value(),
            max_dose_units=self.max_dose.value() or None,
            max_dose_period_days=self.period.value() or None,
            ready_to_use_units_per_ml=self.ready.value() or None,
            active=self.active.isChecked(),
            notes=self.notes.toPlainText().strip(),
            gtins=gtins,
        )
        if self._product is None:
            return Product(**values)  # type: ignore[arg-type]
        return replace(self._product, **values)  # type: ignore[arg-type]

    def _store(self) -> Product:
        problems: list[FieldError] = []
        sizes: tuple[int, ...] = (100,)
        gtins: tuple[str, ...] = ()
        try:
            sizes = parse_vial_sizes(self.vial_sizes.text())
        except ValidationError as e:
            problems += e.errors
        try:
            gtins = parse_gtins(self.gtins.text())
        except ValidationError as e:
            problems += e.errors
        if problems:
            try:  # the other fields' problems too, by the rules the service applies
                validate_product(self.product(sizes, gtins))
            except ValidationError as more:
                problems += [x for x in more.errors if not x.field.startswith(("vial_sizes", "gtins"))]
            raise ValidationError(problems)
        return self._services.products.save(self.product(sizes, gtins))

    @classmethod
    def ask(
        cls, parent: QWidget | None, services: Services, prompts: Any, product: Product | None = None
    ) -> Product | None:
        """Add (``product`` None) or edit a product; the saved product, or None if cancelled."""
        return cls(services, prompts, product, parent).run()


class ProductsScreen(QWidget):
    """Every product, active or not, with Add and Edit."""

    sig_product_saved = Signal(object)  # Product

    def __init__(
        self, services: Services, prompts: Prompts, parent: QWidget | None = None, *, bus: Any = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self.setObjectName("products_screen")
        self.setWindowTitle("Products · ClinicRec")
        self._build_ui()
        self._connect_signals()
        if bus is not None:
            bus.sig_changed.connect(self.on_change)
        self.refresh()

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        top = header_row(
            self,
            "Products",
            "The toxins vials are opened from. In-use windows and maximum doses "
            "drive the safety warnings shown before signing.",
        )
        self.add_button = named(
            make_primary(QPushButton("Add product…", self)), "add_product_button", "Add a product"
        )
        self.edit_button = named(
            QPushButton("Edit…", self), "edit_product_button", "Edit the selected product"
        )
        top.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)
        self.banner = banner(self, "products_banner")
        layout.addWidget(self.banner)
        self.model = products_model(self)
        self.table = named(QTableView(self), "products_table", "Products")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.notes = named(set_role(QLabel(self), "muted"), "product_notes")
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)
        self.resize(1280, 800)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self.add_product)
        self.edit_button.clicked.connect(self.edit_product)
        self.table.doubleClicked.connect(lambda _i: self.edit_product())
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)

    def refresh(self, select_id: int | None = None) -> None:
        current = self.selected_product()
        selected = select_id if select_id is not None else (current.id if current else None)
        try:
            products = self._services.products.list(include_inactive=True)
        except ClinicRecError as e:
            self.show_banner(f"The products could not be read: {e}")
            return
        self.model.set_rows(products)
        rows = [i for i, p in enumerate(products) if p.id == selected] or ([0] if products else [])
        if rows:
            self.table.selectRow(rows[0])
        reason = refusal(self._services, Action.MANAGE_PRODUCTS)
        if reason is not None:
            self.show_banner(reason)
        self.add_button.setEnabled(reason is None)
        self._on_current_changed()

    def on_change(self, change: Change) -> None:
        if change.entity == ChangeEntity.PRODUCT:
            self.refresh()

    def selected_product(self) -> Product | None:
        index = self.table.currentIndex() if hasattr(self, "table") else None
        return self.model.row_at(index.row()) if index is not None and index.isValid() else None

    def _on_current_changed(self, *_args: object) -> None:
        product = self.selected_product()
        self.edit_button.setEnabled(
            product is not None and refusal(self._services, Action.MANAGE_PRODUCTS) is None
        )
        self.notes.setText(f"{product.brand}: {product.notes}" if product and product.notes else "")

    def add_product(self) -> None:
        product = ProductDialog.ask(self, self._services, self._prompts)
        if product is not None:
            self.refresh(select_id=product.id)
            self.sig_product_saved.emit(product)

    def edit_product(self) -> None:
        current = self.selected_product()
        if current is None:
            return
        product = ProductDialog.ask(self, self._services, self._prompts, current)
        if product is not None:
            self.refresh(select_id=product.id)
            self.sig_product_saved.emit(product)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()
