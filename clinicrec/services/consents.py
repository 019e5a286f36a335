"""Signed consents: the form read on screen, signed and witnessed, kept exactly; withdrawn, never edited.

``prepare`` fills the form for the patient (the text they read); ``record`` stores that exact text with
its hash, the signature (strokes and their picture, a typed name, or a scanned paper form with its
reason), the witness (the signed-in injector, who re-enters their password), the time and workstation.
An earlier consent to the same form is superseded. ``withdraw`` dates and explains a withdrawal.
Signing a session asks ``check_for_signing``; a patient whose treatment consent was withdrawn gets no
new session (``check_for_new_session``).
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..db.models import ConsentRow, ConsentSettingsRow, PatientRow
from ..domain.clinic_time import local_date
from ..domain.consent import (
    PHOTO_FORM,
    TREATMENT_FORM,
    ConsentFormKind,
    ConsentRecord,
    ConsentSettings,
    ConsentSignature,
    ConsentStatus,
    PhotoScope,
    SignatureKind,
    check_signature,
    scan_type_of,
    text_hash,
)
from ..domain.enums import AuditAction, Language
from ..domain.errors import FieldError, NotFoundError, ValidationError
from . import audit
from .base import ServiceBase
from .consent_rules import (
    ConsentState,
    consent_state,
    consents_in_force,
    form_settings,
    in_force_rows,
    to_consent_record,
)
from .permissions import Action, Actor
from .queries import clinic_zone


@dataclass(frozen=True)
class PreparedConsent:
    """A form filled in for one patient: what they read on screen and then sign."""

    patient_id: int
    patient_name: str
    form_key: str
    kind: ConsentFormKind
    version: str
    language: Language
    title: str
    text: str

    @property
    def text_sha256(self) -> str:
        return text_hash(self.text)


class ConsentService(ServiceBase):
    # -- settings ------------------------------------------------------------------------------------
    def settings(self, form_key: str) -> ConsentSettings:
        with self.reading() as s:
            return form_settings(s, form_key)

    def update_settings(self, settings: ConsentSettings) -> ConsentSettings:
        actor = self.actor(Action.MANAGE_SETTINGS)
        if not 1 <= settings.validity_months <= 120:
            raise ValidationError(FieldError("validity_months", "Validity is 1 to 120 months"))
        with self.writing() as s:
            row = s.get(ConsentSettingsRow, settings.form_key)
            old = form_settings(s, settings.form_key)
            if row is None:
                row = ConsentSettingsRow(form_key=settings.form_key)
                s.add(row)
            row.validity_months = settings.validity_months
            row.required_for_signing = settings.required_for_signing
            row.typed_name_allowed = settings.typed_name_allowed
            s.flush()
            changes = {
                k: [getattr(old, k), getattr(settings, k)]
                for k in ("validity_months", "required_for_signing", "typed_name_allowed")
                if getattr(old, k) != getattr(settings, k)
            }
            audit.record(s, actor, AuditAction.UPDATE, "consent_settings", settings.form_key, changes=changes)
        return settings

    # -- reading and signing -----------------------------------------------------------------------
    def prepare(
        self,
        patient_id: int,
        form_key: str = TREATMENT_FORM,
        *,
        language: Language | None = None,
        product: str = "",
        areas: str = "",
    ) -> PreparedConsent:
        from ..pdf.common import long_date
        from ..pdf.consent_forms import filled_text, load_form

        self.actor(Action.RECORD_CONSENT)
        with self.reading() as s:
            patient = s.get(PatientRow, patient_id)
            if patient is None:
                raise NotFoundError(f"No patient with id {patient_id}")
            from ..db.models import ClinicRow

            clinic = s.get(ClinicRow, 1)
            zone = clinic_zone(s)
            lang = Language(language or patient.preferred_language or "en")
            name = f"{patient.first_name} {patient.last_name}"
            values = {
                "patient_name": name,
                "patient_date_of_birth": long_date(patient.date_of_birth),
                "product": product or "botulinum toxin type A",
                "areas": areas or "the areas we agree on",
                "clinic_name": clinic.name if clinic else "",
                "clinic_phone": clinic.phone if clinic else "",
                "today": long_date(local_date(self.now(), zone)),
            }
        form = load_form(form_key, lang)
        return PreparedConsent(
            patient_id, name, form.key, form.kind, form.version, lang, form.title, filled_text(form, values)
        )

    def record(
        self,
        prepared: PreparedConsent,
        signature: ConsentSignature,
        password: str,
        *,
        scopes: frozenset[PhotoScope] = frozenset(),
        read_to_end: bool = True,
    ) -> ConsentRecord:
        """Store the consent the patient signed, witnessed by the signed-in user (password re-entered)."""
        from ..pdf.signature_image import signature_png
        from .auth import AuthService

        actor = self.actor(Action.RECORD_CONSENT)
        if not AuthService(self._ctx).verify_password(password):
            raise ValidationError(
                FieldError("password", "Password is not correct; the consent was not recorded")
            )
        if signature.kind is not SignatureKind.PAPER and not read_to_end:
            raise ValidationError(
                FieldError("text", "The patient must scroll to the end of the form before signing")
            )
        if prepared.kind is not ConsentFormKind.PHOTO and scopes:
            raise ValidationError(FieldError("scopes", "Only a photo consent has uses to choose"))
        settings = self.settings(prepared.form_key)
        check_signature(signature, settings)
        png = signature_png(signature.strokes) if signature.kind is SignatureKind.DRAWN else None
        now = self.now()
        with self.writing() as s:
            if s.get(PatientRow, prepared.patient_id) is None:
                raise NotFoundError(f"No patient with id {prepared.patient_id}")
            earlier = in_force_rows(s, prepared.patient_id, prepared.form_key)
            row = ConsentRow(
                patient_id=prepared.patient_id,
                form_key=prepared.form_key,
                form_kind=prepared.kind.value,
                form_version=prepared.version,
                language=prepared.language.value,
                title=prepared.title,
                text=prepared.text,
                text_sha256=prepared.text_sha256,
                scopes=",".join(sorted(x.value for x in scopes)),
                signature_kind=signature.kind.value,
                strokes=json.dumps(
                    [[[p.x, p.y, p.pressure, p.t_ms] for p in st] for st in signature.strokes]
                ),
                signature_png=png,
                typed_name=signature.typed_name.strip(),
                device=signature.device[:20],
                scan=signature.scan or None,
                scan_type=scan_type_of(signature.scan) or "" if signature.scan else "",
                paper_reason=signature.reason.strip(),
                witness_id=actor.user_id,
                signed_at=now,
                workstation=socket.gethostname()[:100],
                status=ConsentStatus.IN_FORCE.value,
                withdrawn_reason="",
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.CREATE,
                "consent",
                row.id,
                patient_id=row.patient_id,
                changes={
                    "form": [None, f"{row.form_key} {row.form_version}"],
                    "signature": [None, row.signature_kind],
                    "text_sha256": [None, row.text_sha256],
                    "scopes": [None, row.scopes],
                    "status": [None, row.status],
                },
            )
            for old in earlier:
                old.status = ConsentStatus.SUPERSEDED.value
                old.superseded_by_id = row.id
                s.flush()
                audit.record(
                    s,
                    actor,
                    AuditAction.UPDATE,
                    "consent",
                    old.id,
                    patient_id=old.patient_id,
                    changes={"status": ["in_force", "superseded"], "superseded_by": [None, row.id]},
                )
            return to_consent_record(s, row)

    def withdraw(self, consent_id: int, reason: str) -> ConsentRecord:
        """The patient takes their consent back: dated, with a reason; the record itself is kept."""
        actor = self.actor(Action.RECORD_CONSENT)
        if len(reason.strip()) < 5:
            raise ValidationError(
                FieldError("reason", "Say why the consent is withdrawn (at least 5 characters)")
            )
        with self.writing() as s:
            # PostgreSQL's row rules hide from FOR UPDATE a row that may not change: read it to say why
            row = s.get(ConsentRow, consent_id, with_for_update=True) or s.get(ConsentRow, consent_id)
            if row is None:
                raise NotFoundError(f"No consent with id {consent_id}")
            if row.status != ConsentStatus.IN_FORCE.value:
                raise ValidationError(
                    FieldError(
                        "status",
                        f"This consent is {ConsentStatus(row.status).label.lower()}; "
                        "only one in force can be withdrawn",
                    )
                )
            row.status = ConsentStatus.WITHDRAWN.value
            row.withdrawn_at = self.now()
            row.withdrawn_reason = reason.strip()
            row.withdrawn_by_id = actor.user_id
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.WITHDRAW,
                "consent",
                row.id,
                patient_id=row.patient_id,
                changes={"status": ["in_force", "withdrawn"], "reason": [None, row.withdrawn_reason]},
            )
            return to_consent_record(s, row)

    # -- looking up ----------------------------------------------------------------------------------
    def get(self, consent_id: int) -> ConsentRecord:
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            row = s.get(ConsentRow, consent_id)
            if row is None:
                raise NotFoundError(f"No consent with id {consent_id}")
            return to_consent_record(s, row)

    def consents(self, patient_id: int) -> list[ConsentRecord]:
        """Every consent of the patient, newest first (withdrawn and superseded ones included)."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            rows = s.execute(
                select(ConsentRow).where(ConsentRow.patient_id == patient_id).order_by(ConsentRow.id.desc())
            ).scalars()
            return [to_consent_record(s, r) for r in rows]

    def state(
        self, patient_id: int, form_key: str = TREATMENT_FORM, when: datetime | None = None
    ) -> ConsentState:
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            return consent_state(s, patient_id, form_key, when or self.now())

    def in_force(self, patient_id: int, when: datetime | None = None) -> list[ConsentRecord]:
        """The consents in force for the patient (the chart PDF lists them)."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            return consents_in_force(s, patient_id, when or self.now())

    # -- the consent PDF -----------------------------------------------------------------------------
    def pdf_bytes(self, consent_id: int) -> bytes:
        """The consent PDF (text signed, signature, witness, dates); the print is audited."""
        actor = self.actor(Action.PRINT)
        data = self.pdf_bytes_unaudited(consent_id)
        self._audit_print(actor, self.get(consent_id))
        return data

    def write_pdf(self, consent_id: int, out: Path) -> Path:
        """Write the consent PDF to ``out``: it appears only once its audit entry is committed."""
        from .files import check_destination, staged_output, write_private

        check_destination(out)
        data = self.pdf_bytes_unaudited(consent_id)
        actor = self.actor(Action.PRINT)
        record = self.get(consent_id)
        with staged_output(out) as tmp:
            write_private(tmp, data)
            self._audit_print(actor, record)
        return Path(out).expanduser()

    def pdf_bytes_unaudited(self, consent_id: int) -> bytes:
        import io

        from ..pdf.consent import build_consent_pdf
        from .catalogue import ClinicService

        self.actor(Action.PRINT)
        buffer = io.BytesIO()
        build_consent_pdf(self.get(consent_id), ClinicService(self._ctx).get(), buffer)
        return buffer.getvalue()

    def _audit_print(self, actor: Actor, record: ConsentRecord) -> None:
        with self.writing() as s:
            audit.record(
                s,
                actor,
                AuditAction.PRINT,
                "consent_pdf",
                record.id or "",
                patient_id=record.patient_id,
                changes={"document": [None, "consent_pdf"]},
            )

    def photo_scopes(self, patient_id: int) -> set[str]:
        """The uses of photos the patient's photo consent in force allows ('clinical', 'teaching', …)."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            state = consent_state(s, patient_id, PHOTO_FORM, self.now())
            if not state.in_force or state.consent is None:
                return set()
            return {x.value for x in state.consent.scopes}
