"""Follow-ups, adverse events, and the resolved views of a session (chart, history, last map)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..db.models import AdverseEventRow, AssessmentRow, PatientRow, ProductRow, SessionRow, UserRow, VialRow
from ..domain.clinic_time import local_date
from ..domain.dosing import DoseTotal, totals_by_product
from ..domain.enums import AuditAction, SessionStatus, TimePoint, Zone
from ..domain.errors import ConcurrentEditError, NotFoundError, ValidationError
from ..domain.models import (
    AdverseEvent,
    AmendmentInfo,
    Assessment,
    InjectionPoint,
    SessionRecord,
    Signature,
)
from ..domain.validation import (
    FieldError,
    follow_up_timing_warning,
    validate_adverse_event,
    validate_assessment,
)
from . import audit, report_rollup
from .base import ServiceBase
from .charting import ChartingService
from .mapping import (
    adverse_event_values,
    assessment_values,
    to_adverse_event,
    to_assessment,
    to_patient,
    to_product,
    to_user,
    to_vial,
)
from .permissions import Action
from .queries import clinic_date_order, clinic_zone
from .visit_versions import SessionVersion, load_versions, versions_of


def _stale_event(s: Session, event_id: int) -> ConcurrentEditError:
    entry = audit.last_change(s, "adverse_event", event_id)
    who, when = audit.changed_by(s, "adverse_event", event_id)
    fields = ", ".join(json.loads(entry.changes)) if entry is not None else ""
    what = f" ({fields.replace('_', ' ')})" if fields else ""
    at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
    return ConcurrentEditError(
        f"This adverse event was changed by {who}{at}{what} after you opened it. Your edit was not saved "
        "over theirs; reopen it to see their changes.",
        by=who,
        at=when,
    )


@dataclass(frozen=True)
class Trend:
    baseline: int | None
    latest: int | None

    @property
    def change(self) -> int | None:
        return None if self.baseline is None or self.latest is None else self.latest - self.baseline


@dataclass(frozen=True)
class SessionSummary:
    """One line of a patient's timeline."""

    session_id: int
    performed_at: datetime
    status: SessionStatus
    products: tuple[str, ...]
    zones: tuple[Zone, ...]
    totals: tuple[tuple[str, DoseTotal], ...]  # (product brand, total) - never summed across products
    pores: Trend
    oil: Trend
    redness: Trend
    latest_follow_up: str | None
    injector_name: str
    amended: bool
    is_amendment: bool
    touch_up_of_id: int | None
    #: The visit's versions, oldest first (the original, then each amendment); this summary shows the
    #: newest. Their changes are read on demand (``RecordService.visit_versions``).
    versions: tuple[SessionVersion, ...] = ()


