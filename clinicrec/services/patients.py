"""Patients: add, edit (optimistic versioning), search as you type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ..db.models import PatientRow, UserRow
from ..domain.enums import AuditAction
from ..domain.errors import ConcurrentEditError, NotFoundError, ValidationError
from ..domain.models import Patient
from ..domain.validation import FieldError, validate_patient
from ..text import fold
from . import audit
from .base import Change, ServiceBase
from .mapping import audit_view_patient, patient_values, to_patient
from .permissions import Action

SORT_COLUMNS = {
    "name": (PatientRow.last_key, PatientRow.first_key, PatientRow.id),
    "chart_number": (PatientRow.chart_number,),
    "date_of_birth": (PatientRow.date_of_birth, PatientRow.id),
}


@dataclass(frozen=True)
class PatientListRow:
    id: int
    chart_number: str
    last_name: str
    first_name: str
    date_of_birth: date
    phone: str
    screening_positive: bool

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


_DATE_PATTERNS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


def _as_date(token: str) -> date | None:
    for fmt in _DATE_PATTERNS:
        try:
            return datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    return None


def _prefix(col, text: str):  # type: ignore[no-untyped-def]
    """An index-friendly prefix match: col >= text AND col < text + U+FFFF."""
    return and_(col >= text, col < text + "\uffff")


def search_filter(query: str):  # type: ignore[no-untyped-def]
    """Each word must match the start of the first name, last name or chart number, or be the birth date."""
    clauses = []
    for token in re.split(r"[\s,]+", query.strip()):
        if not token:
            continue
        born = _as_date(token)
        if born is not None:
            clauses.append(PatientRow.date_of_birth == born)
            continue
        key = fold(token)
        clauses.append(
            or_(
                _prefix(PatientRow.last_key, key),
                _prefix(PatientRow.first_key, key),
                _prefix(PatientRow.chart_number, token.upper()),
                _prefix(PatientRow.chart_number, token),
            )
        )
    return and_(*clauses) if clauses else None


class PatientService(ServiceBase):
    def create(self, patient: Patient) -> Patient:
        actor = self.actor(Action.EDIT_PATIENTS)
        validate_patient(patient, today=self.now().date())
        with self.writing() as s:
            self._check_chart_number_free(s, patient.chart_number, None)
            row = PatientRow(
                **patient_values(patient),
                created_at=self.now(),
                updated_at=self.now(),
                updated_by_id=actor.user_id,
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.CREATE,
                "patient",
                row.id,
                patient_id=row.id,
                changes=audit.diff({}, audit_view_patient(row)),
            )
            result = to_patient(row)
        self.announce(Change("patient", result.id, "created", result.id))
        return result

    def update(self, patient: Patient) -> Patient:
        """Save edits made to ``patient`` as read at ``patient.version``; refuse if someone saved since."""
        actor = self.actor(Action.EDIT_PATIENTS)
        validate_patient(patient, today=self.now().date())
        with self.writing() as s:
            row = s.get(PatientRow, patient.id, with_for_update=True)  # PostgreSQL: a concurrent saver waits
            if row is None:
                raise NotFoundError(f"No patient with id {patient.id}")
            if row.version != patient.version:
                who = s.get(UserRow, row.updated_by_id) if row.updated_by_id else None
                raise ConcurrentEditError(
                    f"{row.first_name} {row.last_name}'s record was changed by "
                    f"{who.full_name if who else 'someone else'} at {row.updated_at:%Y-%m-%d %H:%M} UTC "
                    "after you opened it. Reopen it to see their changes.",
                    by=who.full_name if who else None,
                    at=row.updated_at,
                )
            self._check_chart_number_free(s, patient.chart_number, row.id)
            old = audit_view_patient(row)
            for key, value in patient_values(patient).items():
                setattr(row, key, value)
            changes = audit.diff(old, audit_view_patient(row))
            if not changes:
                return to_patient(row)
            row.updated_at = self.now()
            row.updated_by_id = actor.user_id
            s.flush()
            audit.record(s, actor, AuditAction.UPDATE, "patient", row.id, patient_id=row.id, changes=changes)
            result = to_patient(row)
        self.announce(Change("patient", result.id, "updated", result.id))
        return result

    def _check_chart_number_free(self, s: Session, chart_number: str, own_id: int | None) -> None:
        other = s.execute(select(PatientRow.id).where(PatientRow.chart_number == chart_number)).scalar()
        if other is not None and other != own_id:
            raise ValidationError(
                FieldError("chart_number", f"Chart number {chart_number} is already used by another patient")
            )

    def get(self, patient_id: int, *, log_view: bool = False) -> Patient:
        actor = self.actor(Action.VIEW_PATIENTS)
        if log_view:
            with self.writing() as s:
                row = s.get(PatientRow, patient_id)
                if row is None:
                    raise NotFoundError(f"No patient with id {patient_id}")
                audit.record(s, actor, AuditAction.VIEW, "patient", patient_id, patient_id=patient_id)
                return to_patient(row)
        with self.reading() as s:
            row = s.get(PatientRow, patient_id)
            if row is None:
                raise NotFoundError(f"No patient with id {patient_id}")
            return to_patient(row)

    def next_chart_number(self) -> str:
        with self.reading() as s:
            n = s.execute(select(func.count(PatientRow.id))).scalar_one()
        return f"CR-{n + 1:06d}"

    # -- listing ----------------------------------------------------------------------------------
    def _list_stmt(self, query: str, sort: str, descending: bool) -> Select:
        stmt = select(
            PatientRow.id,
            PatientRow.chart_number,
            PatientRow.last_name,
            PatientRow.first_name,
            PatientRow.date_of_birth,
            PatientRow.phone,
            or_(
                PatientRow.scr_pregnant_or_breastfeeding,
                PatientRow.scr_neuromuscular_disorder,
                PatientRow.scr_aminoglycosides,
                PatientRow.scr_recent_toxin,
                PatientRow.scr_active_skin_infection,
                PatientRow.scr_milk_protein_allergy,
                PatientRow.scr_other != "",
            ),
        )
        where = search_filter(query)
        if where is not None:
            stmt = stmt.where(where)
        cols = SORT_COLUMNS.get(sort, SORT_COLUMNS["name"])
        return stmt.order_by(*(c.desc() if descending else c.asc() for c in cols))

    def search(
        self,
        query: str = "",
        *,
        offset: int = 0,
        limit: int = 200,
        sort: str = "name",
        descending: bool = False,
    ) -> list[PatientListRow]:
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            rows = s.execute(self._list_stmt(query, sort, descending).offset(offset).limit(limit)).all()
        return [PatientListRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    def count(self, query: str = "") -> int:
        self.actor(Action.VIEW_PATIENTS)
        stmt = select(func.count(PatientRow.id))
        where = search_filter(query)
        if where is not None:
            stmt = stmt.where(where)
        with self.reading() as s:
            return int(s.execute(stmt).scalar_one())
