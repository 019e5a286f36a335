"""Chart review: the medical director's queue, co-signing or returning a chart, and the review report.

When a chart is signed it joins the queue if it is flagged (an acknowledged contraindication, an
adverse event) or, otherwise, at random with the clinic's chosen share (``oversight_settings``). Charts
that get an adverse event after signing join when the queue is next opened. The reviewer co-signs (the
password is asked again) or returns the chart with a comment; the injector sees their returned charts.
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import (
    AcknowledgementRow,
    AdverseEventRow,
    ChartReviewRow,
    OversightSettingsRow,
    PatientRow,
    SessionRow,
    UserRow,
)
from ..domain.enums import AuditAction, SessionStatus, WarningKind
from ..domain.errors import FieldError, NotFoundError, ValidationError
from ..domain.models import name_with_credentials
from ..domain.oversight import ChartReview, ReviewFigures, ReviewReason, ReviewStatus, median, review_reason
from . import audit
from .base import ServiceBase
from .permissions import Action, Actor

#: Until the clinic chooses a share, only flagged charts go to review (many clinics have no director).
DEFAULT_SHARE = 0.0
_RNG: random.Random = random.SystemRandom()


class ReviewService(ServiceBase):
    # -- the clinic's share --------------------------------------------------------------------------
    def share_percent(self) -> float:
        with self.reading() as s:
            return _share(s)

    def set_share_percent(self, percent: float) -> float:
        actor = self.actor(Action.MANAGE_SETTINGS)
        if not 0 <= percent <= 100:
            raise ValidationError(FieldError("review_share_percent", "The share is 0 to 100 percent"))
        with self.writing() as s:
            row = s.get(OversightSettingsRow, 1)
            old = row.review_share_percent if row else DEFAULT_SHARE
            if row is None:
                row = OversightSettingsRow(id=1, review_share_percent=percent)
                s.add(row)
            row.review_share_percent = float(percent)
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.UPDATE,
                "oversight_settings",
                1,
                changes={"review_share_percent": [old, percent]},
            )
        return percent

    # -- the queue -----------------------------------------------------------------------------------
    def queue(self) -> list[ChartReview]:
        """Charts waiting for review, oldest first (adds signed charts that since had an adverse event)."""
        actor = self.actor(Action.REVIEW_CHARTS)
        with self.writing() as s:
            flagged = s.execute(
                select(SessionRow)
                .join(AdverseEventRow, AdverseEventRow.session_id == SessionRow.id)
                .outerjoin(ChartReviewRow, ChartReviewRow.session_id == SessionRow.id)
                .where(SessionRow.status == SessionStatus.SIGNED.value, ChartReviewRow.id.is_(None))
                .distinct()
            ).scalars()
            for row in list(flagged):
                _add(s, row, ReviewReason.ADVERSE_EVENT, actor, self.now())
            rows = s.execute(
                select(ChartReviewRow)
                .where(ChartReviewRow.status == ReviewStatus.PENDING.value)
                .order_by(ChartReviewRow.queued_at, ChartReviewRow.id)
            ).scalars()
            return [_to_review(s, r) for r in rows]

    def reviews(self, status: ReviewStatus | None = None) -> list[ChartReview]:
        self.actor(Action.REVIEW_CHARTS)
        with self.reading() as s:
            q = select(ChartReviewRow).order_by(ChartReviewRow.id)
            if status is not None:
                q = q.where(ChartReviewRow.status == status.value)
            return [_to_review(s, r) for r in s.execute(q).scalars()]

    def co_sign(self, review_id: int, password: str, comment: str = "") -> ChartReview:
        from .auth import AuthService

        actor = self.actor(Action.REVIEW_CHARTS)
        if not AuthService(self._ctx).verify_password(password):
            raise ValidationError(
                FieldError("password", "Password is not correct; the chart was not co-signed")
            )
        return self._decide(actor, review_id, ReviewStatus.CO_SIGNED, comment)

    def return_chart(self, review_id: int, comment: str) -> ChartReview:
        actor = self.actor(Action.REVIEW_CHARTS)
        if len(comment.strip()) < 5:
            raise ValidationError(
                FieldError("comment", "Say what the injector should look at (at least 5 characters)")
            )
        return self._decide(actor, review_id, ReviewStatus.RETURNED, comment)

    def _decide(self, actor: Actor, review_id: int, outcome: ReviewStatus, comment: str) -> ChartReview:
        with self.writing() as s:
            # PostgreSQL's row rules hide from FOR UPDATE a row that may not change: read it to say why
            row = s.get(ChartReviewRow, review_id, with_for_update=True) or s.get(ChartReviewRow, review_id)
            if row is None:
                raise NotFoundError(f"No chart review with id {review_id}")
            if row.status != ReviewStatus.PENDING.value:
                raise ValidationError(
                    FieldError("status", f"This chart is already {ReviewStatus(row.status).label.lower()}")
                )
            session = s.get(SessionRow, row.session_id)
            assert session is not None
            if session.injector_id == actor.user_id:
                raise ValidationError(
                    FieldError("reviewer", "A chart is reviewed by someone other than its injector")
                )
            row.status = outcome.value
            row.reviewer_id = actor.user_id
            row.reviewed_at = self.now()
            row.comment = comment.strip()
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.REVIEW,
                "chart_review",
                row.id,
                patient_id=session.patient_id,
                changes={"status": ["pending", outcome.value], "comment": [None, row.comment]},
            )
            return _to_review(s, row)

    def returned_to_me(self) -> list[ChartReview]:
        """The signed-in injector's charts the reviewer returned, newest first."""
        actor = self.actor(Action.CHART)
        with self.reading() as s:
            rows = s.execute(
                select(ChartReviewRow)
                .join(SessionRow, SessionRow.id == ChartReviewRow.session_id)
                .where(
                    ChartReviewRow.status == ReviewStatus.RETURNED.value,
                    SessionRow.injector_id == actor.user_id,
                )
                .order_by(ChartReviewRow.reviewed_at.desc())
            ).scalars()
            return [_to_review(s, r) for r in rows]

    # -- the report ----------------------------------------------------------------------------------
    def report(self) -> list[ReviewFigures]:
        """Per injector: charts signed, queued, reviewed, returned, and the median hours to review."""
        self.actor(Action.VIEW_REVIEW_REPORT)
        with self.reading() as s:
            signed = s.execute(
                select(SessionRow.injector_id, SessionRow.id, SessionRow.signed_at).where(
                    SessionRow.status == SessionStatus.SIGNED.value
                )
            ).all()
            reviews = {r.session_id: r for r in s.execute(select(ChartReviewRow)).scalars()}
            names = {
                u.id: name_with_credentials(u.full_name, u.credentials)
                for u in s.execute(select(UserRow)).scalars()
            }
        by: dict[int, list[tuple[int, object]]] = {}
        for injector_id, session_id, signed_at in signed:
            by.setdefault(injector_id, []).append((session_id, signed_at))
        out: list[ReviewFigures] = []
        for injector_id, sessions in sorted(by.items(), key=lambda kv: names.get(kv[0], "")):
            queued = [reviews[sid] for sid, _ in sessions if sid in reviews]
            done = [r for r in queued if r.status != ReviewStatus.PENDING.value and r.reviewed_at]
            signed_at = dict(sessions)
            hours = [
                (r.reviewed_at - signed_at[r.session_id]).total_seconds() / 3600
                for r in done
                if signed_at.get(r.session_id) is not None
            ]
            out.append(
                ReviewFigures(
                    names.get(injector_id, f"user {injector_id}"),
                    len(sessions),
                    len(queued),
                    len(done),
                    sum(1 for r in done if r.status == ReviewStatus.RETURNED.value),
                    median(hours),
                )
            )
        return out


