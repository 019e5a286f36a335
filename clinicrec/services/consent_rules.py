"""Consent rules inside a transaction: the rules of a form, whether a consent is in force, and the checks
that signing a session and starting one make (services/charting.py calls them in its own transaction)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ScalarSelect, bindparam, select
from sqlalchemy.orm import Session

from ..db.models import ConsentRow, ConsentSettingsRow, PatientRow, UserRow
from ..domain.consent import (
    TREATMENT_FORM,
    ConsentFormKind,
    ConsentRecord,
    ConsentSettings,
    ConsentSignature,
    ConsentStatus,
    PhotoScope,
    SignatureKind,
    StrokePoint,
)
from ..domain.errors import FieldError, ValidationError
from ..domain.models import name_with_credentials
from .queries import clinic_zone


@dataclass(frozen=True)
class ConsentState:
    """Whether a form is in force for a patient at a time (shown when a session starts)."""

    form_key: str
    consent: ConsentRecord | None
    in_force: bool
    expires_on: date | None
    required_for_signing: bool
    withdrawn: bool

    @property
    def message(self) -> str:
        if self.in_force and self.consent is not None:
            return f"Consent {self.consent.form_version} in force until {self.expires_on}"
        if self.withdrawn:
            return "The patient withdrew their consent: no new session until they sign again"
        if self.consent is not None:
            return f"Consent {self.consent.form_version} has expired ({self.expires_on}): sign it again"
        return "No signed consent on record"


# -- inside a transaction --------------------------------------------------------------
def form_settings(s: Session, form_key: str) -> ConsentSettings:
    row = s.get(ConsentSettingsRow, form_key)
    if row is None:
        return ConsentSettings(form_key)
    return ConsentSettings(form_key, row.validity_months, row.required_for_signing, row.typed_name_allowed)


def in_force_rows(s: Session, patient_id: int, form_key: str) -> list[ConsentRow]:
    return list(
        s.execute(
            select(ConsentRow).where(
                ConsentRow.patient_id == patient_id,
                ConsentRow.form_key == form_key,
                ConsentRow.status == ConsentStatus.IN_FORCE.value,
            )
        ).scalars()
    )


def consent_state(s: Session, patient_id: int, form_key: str, when: datetime) -> ConsentState:
    settings = form_settings(s, form_key)
    zone = clinic_zone(s)
    newest = s.execute(
        select(ConsentRow)
        .where(
            ConsentRow.patient_id == patient_id, ConsentRow.form_key == form_key, ConsentRow.signed_at <= when
        )
        .order_by(ConsentRow.signed_at.desc(), ConsentRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if newest is None:
        return ConsentState(form_key, None, False, None, settings.required_for_signing, False)
    record = to_consent_record(s, newest)
    withdrawn = record.status is ConsentStatus.WITHDRAWN and (record.withdrawn_at or when) <= when
    if withdrawn:
        return ConsentState(form_key, record, False, None, settings.required_for_signing, True)
    in_force_then = (
        replace(record, status=ConsentStatus.IN_FORCE) if record.status is ConsentStatus.WITHDRAWN else record
    )
    ok = in_force_then.in_force_on(when, settings.validity_months, zone)
    return ConsentState(
        form_key,
        record,
        ok,
        record.expires_on(settings.validity_months, zone),
        settings.required_for_signing,
        False,
    )


def consents_in_force(s: Session, patient_id: int, when: datetime) -> list[ConsentRecord]:
    keys = s.execute(
        select(ConsentRow.form_key).where(ConsentRow.patient_id == patient_id).distinct()
    ).scalars()
    out = []
    for key in sorted(keys):
        state = consent_state(s, patient_id, key, when)
        if state.in_force and state.consent is not None:
            out.append(state.consent)
    return out


def check_for_signing(s: Session, patient_id: int, when: datetime) -> None:
    """Signing a session needs the treatment consent in force when the clinic requires it."""
    state = consent_state(s, patient_id, TREATMENT_FORM, when)
    if state.required_for_signing and not state.in_force:
        raise ValidationError(
            FieldError(
                "consent",
                f"{state.message}. Signing needs a valid signed consent: have the patient sign it, or "
                "record the paper form with its scan and a reason",
            )
        )


#: The patient's newest treatment consent signed by then: its status and withdrawal (built once: every
#: new draft asks).
_NEWEST_TREATMENT = (
    select(ConsentRow.status, ConsentRow.withdrawn_at)
    .where(
        ConsentRow.patient_id == bindparam("pid"),
        ConsentRow.form_key == TREATMENT_FORM,
        ConsentRow.signed_at <= bindparam("when"),
    )
    .order_by(ConsentRow.signed_at.desc(), ConsentRow.id.desc())
    .limit(1)
)


def newest_treatment(column: Any) -> ScalarSelect[Any]:
    """``column`` of the patient's (``pid``) newest treatment consent signed by ``when``, as a scalar
    subquery: a save carries the two that ``check_for_new_session`` needs in its first statement."""
    return _NEWEST_TREATMENT.with_only_columns(column).scalar_subquery()


def check_for_new_session(
    s: Session, patient_id: int, when: datetime, newest: tuple[str | None, datetime | None] | None = None
) -> None:
    """A patient who withdrew their treatment consent gets no new session until they sign again.

    ``consent_state(...).withdrawn``, decided from the newest consent's status and withdrawal time alone
    (each new draft asks: the whole record, its signature and the names in it are read only to say why
    the session is refused). ``newest``: those two as the caller read them in this transaction
    (``newest_treatment``; status None: the patient has none), instead of reading them here."""
    if newest is None:
        found = s.connection().execute(_NEWEST_TREATMENT, {"pid": patient_id, "when": when}).first()
        newest = (found.status, found.withdrawn_at) if found is not None else (None, None)
    status, withdrawn_at = newest
    if status is None or ConsentStatus(status) is not ConsentStatus.WITHDRAWN:
        return
    if (withdrawn_at or when) > when:
        return
    state = consent_state(s, patient_id, TREATMENT_FORM, when)
    if state.withdrawn:
        raise ValidationError(FieldError("consent", state.message))


def to_consent_record(s: Session, row: ConsentRow) -> ConsentRecord:
    patient = s.get(PatientRow, row.patient_id)
    witness = s.get(UserRow, row.witness_id)
    withdrawer = s.get(UserRow, row.withdrawn_by_id) if row.withdrawn_by_id else None
    strokes = tuple(
        tuple(StrokePoint(float(x), float(y), float(p), int(t)) for x, y, p, t in stroke)
        for stroke in json.loads(row.strokes or "[]")
    )
    signature = ConsentSignature(
        SignatureKind(row.signature_kind),
        strokes,
        row.typed_name,
        bytes(row.scan) if row.scan else b"",
        row.scan_type,
        row.paper_reason,
        row.device,
    )
    return ConsentRecord(
        patient_id=row.patient_id,
        form_key=row.form_key,
        form_version=row.form_version,
        language=row.language,
        title=row.title,
        text=row.text,
        text_sha256=row.text_sha256,
        signature=signature,
        witness_id=row.witness_id,
        witness_name=name_with_credentials(witness.full_name, witness.credentials) if witness else "",
        signed_at=row.signed_at,
        workstation=row.workstation,
        scopes=frozenset(PhotoScope(x) for x in row.scopes.split(",") if x),
        signature_png=bytes(row.signature_png) if row.signature_png else b"",
        status=ConsentStatus(row.status),
        withdrawn_at=row.withdrawn_at,
        withdrawn_reason=row.withdrawn_reason,
        withdrawn_by=withdrawer.full_name if withdrawer else "",
        superseded_by_id=row.superseded_by_id,
        id=row.id,
        patient_name=f"{patient.first_name} {patient.last_name}" if patient else "",
        kind=ConsentFormKind(row.form_kind),
    )
