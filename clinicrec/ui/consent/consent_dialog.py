"""The consent screen: the patient reads the form, chooses the uses of photos, and signs; the injector
witnesses with their password. ``ConsentDialog.ask`` returns the stored consent, or None if cancelled.

Signing is possible only once the form has been scrolled to its end. The patient signs on the pad
(mouse, pen or finger; clear and undo), types their name and ticks that it is their signature (where the
clinic allows it), or the injector records a paper form with its scan and a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.consent import (
    TREATMENT_FORM,
    ConsentFormKind,
    ConsentRecord,
    ConsentSignature,
    PhotoScope,
    SignatureKind,
)
from ...domain.errors import ClinicRecError, ValidationError
from ...services.app import Services
from ..style import set_role
from .reader import ConsentReader
from .signature_pad import SignaturePad

#: Asks for the scan of a paper form: returns a file path, or None.
ScanChooser = Callable[[QWidget], "Path | None"]


def choose_scan(parent: QWidget) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Attach the scanned consent", "", "Scans (*.pdf *.png *.jpg *.jpeg)"
    )
    return Path(path) if path else None


def _named(widget: QWidget, name: str, accessible: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


class ConsentDialog(QDialog):
    def __init__(
        self,
        services: Services,
        patient_id: int,
        form_key: str = TREATMENT_FORM,
        *,
        product: str = "",
        areas: str = "",
        scan_chooser: ScanChooser = choose_scan,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("consent_dialog")
        self._services = services
        self._scan_chooser = scan_chooser
        self.prepared = services.consents.prepare(patient_id, form_key, product=product, areas=areas)
        self.settings = services.consents.settings(form_key)
        self.result_consent: ConsentRecord | None = None
        self._scan: bytes = b""
        self.setWindowTitle(f"{self.prepared.title}: {self.prepared.patient_name}")
        self._build_ui()
        self._connect_signals()
        self.reader.show_text(self.prepared.text, self.prepared.kind, self.prepared.language)
        self._update()

    # -- building ------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        root = QHBoxLayout(self)
        self.reader = ConsentReader(self)
        root.addWidget(self.reader, 3)
        side = QVBoxLayout()
        root.addLayout(side, 2)
        self.read_hint = QLabel("Please scroll to the end of the form. Signing opens there.")
        self.read_hint.setObjectName("read_hint")
        self.read_hint.setWordWrap(True)
        side.addWidget(self.read_hint)

        self.scopes: dict[PhotoScope, QCheckBox] = {}
        if self.prepared.kind is ConsentFormKind.PHOTO:
            box = QGroupBox("Uses of my photos (tick each one you agree to)")
            lay = QVBoxLayout(box)
            for scope in PhotoScope:
                check = QCheckBox(scope.label)
                _named(check, f"scope_{scope.value}", f"Photo use: {scope.label}")
                lay.addWidget(check)
                self.scopes[scope] = check
            side.addWidget(box)

        self.sign_box = QGroupBox("Signature")
        sign = QVBoxLayout(self.sign_box)
        modes = QHBoxLayout()
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[SignatureKind, QRadioButton] = {}
        for kind, text in (
            (SignatureKind.DRAWN, "Sign on the pad"),
            (SignatureKind.TYPED, "Type the name"),
            (SignatureKind.PAPER, "Paper form (scan)"),
        ):
            button = QRadioButton(text)
            _named(button, f"mode_{kind.value}", text)
            self.mode_group.addButton(button)
            self.mode_buttons[kind] = button
            modes.addWidget(button)
        self.mode_buttons[SignatureKind.DRAWN].setChecked(True)
        self.mode_buttons[SignatureKind.TYPED].setEnabled(self.settings.typed_name_allowed)
        sign.addLayout(modes)
        self.stack = QStackedWidget()
        sign.addWidget(self.stack)

        pad_page = QWidget()
        pad_lay = QVBoxLayout(pad_page)
        pad_lay.setContentsMargins(0, 0, 0, 0)
        self.pad = SignaturePad()
        pad_lay.addWidget(self.pad)
        row = QHBoxLayout()
        self.undo_button = QPushButton("Undo stroke")
        _named(self.undo_button, "pad_undo", "Undo the last stroke")
        self.clear_button = QPushButton("Clear")
        _named(self.clear_button, "pad_clear", "Clear the signature")
        row.addWidget(self.undo_button)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        pad_lay.addLayout(row)
        self.stack.addWidget(pad_page)

        typed_page = QWidget()
        typed = QFormLayout(typed_page)
        self.typed_name = QLineEdit()
        _named(self.typed_name, "typed_name", "Patient's full name, typed")
        self.typed_tick = QCheckBox("I agree that this typed name is my signature")
        _named(self.typed_tick, "typed_tick", "The typed name is my signature")
        typed.addRow("Full name", self.typed_name)
        typed.addRow(self.typed_tick)
        self.stack.addWidget(typed_page)

        paper_page = QWidget()
        paper = QFormLayout(paper_page)
        self.paper_reason = QLineEdit()
        _named(self.paper_reason, "paper_reason", "Why the consent is on paper")
        self.scan_button = QPushButton("Attach scan…")
        _named(self.scan_button, "attach_scan", "Attach the scan of the signed paper form")
        self.scan_label = QLabel("No scan attached")
        self.scan_label.setObjectName("scan_label")
        paper.addRow("Reason", self.paper_reason)
        paper.addRow(self.scan_button, self.scan_label)
        self.stack.addWidget(paper_page)
        side.addWidget(self.sign_box)

        witness = QGroupBox("Witness")
        wl = QFormLayout(witness)
        actor = self._services.ctx.actor
        wl.addRow(QLabel(f"Witnessed by {actor.signature_name if actor else '—'}"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        _named(self.password, "witness_password", "Witness's password")
        wl.addRow("Your password", self.password)
        side.addWidget(witness)

        self.error = QLabel("")
        self.error.setObjectName("consent_error")
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        side.addWidget(self.error)
        side.addStretch(1)
        buttons = QHBoxLayout()
        self.sign_button = QPushButton("Sign and save")
        _named(self.sign_button, "consent_sign", "Sign and save the consent")
        self.sign_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        _named(self.cancel_button, "consent_cancel", "Cancel without saving")
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_button)
        side.addLayout(buttons)
        self.resize(1280, 800)

    def _connect_signals(self) -> None:
        self.reader.sig_read_to_end.connect(self._update)
        self.mode_group.buttonToggled.connect(lambda *_: self._update())
        self.pad.sig_changed.connect(self._update)
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button.clicked.connect(self.pad.clear)
        self.scan_button.clicked.connect(self._attach_scan)
        self.sign_button.clicked.connect(self.sign)
        self.cancel_button.clicked.connect(self.reject)

    # -- state ---------------------------------------------------------------------------------------
    def mode(self) -> SignatureKind:
        return next(k for k, b in self.mode_buttons.items() if b.isChecked())

    def _update(self) -> None:
        mode = self.mode()
        self.stack.setCurrentIndex(list(SignatureKind).index(mode))
        can_sign = self.reader.read_to_end or mode is SignatureKind.PAPER
        self.pad.setEnabled(self.reader.read_to_end)
        self.read_hint.setVisible(not self.reader.read_to_end)
        self.sign_button.setEnabled(can_sign)

    def _attach_scan(self) -> None:
        path = self._scan_chooser(self)
        if path is None:
            return
        try:
            self._scan = Path(path).read_bytes()
        except OSError as e:
            self.error.setText(f"scan: cannot read {path}: {e.strerror or e}")
            return
        self.scan_label.setText(f"{Path(path).name} ({len(self._scan) // 1024} KB)")

    def signature(self) -> ConsentSignature:
        mode = self.mode()
        if mode is SignatureKind.DRAWN:
            return ConsentSignature(mode, self.pad.strokes(), device=self.pad.device)
        if mode is SignatureKind.TYPED:
            name = self.typed_name.text() if self.typed_tick.isChecked() else ""
            return ConsentSignature(mode, typed_name=name)
        return ConsentSignature(mode, scan=self._scan, reason=self.paper_reason.text())

    def sign(self) -> None:
        if self.mode() is SignatureKind.TYPED and not self.typed_tick.isChecked():
            self.error.setText("typed_name: tick that the typed name is the patient's signature")
            return
        scopes = frozenset(s for s, box in self.scopes.items() if box.isChecked())
        try:
            self.result_consent = self._services.consents.record(
                self.prepared,
                self.signature(),
                self.password.text(),
                scopes=scopes,
                read_to_end=self.reader.read_to_end,
            )
        except ValidationError as e:
            self.error.setText("\n".join(f"{f.field}: {f.message}" for f in e.errors))
            self.password.clear()
            return
        except ClinicRecError as e:
            self.error.setText(str(e))
            return
        self.accept()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        services: Services,
        patient_id: int,
        form_key: str = TREATMENT_FORM,
        **kw: object,
    ) -> ConsentRecord | None:
        dialog = cls(services, patient_id, form_key, parent=parent, **kw)  # type: ignore[arg-type]
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        return dialog.result_consent if dialog.exec() == QDialog.DialogCode.Accepted else None