# -- inside the signing transaction ------------------------------------------------------------------------
def _share(s: Session) -> float:
    row = s.get(OversightSettingsRow, 1)
    return DEFAULT_SHARE if row is None else row.review_share_percent


def queue_if_chosen(
    s: Session, row: SessionRow, actor: Actor, now: object, rng: random.Random | None = None
) -> ReviewReason | None:
    """Put a just-signed chart in the review queue if it is flagged or chosen at random."""
    contraindication = any(
        a.kind == WarningKind.CONTRAINDICATION.value
        for a in s.execute(
            select(AcknowledgementRow).where(AcknowledgementRow.session_id == row.id)
        ).scalars()
    )
    ids = {row.id, row.root_id or row.id}
    adverse = (
        s.execute(select(AdverseEventRow.id).where(AdverseEventRow.session_id.in_(ids))).first() is not None
    )
    reason = review_reason(
        adverse_event=adverse, contraindication=contraindication, share_percent=_share(s), rng=rng or _RNG
    )
    if (
        reason is not None
        and s.execute(select(ChartReviewRow.id).where(ChartReviewRow.session_id == row.id)).first() is None
    ):
        _add(s, row, reason, actor, now)
    return reason


def _add(s: Session, session: SessionRow, reason: ReviewReason, actor: Actor, now: object) -> None:
    review = ChartReviewRow(
        session_id=session.id,
        reason=reason.value,
        status=ReviewStatus.PENDING.value,
        queued_at=now,
        comment="",
    )
    s.add(review)
    s.flush()
    audit.record(
        s,
        actor,
        AuditAction.CREATE,
        "chart_review",
        review.id,
        patient_id=session.patient_id,
        changes={
            "session_id": [None, session.id],
            "reason": [None, reason.value],
            "status": [None, ReviewStatus.PENDING.value],
        },
    )


def _to_review(s: Session, row: ChartReviewRow) -> ChartReview:
    session = s.get(SessionRow, row.session_id)
    if session is None:
        raise NotFoundError(f"No session with id {row.session_id}")
    patient = s.get(PatientRow, session.patient_id)
    injector = s.get(UserRow, session.injector_id)
    reviewer = s.get(UserRow, row.reviewer_id) if row.reviewer_id else None
    return ChartReview(
        session_id=session.id,
        patient_id=session.patient_id,
        patient_name=f"{patient.first_name} {patient.last_name}" if patient else "",
        injector_id=session.injector_id,
        injector_name=name_with_credentials(injector.full_name, injector.credentials) if injector else "",
        signed_at=session.signed_at or row.queued_at,
        reason=ReviewReason(row.reason),
        status=ReviewStatus(row.status),
        queued_at=row.queued_at,
        reviewer_name=name_with_credentials(reviewer.full_name, reviewer.credentials) if reviewer else "",
        reviewed_at=row.reviewed_at,
        comment=row.comment,
        id=row.id,
    )
