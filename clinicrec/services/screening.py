"""The screening asked at each session: a dated snapshot with the session, and its changes since last time."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from ..db.models import PatientRow, SessionRow, SessionScreeningRow, UserRow
from ..domain.enums import AllergyStatus, ScreeningAnswer, SessionStatus
from ..domain.errors import NotFoundError
from ..domain.models import Patient, SafetyScreening, ScreeningSnapshot, TreatmentSession
from ..domain.screening import ScreeningChange, screening_changes
from ..domain.validation import validate_screening
from .base import ServiceBase
from .mapping import to_patient, to_screening
from .permissions import Action


class ScreeningService(ServiceBase):
    def starting_point(self, session: TreatmentSession) -> ScreeningSnapshot:
        """What the screening form starts from: this session's snapshot, else the patient's record."""
        self.actor(Action.VIEW_PATIENTS)
        if session.screening is not None:
            return session.screening
        with self.reading() as s:
            row = s.get(PatientRow, session.patient_id)
            if row is None:
                raise NotFoundError(f"No patient with id {session.patient_id}")
            return ScreeningSnapshot.from_patient(to_patient(row))

    def confirm(
        self,
        session: TreatmentSession,
        answers: dict[str, ScreeningAnswer],
        *,
        other: str = "",
        allergy_status: AllergyStatus = AllergyStatus.NOT_RECORDED,
        allergies: str = "",
    ) -> TreatmentSession:
        """The session with its screening confirmed now by the signed-in user (stored with the next save)."""
        actor = self.actor(Action.CHART)
        snap = ScreeningSnapshot(
            answers=tuple(
                (item, ScreeningAnswer(answers.get(item, ScreeningAnswer.NOT_ASKED)))
                for item in SafetyScreening.QUESTIONS
            ),
            other=other,
            allergy_status=allergy_status,
            allergies=allergies,
            asked_by_id=actor.user_id,
            asked_by_name=actor.full_name,
            asked_at=self.now(),
        )
        validate_screening(snap)
        return replace(session, screening=snap)

    def previous(self, session: TreatmentSession) -> ScreeningSnapshot | None:
        """The screening of the patient's last signed session before this one (None at a first visit)."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            stmt = (
                select(SessionScreeningRow, UserRow.full_name)
                .join(SessionRow, SessionScreeningRow.session_id == SessionRow.id)
                .outerjoin(UserRow, SessionScreeningRow.asked_by_id == UserRow.id)
                .where(
                    SessionRow.patient_id == session.patient_id,
                    SessionRow.status == SessionStatus.SIGNED.value,
                    SessionRow.performed_at < session.performed_at,
                )
                .order_by(SessionRow.performed_at.desc(), SessionRow.id.desc())
                .limit(1)
            )
            if session.id is not None:
                stmt = stmt.where(SessionRow.id != session.id)
            found = s.execute(stmt).first()
            return to_screening(found[0], found[1] or "") if found else None

    def changes(self, session: TreatmentSession) -> list[ScreeningChange]:
        """What this session's screening (or the form's starting point) changes since the last visit."""
        return screening_changes(self.previous(session), self.starting_point(session))

    def patient_of(self, session: TreatmentSession) -> Patient:
        with self.reading() as s:
            row = s.get(PatientRow, session.patient_id)
            if row is None:
                raise NotFoundError(f"No patient with id {session.patient_id}")
            return to_patient(row)
