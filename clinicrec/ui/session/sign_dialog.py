"""What the injector signs, shown before the password: patient, products, lots, concentrations, totals
per product (never summed across products) and every acknowledged warning with its reason. And the
dialog that asks a reason, which stays open with the problem beside the field until the reason is usable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain.dosing import totals_by_product
from ...domain.errors import ValidationError
from ...domain.models import Patient, Product, TreatmentSession
from ...domain.validation import require_reason
from ..date_format import date_text
from ..figures import dose_total
from ..style import set_role
from ..widgets import FieldErrorLabel
from .form_helpers import name
from .vial_panel import SessionVial


@dataclass(frozen=True)
class SignSummary:
    """The facts of the session being signed, as lines a person reads before signing."""

    patient: str
    vials: tuple[str, ...]
    totals: tuple[str, ...]
    warnings: tuple[str, ...]

    @classmethod
    def of(
        cls,
        session: TreatmentSession,
        patient: Patient,
        vials: list[SessionVial],
        products: dict[int | None, Product],
        warnings: list[tuple[str, str]],
    ) -> SignSummary:
        """``warnings``: (message, reason) of every warning the session raised, each with its reason."""
        by_id = {sv.vial.id: sv.vial for sv in vials}
        lines = tuple(
            f"{sv.product.brand} · lot {sv.vial.lot_number} (expires {date_text(sv.vial.expiry_date)}) · "
            f"{sv.vial.concentration.label()}"
            for sv in vials
        )
        totals = []
        points = [p for p in session.points if p.vial_id in by_id]
        for pid, t in totals_by_product(points, by_id).items():  # type: ignore[arg-type]
            brand = products[pid].brand if pid in products else f"product {pid}"
            totals.append(dose_total(brand, t.units, t.volume_ml, t.points))
        acknowledged = tuple(
            f"{message} — reason: {reason}" if reason else f"{message} — no reason recorded"
            for message, reason in warnings
        )
        who = (
            f"{patient.display_name} · born {date_text(patient.date_of_birth)} · chart {patient.chart_number}"
        )
        return cls(who, lines, tuple(totals) or ("No doses",), acknowledged)

    def text(self) -> str:
        parts = [f"Patient: {self.patient}", "Vials:", *(f"  {v}" for v in self.vials)]
        parts += ["Totals per product (units of different products are never added):"]
        parts += [f"  {t}" for t in self.totals]
        parts += ["Acknowledged warnings:", *(f"  {w}" for w in self.warnings or ("none",))]
        return "\n".join(parts)


class SignDialog(QDialog):
    """Shows the summary, then asks the password. ``ask`` returns the password, or None if cancelled."""

    def __init__(self, parent: QWidget | None, summary: SignSummary) -> None:
        super().__init__(parent)
        self.setObjectName("sign_dialog")
        self.setWindowTitle("Sign session")
        self.setMinimumWidth(680)
        layout = QVBoxLayout(self)
        heading = set_role(
            QLabel(
                "You are signing this record. Once signed it is locked; later "
                "corrections are amendments with a reason.",
                self,
            ),
            "muted",
        )
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.fields: dict[str, QLabel] = {}
        for key, label, text in (
            ("patient", "Patient", summary.patient),
            ("vials", "Product, lot, concentration", "\n".join(summary.vials) or "No vial"),
            ("totals", "Totals per product", "\n".join(summary.totals)),
            ("warnings", "Acknowledged warnings", "\n".join(summary.warnings) or "None"),
        ):
            caption = QLabel(f"<b>{label}</b>", self)
            value = QLabel(text, self)
            value.setObjectName(f"sign_{key}")
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            value.setAccessibleName(label)
            value.setContentsMargins(12, 0, 0, 6)
            self.fields[key] = value
            layout.addWidget(caption)
            layout.addWidget(value)
        form = QFormLayout()
        self.password = name(QLineEdit(self), "sign_password", "Your password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Password:", self.password)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.sign_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_button.setText("Sign")
        name(self.sign_button, "sign_confirm_button", "Sign the session")
        name(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "sign_cancel_button", "Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None, summary: SignSummary) -> str | None:
        dialog = cls(parent, summary)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.password.text() if ok and dialog.password.text() else None


COMMON_REASON_PROMPT = "Choose one of the clinic's common reasons…"


class ReasonDialog(QDialog):
    """A reason for going ahead: OK with an unusable reason keeps the dialog open and says why.

    The clinic's common reasons (clinic settings) are offered as a pick-list: choosing one puts it in
    the text, where it can still be edited; free text is always allowed."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        label: str,
        default: str = "",
        choices: Sequence[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reason_dialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        text = QLabel(label, self)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.common = name(QComboBox(self), "reason_common", "Common reasons")
        self.common.addItem(COMMON_REASON_PROMPT, "")
        for choice in choices:
            self.common.addItem(choice, choice)
        self.common.setVisible(bool(choices))
        layout.addWidget(self.common)
        self.reason = name(QPlainTextEdit(self), "reason_edit", "Reason")
        self.reason.setPlainText(default)
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        layout.addWidget(self.reason)
        self.error = FieldErrorLabel(self.reason, self)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = name(
            self.buttons.button(QDialogButtonBox.StandardButton.Ok), "reason_ok_button", "Record the reason"
        )
        name(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "reason_cancel_button", "Cancel")
        self.buttons.accepted.connect(self._accept_if_usable)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self.error.clear_error)
        self.common.activated.connect(self._common_chosen)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    def _common_chosen(self, index: int) -> None:
        choice = self.common.itemData(index)
        if choice:
            self.reason.setPlainText(choice)
            self.reason.moveCursor(QTextCursor.MoveOperation.End)  # ready to add to it
            self.reason.setFocus()

    def _accept_if_usable(self) -> None:
        try:
            require_reason(self.reason.toPlainText().strip())
        except ValidationError as e:
            self.error.show_error("; ".join(f.message for f in e.errors))
            self.reason.setFocus()
            return
        self.accept()

    @classmethod
    def ask(
        cls, parent: QWidget | None, title: str, label: str, default: str = "", choices: Sequence[str] = ()
    ) -> str | None:
        dialog = cls(parent, title, label, default, choices)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason.toPlainText().strip()
