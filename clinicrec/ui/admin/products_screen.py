"""The product catalogue for administrators: the toxins vials are opened from, with their limits."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import FieldError, ValidationError
from ...domain.models import Product
from ...domain.validation import parse_gtins, validate_product
from ...services.app import Services
from ...services.base import ChangeEntity
from ...services.permissions import Action
from ..rows_model import RowsModel
from ..style import set_role
from .forms import FormDialog, named
from .models import products_model
from .record_list import RecordListScreen


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
        period_row = QWidget(self)
        row = QHBoxLayout(period_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.period = named(
            _spin(period_row, 0, 365, "", "Per session"), "max_dose_period", "Maximum-dose period"
        )
        self.period_unit = named(QComboBox(period_row), "max_dose_period_unit", "Maximum-dose period in")
        self.period_unit.addItem("days", "days")
        self.period_unit.addItem("calendar months", "months")
        self.period_unit.currentIndexChanged.connect(self._period_unit_changed)
        row.addWidget(self.period)
        row.addWidget(self.period_unit)
        row.addStretch(1)
        period_row.setFocusProxy(
            self.period
        )  # the caption's mnemonic (its buddy is the row) reaches the number
        self.add_field(
            form,
            "Maximum-dose &period",
            period_row,
            "max_dose_period_days",
            "Maximum-dose period",
            'Per session, or the total over this many days or calendar months (the label\'s "3 months").',
        )
        self._errors["max_dose_period_months"] = self._errors["max_dose_period_days"]
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

    @property
    def _in_months(self) -> bool:
        return self.period_unit.currentData() == "months"

    def _period_unit_changed(self) -> None:
        """Months count up to a year; days up to 365. "Per session" (0) is the same in both."""
        self.period.setMaximum(12 if self._in_months else 365)

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
        self.period_unit.setCurrentIndex(1 if p.max_dose_period_months else 0)
        self.period.setValue(p.max_dose_period_months or p.max_dose_period_days or 0)
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
            max_dose_period_days=(self.period.value() or None) if not self._in_months else None,
            max_dose_period_months=(self.period.value() or None) if self._in_months else None,
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


class ProductsScreen(RecordListScreen[Product]):
    """Every product, active or not, with Add and Edit."""

    entity = ChangeEntity.PRODUCT
    action = Action.MANAGE_PRODUCTS
    noun = "product"
    title = "Products"
    blurb = (
        "The toxins vials are opened from. In-use windows and maximum doses drive the safety warnings "
        "shown before signing."
    )

    def make_model(self) -> RowsModel[Product]:
        return products_model(self)

    def load(self) -> list[Product]:
        return self._services.products.list(include_inactive=True)

    def ask(self, record: Product | None) -> Product | None:
        return ProductDialog.ask(self, self._services, self._prompts, record)

    def add_below(self, layout: QVBoxLayout) -> None:
        self.notes = named(set_role(QLabel(self), "muted"), "product_notes")
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)

    def current_changed(self, record: Product | None) -> None:
        self.notes.setText(f"{record.brand}: {record.notes}" if record and record.notes else "")
