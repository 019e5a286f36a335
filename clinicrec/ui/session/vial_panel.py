"""The vial in use and its concentration, shown large above the map while points are placed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from ...domain.dilution import fmt_number
from ...domain.enums import DiluentKind
from ...domain.models import Product, Vial
from ..date_format import date_text
from ..figures import units, vial_size, volume
from ..style import active, follow_scheme, set_role
from .dose_input import DoseInput
from .form_helpers import local, name


@dataclass(frozen=True)
class SessionVial:
    vial: Vial
    product: Product
    colour: str
    remaining_units: float | None = None  # after this session's points


def describe_mix(v: Vial) -> str:
    """'100 U + 2.5 mL saline + 0.5 mL lidocaine = 3 mL' (the diluent's full name is in the tooltip)."""
    diluent = "supplied liquid" if v.diluent_kind == DiluentKind.SUPPLIED else "saline"
    parts = [f"{volume(v.diluent_ml)} {diluent}"]
    parts += [f"{volume(a.volume_ml)} {a.kind.label.split(' (')[0].lower()}" for a in v.additives]
    total = f" = {volume(v.total_volume_ml)}" if v.additives else ""
    text = f"{vial_size(v.vial_units)} + {' + '.join(parts)}{total}"
    return re.sub(r"(\d) (U|mL)\b", "\\1\u00a0\\2", text)  # a quantity never wraps from its unit


def swatch(colour: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(colour))
    return QIcon(pix)


class VialPanel(QFrame):
    sig_active_changed = Signal(int)  # vial id
    sig_choose_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vial_panel")
        set_role(self, "card")
        self._vials: list[SessionVial] = []
        self._build_ui()
        self.vial_combo.currentIndexChanged.connect(self._combo_changed)
        self.choose_button.clicked.connect(self.sig_choose_requested)
        self.set_vials([], None)

    def _build_ui(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        self.concentration = QLabel(self)
        self.concentration.setObjectName("session_concentration")
        self.concentration.setAccessibleName("Concentration of the vial in use")
        self.concentration.setTextFormat(Qt.TextFormat.RichText)
        font = QFont(self.font())
        self._big = (font.pointSizeF() if font.pointSizeF() > 0 else 10.0) * 1.85
        font.setBold(True)
        self.concentration.setFont(font)
        self.concentration.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        caption = set_role(QLabel("CONCENTRATION", self), "muted")
        small = QFont(caption.font())
        small.setBold(True)
        small.setPointSizeF(max(7.0, self._big / 2.0 * 0.8))
        caption.setFont(small)
        self.product = QLabel(self)
        self.product.setObjectName("session_vial_product")
        self.product.setWordWrap(True)
        bold = QFont(self.font())
        bold.setBold(True)
        self.product.setFont(bold)
        self.details = QLabel(self)
        self.details.setObjectName("session_vial_details")
        self.details.setWordWrap(True)
        set_role(self.details, "muted")
        detail_font = QFont(self.font())
        detail_font.setPointSizeF(max(7.0, self._big / 2.0 * 0.92))
        self.details.setFont(detail_font)
        self.vial_combo = name(QComboBox(self), "session_vial", "Vial in use for new points")
        self.vial_combo.setMinimumWidth(120)
        self.choose_button = name(
            QPushButton("Add vial…", self), "choose_vial_button", "Choose or open a vial"
        )
        self.choose_button.setToolTip("Use a vial already open today, or open a new one (Ctrl+Shift+V)")
        dose_caption = QLabel("Dose per new point", self)
        dose_caption.setFont(bold)
        self.default_dose = DoseInput("default_dose", "Default dose per point", self, inline=True)
        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        follow_scheme(rule, lambda c: rule.setStyleSheet(f"color: {c.border};"))
        grid.addWidget(caption, 0, 0)
        grid.addWidget(self.concentration, 1, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.product, 0, 1)
        grid.addWidget(self.details, 1, 1, 2, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(rule, 3, 0, 1, 2)
        self._dose_caption = dose_caption
        self._rule = rule
        # The caption on a line of its own: beside the dose and the button it squeezed the dose's
        # '= 0.01 mL at 4 U/0.1 mL' until its concentration was cut off.
        grid.addWidget(dose_caption, 4, 0, 1, 2)
        dose_row = QHBoxLayout()
        dose_row.addWidget(self.default_dose, 1)
        dose_row.addWidget(self.choose_button)
        grid.addLayout(dose_row, 5, 0, 1, 2)
        # With two vials or more, the vial that new points draw from, on a line of its own: beside the
        # dose it squeezed the dose's '= 0.01 mL at 4 U/0.1 mL' into a clipped column.
        self._vial_caption = QLabel("Vial", self)
        self._vial_caption.setFont(bold)
        self._vial_caption.setBuddy(self.vial_combo)
        vial_row = QHBoxLayout()
        vial_row.addWidget(self._vial_caption)
        vial_row.addWidget(self.vial_combo, 1)
        grid.addLayout(vial_row, 6, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def set_editing(self, editing: bool) -> None:
        """A signed session shows its vials; choosing vials and doses is hidden."""
        for w in (self._dose_caption, self._rule, self.default_dose, self.choose_button):
            w.setVisible(editing)

    def concentration_text(self) -> str:
        """The concentration as plain text ('4 U/0.1 mL (40 U/mL)'), or 'No vial'."""
        return self.concentration.accessibleDescription() or "No vial"

    def set_vials(self, vials: Sequence[SessionVial], active_id: int | None) -> None:
        self._vials = list(vials)
        self.vial_combo.blockSignals(True)
        self.vial_combo.clear()
        for sv in self._vials:
            self.vial_combo.addItem(
                swatch(sv.colour), f"{sv.product.brand} · {sv.vial.lot_number}", sv.vial.id
            )
        self.vial_combo.setCurrentIndex(max(0, self.vial_combo.findData(active_id)))
        self.vial_combo.blockSignals(False)
        self.vial_combo.setVisible(len(self._vials) > 1)
        self._vial_caption.setVisible(len(self._vials) > 1)
        self._show(active_id)

    def _combo_changed(self) -> None:
        vial_id = self.vial_combo.currentData()
        if vial_id is not None:
            self._show(vial_id)
            self.sig_active_changed.emit(int(vial_id))

    def _show(self, active_id: int | None) -> None:
        sv = next((s for s in self._vials if s.vial.id == active_id), None)
        if sv is None:
            self.concentration.setAccessibleDescription("")
            self.concentration.setText(f"<span style='font-size:{self._big:.1f}pt'>No vial</span>")
            self.product.setText("Choose the vial first")
            self.details.setText(
                "Use a vial already open today or open a new one; every point is drawn from it."
            )
            return
        v = sv.vial
        conc = v.concentration
        self.concentration.setAccessibleDescription(conc.label())
        self.concentration.setText(
            f"<span style='font-size:{self._big:.1f}pt; color:{active().accent_dark}'>"
            f"{fmt_number(conc.units_per_0_1_ml)} U/0.1 mL</span><br>"
            f"<span style='color:{active().muted}; font-weight:600'>"
            f"= {fmt_number(conc.units_per_ml)} U/mL</span>"
        )
        self.product.setText(f"{sv.product.brand} · lot {v.lot_number}")
        left = f" · <b>{units(sv.remaining_units)} left</b>" if sv.remaining_units is not None else ""
        self.details.setText(
            f"{describe_mix(v)}<br>Reconstituted {local(v.reconstituted_at)}<br>"
            f"Expires {date_text(v.expiry_date)}{left}"
        )
        self.details.setToolTip(f"Diluent: {v.diluent_kind.label}")
        self.setAccessibleDescription(f"{conc.label()}; {self.product.text()}")