class RecordService(ServiceBase):
    # -- follow-ups and adverse events ------------------------------------------------------------
    def add_follow_up(self, session_id: int, assessment: Assessment) -> Assessment:
        actor = self.actor(Action.ASSESS)
        with self.writing() as s:
            row = self._signed_root(s, session_id)
            zone = clinic_zone(s)
            validate_assessment(
                assessment,
                baseline=False,
                session_date=local_date(row.performed_at, zone),
                today=local_date(self.now(), zone),
            )
            a = AssessmentRow(
                session_id=row.root_id,
                **assessment_values(assessment),
                assessor_id=actor.user_id,
                created_at=self.now(),
            )
            s.add(a)
            report_rollup.refresh(s, [row.id])
            audit.record(
                s,
                actor,
                AuditAction.CREATE,
                "assessment",
                a.id,
                patient_id=row.patient_id,
                changes=audit.diff({}, {"session_id": row.root_id, **assessment_values(assessment)}),
            )
            result = to_assessment(a, actor.full_name)
        return result

    def follow_up_warnings(self, session_id: int, assessment: Assessment) -> list[str]:
        """Check a follow-up before it is added: refused (ValidationError) if it could not be stored,
        otherwise the warnings to show (a 'day 14' recorded on day 3)."""
        self.actor(Action.ASSESS)
        with self.reading() as s:
            row = self._signed_root(s, session_id)
            zone = clinic_zone(s)
            day = local_date(row.performed_at, zone)
            validate_assessment(
                assessment, baseline=False, session_date=day, today=local_date(self.now(), zone)
            )
        warning = follow_up_timing_warning(assessment.time_point, day, assessment.assessed_on)
        return [warning] if warning else []

    def _signed_root(self, s: Session, session_id: int) -> SessionRow:
        row = s.get(SessionRow, session_id)
        if row is None:
            raise NotFoundError(f"No session with id {session_id}")
        if row.status != SessionStatus.SIGNED.value:
            raise ValidationError(FieldError("session", "Follow-ups are recorded for signed sessions"))
        root = s.get(SessionRow, row.root_id)
        assert root is not None
        return root

    def add_adverse_event(self, session_id: int, event: AdverseEvent) -> AdverseEvent:
        actor = self.actor(Action.RECORD_ADVERSE_EVENT)
        with self.writing() as s:
            row = s.get(SessionRow, session_id)
            if row is None:
                raise NotFoundError(f"No session with id {session_id}")
            validate_adverse_event(event, session_date=local_date(row.performed_at, clinic_zone(s)))
            e = AdverseEventRow(
                session_id=row.root_id or row.id,
                **adverse_event_values(event),
                recorded_by_id=actor.user_id,
                created_at=self.now(),
            )
            s.add(e)
            s.flush()
            report_rollup.touch(s, [e.session_id])  # the reports' day sums of its chain
            audit.record(
                s,
                actor,
                AuditAction.CREATE,
                "adverse_event",
                e.id,
                patient_id=row.patient_id,
                changes=audit.diff({}, adverse_event_values(event)),
            )
            result = to_adverse_event(e)
        return result

    def update_adverse_event(self, event: AdverseEvent) -> AdverseEvent:
        """Save an edit of ``event`` as read at ``event.version``; refused if someone saved it since."""
        actor = self.actor(Action.RECORD_ADVERSE_EVENT)
        with self.writing() as s:
            e = s.get(AdverseEventRow, event.id, with_for_update=True)  # PostgreSQL: a concurrent saver waits
            if e is None:
                raise NotFoundError(f"No adverse event with id {event.id}")
            session = s.get(SessionRow, e.session_id)
            assert session is not None
            validate_adverse_event(event, session_date=local_date(session.performed_at, clinic_zone(s)))
            if e.version != event.version:
                raise _stale_event(s, e.id)
            if not audit.unaltered(s, "adverse_event", e.id):
                raise ConcurrentEditError(
                    "This adverse event was changed outside ClinicRec since it was last saved, so your edit "
                    "was not saved. Ask a manager to run Verify in the audit trail."
                )
            old = adverse_event_values(to_adverse_event(e))
            for k, v in adverse_event_values(event).items():
                setattr(e, k, v)
            report_rollup.touch(s, [e.session_id])  # its kind or severity may have changed
            audit.record(
                s,
                actor,
                AuditAction.UPDATE,
                "adverse_event",
                e.id,
                patient_id=session.patient_id,
                changes=audit.diff(old, adverse_event_values(event)),
            )
            result = to_adverse_event(e)
        return result

    # -- views ------------------------------------------------------------------------------------
    def record(self, session_id: int) -> SessionRecord:
        """Everything about a session, resolved for display and printing."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            charting = ChartingService(self._ctx)
            session = charting._load(s, session_id)
            row = s.get(SessionRow, session_id)
            assert row is not None
            patient = to_patient(s.get(PatientRow, session.patient_id))  # type: ignore[arg-type]
            users = {u.id: u for u in s.execute(select(UserRow)).scalars()}
            snap = session.screening
            if snap is not None and snap.asked_by_id in users:
                session = replace(
                    session, screening=replace(snap, asked_by_name=users[snap.asked_by_id].full_name)
                )
            vials = tuple(
                to_vial(v)
                for v in s.execute(select(VialRow).where(VialRow.id.in_(session.all_vial_ids))).scalars()
            )
            vial_order = {vid: i for i, vid in enumerate(session.all_vial_ids)}
            vials = tuple(sorted(vials, key=lambda v: vial_order[v.id or 0]))
            products = tuple(
                to_product(p)
                for p in s.execute(
                    select(ProductRow).where(ProductRow.id.in_({v.product_id for v in vials}))
                ).scalars()
            )
            signature = None
            if row.signed_at is not None and row.signed_by_id is not None:
                signer = users[row.signed_by_id]
                signature = Signature(
                    signer.full_name, signer.credentials, row.signed_at, row.signature_meaning or "signed"
                )
            amended_by = tuple(
                self._amendment_info(a, users)
                for a in s.execute(select(SessionRow).where(SessionRow.amends_id == session_id)).scalars()
            )
            amends = None
            if row.amends_id is not None:
                # The session this one amends (by this amendment's author, time and reason).
                amends = replace(self._amendment_info(row, users), session_id=row.amends_id)
            root = row.root_id or row.id
            events = tuple(
                to_adverse_event(e)
                for e in s.execute(
                    select(AdverseEventRow)
                    .where(AdverseEventRow.session_id == root)
                    .order_by(AdverseEventRow.onset)
                ).scalars()
            )
            follow_ups = tuple(
                to_assessment(a, users[a.assessor_id].full_name if a.assessor_id in users else "")
                for a in s.execute(
                    select(AssessmentRow)
                    .where(
                        AssessmentRow.session_id == root, AssessmentRow.time_point != TimePoint.BASELINE.value
                    )
                    .order_by(AssessmentRow.assessed_on, AssessmentRow.id)
                ).scalars()
            )
            return SessionRecord(
                session,
                patient,
                to_user(users[session.injector_id]),
                vials,
                products,
                signature,
                amended_by,
                amends,
                events,
                follow_ups,
                clinic_zone(s),
                clinic_date_order(s),
            )

    @staticmethod
    def _amendment_info(row: SessionRow, users: dict[int, UserRow]) -> AmendmentInfo:
        author_id = row.signed_by_id or row.updated_by_id or row.injector_id
        author = users.get(author_id)
        return AmendmentInfo(
            row.id, author.full_name if author else "?", row.signed_at or row.created_at, row.amendment_reason
        )

    def visit_versions(self, session_id: int) -> list[SessionVersion]:
        """The versions of the visit ``session_id`` belongs to (original, amendment 1, ...), oldest first,
        each amendment with what it changed (field, before, after), who signed it and why."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            return load_versions(s, session_id, clinic_zone(s))

    def history(self, patient_id: int) -> list[SessionSummary]:
        """The patient's visits, newest first: one per visit however often it was amended, showing its
        newest version with products, zones, totals, rating trends and the list of its versions."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            rows = (
                s.execute(
                    select(SessionRow)
                    .where(SessionRow.patient_id == patient_id)
                    .order_by(SessionRow.performed_at.desc(), SessionRow.id.desc())
                )
                .scalars()
                .all()
            )
            return self._summaries(s, rows)

    def visit(self, session_id: int) -> SessionSummary | None:
        """The one line of the timeline for the visit ``session_id`` is a version of (the original or any
        amendment), as ``history`` shows it; None when there is no such session. The patient chart reads
        this after a change to one session instead of the patient's whole history."""
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            row = s.get(SessionRow, session_id)
            if row is None:
                return None
            root = row.root_id or row.id
            chain = (
                s.execute(
                    select(SessionRow)
                    .where(or_(SessionRow.id == root, SessionRow.root_id == root))
                    .order_by(SessionRow.performed_at.desc(), SessionRow.id.desc())
                )
                .scalars()
                .all()
            )
            summaries = self._summaries(s, chain)
            return summaries[0] if summaries else None

    @staticmethod
    def _summaries(s: Session, rows: Sequence[SessionRow]) -> list[SessionSummary]:
        """The visits of ``rows`` (every version of each, newest first) as timeline lines."""
        if not rows:
            return []
        ids = [r.id for r in rows]
        roots = {r.root_id or r.id for r in rows}
        users = {u.id: u.full_name for u in s.execute(select(UserRow)).scalars()}
        vial_ids = {p.vial_id for r in rows for p in r.points} | {
            link.vial_id for r in rows for link in r.vial_links
        }
        vials = {
            v.id: to_vial(v) for v in s.execute(select(VialRow).where(VialRow.id.in_(vial_ids))).scalars()
        }
        brands = {p.id: p.brand for p in s.execute(select(ProductRow)).scalars()}
        assessments = (
            s.execute(
                select(AssessmentRow)
                .where(AssessmentRow.session_id.in_(ids + list(roots)))
                .order_by(AssessmentRow.assessed_on, AssessmentRow.id)
            )
            .scalars()
            .all()
        )
        chains: dict[int, list[SessionRow]] = {}
        for r in sorted(rows, key=lambda r: r.id):
            chains.setdefault(r.root_id or r.id, []).append(r)
        newest = {root: chain[-1] for root, chain in chains.items()}
        visits = [r for r in rows if newest[r.root_id or r.id] is r]  # keeps newest-first order
        out = []
        for r in visits:
            chain = chains[r.root_id or r.id]
            versions = versions_of(chain, users)
            baseline = next(
                (a for a in assessments if a.session_id == r.id and a.time_point == "baseline"), None
            )
            follow = [
                a for a in assessments if a.session_id == (r.root_id or r.id) and a.time_point != "baseline"
            ]
            latest = follow[-1] if follow else None
            points = [
                InjectionPoint(Zone(p.zone), p.x, p.y, p.vial_id, p.units, p.volume_ml) for p in r.points
            ]
            totals = totals_by_product(points, vials)
            zones = tuple(dict.fromkeys(Zone(p.zone) for p in r.points))
            prods = tuple(dict.fromkeys(brands[vials[v.vial_id].product_id] for v in r.vial_links))

            def trend(
                field: str,
                baseline: AssessmentRow | None = baseline,
                latest: AssessmentRow | None = latest,
            ) -> Trend:
                return Trend(
                    getattr(baseline, field) if baseline else None,
                    getattr(latest, field) if latest else None,
                )

            out.append(
                SessionSummary(
                    r.id,
                    r.performed_at,
                    SessionStatus(r.status),
                    prods,
                    zones,
                    tuple((brands[pid], t) for pid, t in totals.items()),
                    trend("pores"),
                    trend("oil"),
                    trend("redness"),
                    TimePoint(latest.time_point).label if latest else None,
                    users.get(r.injector_id, "?"),
                    len(chain) > 1,
                    r.amends_id is not None,
                    r.touch_up_of_id,
                    versions,
                )
            )
        return out

    def last_map(self, patient_id: int, before: datetime | None = None) -> list[InjectionPoint]:
        """Points of the patient's latest signed, current session: 'start from the last session's map'."""
        from .queries import current_versions

        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            stmt = (
                select(SessionRow)
                .where(SessionRow.patient_id == patient_id, SessionRow.status == "signed", current_versions())
                .order_by(SessionRow.performed_at.desc())
                .limit(1)
            )
            if before is not None:
                stmt = stmt.where(SessionRow.performed_at < before)
            row = s.execute(stmt).scalar_one_or_none()
            if row is None:
                return []
            return [
                InjectionPoint(Zone(p.zone), p.x, p.y, p.vial_id, p.units, p.volume_ml) for p in row.points
            ]
