"""Charting a session: drafts saved as you go, safety warnings, signing, amendments."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any, cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.exc import StaleDataError

from ..db.models import (
    AcknowledgementRow,
    AssessmentRow,
    PatientRow,
    PointRow,
    ProductRow,
    SessionRow,
    SessionScreeningRow,
    SessionVialRow,
    UserRow,
    VialRow,
)
from ..db.pipeline import Statement, run_all
from ..domain.clinic_time import add_months, day_range, local_date, start_of_day
from ..domain.dosing import VialShortfall, vial_shortfalls
from ..domain.enums import AuditAction, Role, SessionStatus, TimePoint
from ..domain.errors import (
    ConcurrentEditError,
    NotFoundError,
    PermissionDenied,
    SignedRecordError,
    UnacknowledgedWarnings,
    ValidationError,
)
from ..domain.models import (
    Acknowledgement,
    Assessment,
    InjectionPoint,
    SafetyWarning,
    TreatmentSession,
    Vial,
)
from ..domain.oversight import order_warnings
from ..domain.safety import (
    EarlierToxin,
    dose_period,
    most_in_a_period,
    period_end,
    period_start,
    safety_warnings,
    unacknowledged,
)
from ..domain.validation import FieldError, require_reason, validate_for_signing, validate_session
from ..domain.vial_draws import VialDraw
from . import audit, audit_state, draft_rows, report_rollup
from .base import Context, ServiceBase
from .consent_rules import check_for_new_session, check_for_signing
from .content_hash import session_content_hash
from .mapping import (
    POINT_COLUMNS,
    assessment_as_stored,
    assessment_values,
    point_audit,
    points_from,
    screening_values,
    session_values,
    to_assessment,
    to_patient,
    to_product,
    to_session,
    to_vial,
)
from .orders import patient_orders
from .permissions import Action, Actor
from .queries import clinic_zone, current_versions
from .review import queue_if_chosen
from .rights import FoldedRights
from .save_reads import SaveReads, read_for_save
from .saved_drafts import SavedDraft, SavedDrafts, new_draft_digests, stored_digest, write_points
from .vial_draws import other_chains

SIGNATURE_MEANING = "signed as administering injector"
#: PostgreSQL's advisory lock class for amending a session (with the session's id).
AMENDING_LOCK = 7301
#: The injection points' table, for the plain statements a save writes and reads its points with.
_POINTS = cast(Table, PointRow.__table__)


def _require_unaltered(s: Session, session_id: int, outcome: str) -> tuple[str | None, dict[str, str]]:
    """Refuse to write over a session changed behind the application (the new entry would launder it).
    Returns the session's state hash as stored now, and its parts' digests."""
    ok, live, parts = audit.unaltered_parts(s, "session", session_id)
    if not ok:
        raise ConcurrentEditError(
            f"This session was changed outside ClinicRec since it was last saved, so it was not {outcome}. "
            "Ask a manager to run Verify in the audit trail."
        )
    return live, parts


def _drawn(points: tuple[InjectionPoint, ...]) -> list[tuple[object, int, float]]:
    """What the reports' use rows sum of the points (as stored): units per zone and vial, by position."""
    return [(p.zone, p.vial_id, p.units) for p in points]


def _kept_parts(
    old: dict[str, Any],
    session: TreatmentSession,
    acks_before: set[int],
    row: SessionRow,
    before: SavedDraft | None,
    baseline: AssessmentRow | Assessment | None,
) -> list[str]:
    """The tables of the session's state-hash parts that a save (``_write_content``) left as they were:
    its vial links when their list is the same, its acknowledgements when it kept every row (a changed
    one is a new row), its baseline when the remembered one was kept or there was none and is none."""
    kept = []
    if old.get("vials") == list(session.all_vial_ids):
        kept.append(cast(Table, SessionVialRow.__table__).name)
    if {a.id for a in row.acknowledgements} == acks_before:
        kept.append(cast(Table, AcknowledgementRow.__table__).name)
    if before is not None and (
        (before.baseline is not None and baseline is before.baseline)
        or (before.baseline is None and session.baseline is None)
    ):
        kept.append(cast(Table, AssessmentRow.__table__).name)
    return kept


def _changed_since(s: Session, session_id: int, outcome: str) -> ConcurrentEditError:
    """'This session was changed by Maria López at 10:32 UTC: …' from the trail's newest change."""
    who, when = audit.changed_by(s, "session", session_id)
    at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
    return ConcurrentEditError(f"This session was changed by {who}{at}: {outcome}", by=who, at=when)


AMENDMENT_MEANING = "signed as author of the amendment"
#: How a draft being saved is loaded: what the save writes and compares, in one statement.
_EDITED = (
    lazyload(SessionRow.points),
    joinedload(SessionRow.vial_links),
    joinedload(SessionRow.acknowledgements),
    joinedload(SessionRow.screening),
)


class ChartingService(ServiceBase):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: What this service's last save of each draft stored (services/saved_drafts.py).
        self._saved = SavedDrafts()

    # -- reading --------------------------------------------------------------------------------
    def get(self, session_id: int) -> TreatmentSession:
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            return self._load(s, session_id)

    def _load(self, s: Session, session_id: int) -> TreatmentSession:
        row = s.get(SessionRow, session_id, options=[lazyload(SessionRow.points)])
        if row is None:
            raise NotFoundError(f"No session with id {session_id}")
        return to_session(row, self._baseline(s, row.id), self._stored_points(s, row.id))

    @staticmethod
    def _stored_points(s: Session, session_id: int) -> tuple[InjectionPoint, ...]:
        """The session's points as stored, read as plain rows (a hundred ORM objects cost more)."""
        t = _POINTS
        columns = [t.c[name] for name in POINT_COLUMNS]
        return points_from(s.execute(select(*columns).where(t.c.session_id == session_id).order_by(t.c.seq)))

    @staticmethod
    def _baseline(s: Session, session_id: int) -> Assessment | None:
        b = s.execute(
            select(AssessmentRow).where(
                AssessmentRow.session_id == session_id, AssessmentRow.time_point == TimePoint.BASELINE.value
            )
        ).scalar_one_or_none()
        return to_assessment(b) if b is not None else None

    def vials_for(self, session: TreatmentSession) -> dict[int, Vial]:
        ids = session.all_vial_ids
        with self.reading() as s:
            return {r.id: to_vial(r) for r in s.execute(select(VialRow).where(VialRow.id.in_(ids))).scalars()}

    # -- safety ---------------------------------------------------------------------------------
    def warnings(self, session: TreatmentSession) -> list[SafetyWarning]:
        """Every contraindication and warning for the session as it stands (acknowledged or not).

        Contraindications come first (``level``): they need a prescriber's name as well as a reason."""
        with self.reading() as s:
            return [w for w in self._warnings(s, session) if w.needs_acknowledgement]

    def safety_review(self, session: TreatmentSession) -> list[SafetyWarning]:
        """Every safety rule that applies, information included (such as 'allergies not recorded')."""
        with self.reading() as s:
            return self._warnings(s, session)

    def _warnings(self, s: Session, session: TreatmentSession) -> list[SafetyWarning]:
        vials = {
            r.id: to_vial(r)
            for r in s.execute(select(VialRow).where(VialRow.id.in_(session.all_vial_ids))).scalars()
        }
        products = {r.id: to_product(r) for r in s.execute(select(ProductRow)).scalars()}
        patient_row = s.get(PatientRow, session.patient_id)
        if patient_row is None:
            raise NotFoundError(f"No patient with id {session.patient_id}")
        zone = clinic_zone(s)
        used = {v.product_id: products[v.product_id] for v in vials.values()}
        prior = self._prior_units(s, session, used, zone)
        return safety_warnings(
            session,
            to_patient(patient_row),
            vials,
            products,
            prior_units=prior,
            zone_name=zone,
            earlier_toxins=self._earlier_toxins(s, session, products, zone),
        ) + order_warnings(session, patient_orders(s, session.patient_id), vials, products, zone)

    def _earlier_toxins(
        self, s: Session, session: TreatmentSession, products: dict, zone: str
    ) -> list[EarlierToxin]:
        """The patient's signed sessions (any product) in the 3 calendar months before or after this one."""
        day = local_date(session.performed_at, zone)
        since = start_of_day(add_months(day, -3), zone)
        until = start_of_day(add_months(day, 3) + timedelta(days=1), zone)
        stmt = (
            select(SessionRow.id, SessionRow.performed_at, VialRow.product_id, PointRow.units)
            .join(PointRow, PointRow.session_id == SessionRow.id)
            .join(VialRow, PointRow.vial_id == VialRow.id)
            .where(
                SessionRow.patient_id == session.patient_id,
                SessionRow.status == SessionStatus.SIGNED.value,
                SessionRow.performed_at >= since,
                SessionRow.performed_at < until,
                current_versions(),
                *other_chains(s, session),
            )
        )
        units: dict[tuple[int, int], float] = {}
        days: dict[int, Any] = {}
        for sid, at, pid, u in s.execute(stmt):
            units[(sid, pid)] = units.get((sid, pid), 0.0) + u
            days[sid] = local_date(at, zone)
        return [
            EarlierToxin(sid, days[sid], products[pid].brand if pid in products else "?", total)
            for (sid, pid), total in units.items()
        ]

    def _prior_units(
        self, s: Session, session: TreatmentSession, products: dict, zone: str
    ) -> dict[int, float]:
        """Units per product (of ``products``: those the session uses) the patient had in other signed
        sessions within one of that product's periods with this session: before it or after it
        (``most_in_a_period``). For a limit per session (Xeomin's 400 U), the other sessions of the same
        clinic day: a treatment charted as two sessions minutes apart is one dose to the patient."""
        out: dict[int, float] = {}
        day = local_date(session.performed_at, zone)
        for pid, prod in products.items():
            if prod.max_dose_units is None:
                continue
            per_session = dose_period(prod) is None
            if per_session:
                since, until = day_range(day, day, zone)
            else:  # the clinic's days: from the first that may share a period with this one, to its last
                since, until = day_range(period_start(prod, day), period_end(prod, day), zone)
            stmt = (
                select(SessionRow.performed_at, PointRow.units)
                .join(SessionRow)
                .join(VialRow, PointRow.vial_id == VialRow.id)
                .where(
                    SessionRow.patient_id == session.patient_id,
                    SessionRow.status == "signed",
                    SessionRow.performed_at >= since,
                    SessionRow.performed_at < until,
                    VialRow.product_id == pid,
                    current_versions(),
                )
            )
            if session.id is not None:
                root = s.get(SessionRow, session.id)
                chain = root.root_id if root is not None else None
                stmt = stmt.where(SessionRow.id != session.id)
                if chain is not None:
                    stmt = stmt.where(SessionRow.root_id != chain)
            found = [(local_date(at, zone), float(u)) for at, u in s.execute(stmt)]
            total = (
                sum(u for _, u in found)
                if per_session
                else most_in_a_period(day, found, partial(period_end, prod))
            )
            if total:
                out[pid] = float(total)
        return out

    def vial_draws(self, session: TreatmentSession) -> list[VialDraw]:
        """Live, before signing: how much of each vial is left counting signed sessions and open drafts."""
        from .vial_draws import VialDrawService

        return VialDrawService(self._ctx).draws(session)

    def shortfalls(self, session: TreatmentSession) -> list[VialShortfall]:
        """Vials this session would overdraw counting only signed sessions (drafts are not authoritative)."""
        from .vial_draws import VialDrawService

        with self.reading() as s:
            vials = {
                r.id: to_vial(r)
                for r in s.execute(select(VialRow).where(VialRow.id.in_(session.all_vial_ids))).scalars()
            }
            drawn = VialDrawService.signed_units(s, session)
        return vial_shortfalls(session, vials, drawn)

    # -- drafts ---------------------------------------------------------------------------------
    def _chart_rights(self) -> FoldedRights:
        """The charting user, their rights of now to be checked inside the save's own transaction
        (``_checked``: one statement there, not a read transaction of its own before it); checked at once,
        as ``actor`` checks them, when the role they signed in with may not chart at all (the reason they
        are refused is then the same) or they act through an access token."""
        actor = self._ctx.actor
        if actor is None or not actor.can(Action.CHART):
            return FoldedRights(self._ctx, self.actor(Action.CHART), checked=True)
        return FoldedRights(self._ctx, actor)

    def save_draft(self, session: TreatmentSession) -> TreatmentSession:
        """Create or update a draft with its points, baseline and acknowledgements: one transaction.

        A new amendment is not made here: ``start_amendment`` begins it (the original signed and not yet
        amended, a reason, its injector kept, the right to amend it), and a new draft that names an
        original (``amends_id``) is refused."""
        return self._save_draft(session)

    def _save_draft(self, session: TreatmentSession, *, amending: bool = False) -> TreatmentSession:
        """``save_draft``; ``amending``: ``start_amendment``'s new amendment, whose rules are checked again
        inside the write (another workstation may have amended the original since they were read)."""
        rights = self._chart_rights()
        try:
            with self.writing() as s:
                # One statement reads the user's role of now, the vials (validated in the write
                # transaction: those the points are then written against) and a new draft's checks.
                new_draft = session.id is None
                reads = read_for_save(
                    s.connection(),
                    rights.actor.user_id,
                    session.all_vial_ids,
                    patient_id=session.patient_id if new_draft else None,
                    consent_by=self.now() if new_draft and session.amends_id is None else None,
                )
                if not rights.checked:
                    rights.verify(reads.role_now)  # before anything else read is used
                actor = rights.actor
                validate_session(session, reads.vials)
                before: SavedDraft | None = None
                parts: dict[str, str] = {}
                baseline: AssessmentRow | Assessment | None
                if session.id is None:
                    row, baseline, points = self._create_draft(s, session, actor, reads, amending=amending)
                    old: dict[str, Any] = {}
                    acks_before: set[int] = set()
                else:
                    row, before, parts = self._editable_row(s, session, actor)
                    old = self._audit_view(s, row, before=before)
                    acks_before = {a.id for a in row.acknowledgements}
                    baseline, points = self._write_content(s, row, session, actor, before)
                    s.flush()
                # On PostgreSQL the reports' upserts wait in ``deferred``, to go with the state's reads
                # below (or on their own when no entry is written): no round trip of their own.
                deferred: list[Statement] = []
                self._refresh_reports(
                    s, row.id, session, before, old.get("vials", []), baseline, points, reads, deferred
                )
                new = self._audit_view(s, row, written=replace(session, points=points))
                changes = audit.diff(old, new)
                row_hash = None
                if session.id is None or changes:
                    if session.id is not None:  # a new row says so from its insert (_create_draft)
                        row.updated_at = self.now()
                        row.updated_by_id = actor.user_id
                    # The state the entry records: the points as just written, the parts this save left
                    # as they were as read at its start (this transaction's own reading), the rest read.
                    if before is not None and points == before.points and _POINTS.name in parts:
                        # the points stored at the start, left as they were: the tamper check hashed the
                        # same rows, so its digest is theirs (not made again)
                        known = {_POINTS.name: parts[_POINTS.name]}
                    else:
                        known = stored_digest(row.id, points)
                    if known and session.id is None:
                        known |= new_draft_digests(
                            row.id,
                            list(session.all_vial_ids),
                            bool(session.acknowledgements),
                            session.screening is not None,
                        )
                    if known and parts:
                        untouched = _kept_parts(old, session, acks_before, row, before, baseline)
                        known |= {table: parts[table] for table in untouched if table in parts}
                    # The trail's head locked with the same round trip as the state's reads (PostgreSQL:
                    # pipelined), then the entry appended at once.
                    row_hash, _, (*_, head) = audit_state.state_hash_parts_with(
                        s, "session", row.id, known=known, before=[*deferred, audit.LOCK_HEAD]
                    )
                    deferred = []
                    audit.record(
                        s,
                        actor,
                        AuditAction.CREATE if session.id is None else AuditAction.UPDATE,
                        "session",
                        row.id,
                        patient_id=row.patient_id,
                        changes=changes,
                        state=row_hash,
                        head=head[0],
                    )
                    if amending:  # the original says so in the same transaction: never one without the other
                        audit.record(
                            s,
                            actor,
                            AuditAction.AMEND,
                            "session",
                            session.amends_id,
                            patient_id=row.patient_id,
                            changes={
                                "amended_by": [None, row.id],
                                "reason": [None, session.amendment_reason],
                            },
                        )
                if deferred:
                    run_all(s.connection().connection.driver_connection, deferred)
                s.flush()
                # As stored: the baseline row just flushed and the points as written with their ids
                # (``as_stored``: what reading them back would give), neither read again.
                stored_baseline = to_assessment(baseline) if isinstance(baseline, AssessmentRow) else baseline
                result = to_session(row, stored_baseline, points)
        except StaleDataError as e:
            raise ConcurrentEditError(
                "This session was saved elsewhere while you were editing it. "
                "Reopen it to see the other changes."
            ) from e
        assert result.id is not None
        # After the commit only. A save that changed nothing wrote no entry: nothing to trust next time.
        kept = result.baseline
        if kept is not None:
            kept = assessment_as_stored(kept, kept.id, kept.assessor_id)
        self._saved.remember(
            result.id, SavedDraft(result.version, row_hash, points, kept) if row_hash else None
        )
        return result

    @staticmethod
    def _refresh_reports(
        s: Session,
        session_id: int,
        session: TreatmentSession,
        before: SavedDraft | None,
        vials_before: list[int],
        baseline: AssessmentRow | Assessment | None,
        points: tuple[InjectionPoint, ...],
        reads: SaveReads,
        defer: list[Statement],
    ) -> None:
        """Keep the reports' derived tables true after a draft's save: only what it changed
        (``report_rollup.refresh_draft``) when what it stored before is known (a new draft, or a trusted
        ``before``); the whole chain again otherwise, and for an amendment's first save (its original
        then leaves the sums). ``reads``: the vials and time zone the save read; ``defer``: where
        ``refresh_draft`` leaves PostgreSQL's upserts, for the caller to run before it commits."""
        if (session.id is None and session.amends_id is not None) or (
            session.id is not None and before is None
        ):
            report_rollup.refresh(s, [session_id])
            return
        if before is None:  # a new draft: no follow-ups on its chain yet, so no outcome rows
            drawn_changed, baseline_changed = True, False
        else:
            drawn_changed = _drawn(points) != _drawn(before.points)
            if before.baseline is None:
                baseline_changed = session.baseline is not None
            else:
                baseline_changed = baseline is not before.baseline  # the remembered one: kept as stored
        vials_after = list(session.all_vial_ids)
        vials = set(vials_before) | set(vials_after) if drawn_changed or vials_before != vials_after else ()
        known = {
            v.id: (v.reconstituted_at, v.product_id, v.lot_number, v.opened_by_id)
            for v in reads.vials.values()
            if v.id is not None
        }
        report_rollup.refresh_draft(
            s,
            session_id,
            points=drawn_changed,
            baseline=baseline_changed,
            vials=vials,
            known=known,
            zone=reads.time_zone,
            defer=defer,
        )

    def _create_draft(
        self, s: Session, session: TreatmentSession, actor: Actor, reads: SaveReads, *, amending: bool = False
    ) -> tuple[SessionRow, AssessmentRow | None, tuple[InjectionPoint, ...]]:
        """Write a new draft: its row, points, vial links, acknowledgements (each with its entry),
        screening and baseline, with plain statements (``draft_rows``). Returns the session's row as written,
        transient (never added to ``s``: what the ORM would have held after its flush, for the entry and the
        result), the baseline row as written (None: none) and the points as stored. ``reads``: its patient
        and consent as the save's first statement read them."""
        conn = s.connection()
        if not reads.patient_found:
            raise ValidationError(FieldError("patient_id", "Choose an existing patient"))
        if session.injector_id != actor.user_id and session.amends_id is None:
            raise PermissionDenied("A session is charted by the signed-in injector")
        if session.amends_id is None:
            check_for_new_session(s, session.patient_id, reads.consent_by or self.now(), reads.newest_consent)
            root_id = None
        elif not amending:
            raise ValidationError(
                FieldError(
                    "amends_id",
                    "An amendment is begun from the signed session, with its reason (Amend…); "
                    "it cannot be saved as a new draft",
                )
            )
        else:
            root_id = self._amendable_root(s, session, actor)
        now = self.now()
        values = session_values(session) | {
            "status": SessionStatus.DRAFT.value,
            "created_at": now,
            # who saved it last, and when: said at once
            "updated_at": now,
            "updated_by_id": actor.user_id,
            "amends_id": session.amends_id,
            "amendment_reason": session.amendment_reason,
            "version": 1,
        }
        own_root = session.amends_id is None
        sid = draft_rows.insert_session(conn, values, root_id, own_root=own_root)
        vial_ids = list(session.all_vial_ids)
        if conn.dialect.name == "postgresql":  # the vial links go in the points' round trip
            links = draft_rows.link_statements("%s", sid, vial_ids)
            points = write_points(s, sid, session.points, None, new_session=True, also=links)
        else:
            points = write_points(s, sid, session.points, None, new_session=True)
            draft_rows.insert_links(conn, sid, vial_ids)
        acks = [
            {
                "kind": str(ack.kind),
                "subject": ack.subject,
                "reason": ack.reason,
                "user_id": actor.user_id,
                "at": now,
                "fingerprint": ack.fingerprint,
                "facts": ack.facts,
                "prescriber": ack.prescriber,
            }
            for ack in session.acknowledgements
        ]
        draft_rows.insert_acknowledgements(conn, sid, acks)
        for ack in session.acknowledgements:
            self._record_acknowledgement(s, actor, sid, session.patient_id, ack)
        screening = None
        if session.screening is not None:
            screened = screening_values(session.screening)
            draft_rows.insert_screening(conn, sid, screened)
            screening = SessionScreeningRow(session_id=sid, **screened)
        baseline = None
        if session.baseline is not None:
            b = session.baseline
            assessed = {
                "session_id": sid,
                **assessment_values(b),
                "assessor_id": b.assessor_id or actor.user_id,
                "created_at": now,
            }
            baseline = AssessmentRow(id=draft_rows.insert_assessment(conn, assessed), **assessed)
        row = SessionRow(
            id=sid,
            root_id=sid if own_root else root_id,
            **{c: values.get(c) for c in draft_rows.ROW_COLUMNS},
            vial_links=[SessionVialRow(session_id=sid, vial_id=v, seq=i) for i, v in enumerate(vial_ids)],
            acknowledgements=[AcknowledgementRow(session_id=sid, **a) for a in acks],
            screening=screening,
        )
        return row, baseline, points

    @staticmethod
    def _record_acknowledgement(
        s: Session, actor: Actor, session_id: int, patient_id: int, ack: Acknowledgement
    ) -> None:
        """The entry of a warning acknowledged by a save: which, why, on what facts, on whose order."""
        changes: dict[str, list[Any]] = {
            "warning": [None, f"{ack.kind}:{ack.subject}"],
            "reason": [None, ack.reason],
            "facts": [None, ack.facts],
        }
        if ack.prescriber:
            changes["prescriber"] = [None, ack.prescriber]
        audit.record(
            s, actor, AuditAction.ACKNOWLEDGE, "session", session_id, patient_id=patient_id, changes=changes
        )

    def _editable_row(
        self, s: Session, session: TreatmentSession, actor: Actor
    ) -> tuple[SessionRow, SavedDraft | None, dict[str, str]]:
        """The draft's row, locked, checked editable by ``actor`` at ``session.version``; with what the last
        save here stored when it is still what is stored (``SavedDrafts.trusted``), else None; and the
        digests of its state hash's parts as stored now (``audit_state.state_hash_parts``)."""
        # PostgreSQL: a concurrent saver waits (the session's row is locked: FOR UPDATE OF it alone, as
        # its children come in the same statement by outer joins, one statement instead of four). The
        # points are read apart, as plain rows (_audit_view), or not at all (``SavedDrafts``).
        row = s.get(SessionRow, session.id, with_for_update={"of": SessionRow}, options=_EDITED)
        if row is None:
            raise NotFoundError(f"No session with id {session.id}")
        if row.status != SessionStatus.DRAFT.value:
            raise SignedRecordError("This session is signed and cannot be edited. Add an amendment instead.")
        if row.injector_id != actor.user_id and row.updated_by_id != actor.user_id:
            raise PermissionDenied("Only the injector who charts a session may edit its draft")
        if row.version != session.version:
            who = s.get(UserRow, row.updated_by_id) if row.updated_by_id else None
            name = who.full_name if who else "someone else"
            raise ConcurrentEditError(
                f"This session was changed by {name} at {row.updated_at:%Y-%m-%d %H:%M} UTC after you opened "
                "it. Your changes were not saved over theirs; reopen it to see them.",
                by=name,
                at=row.updated_at,
            )
        if row.patient_id != session.patient_id:
            raise ValidationError(FieldError("patient_id", "A session cannot be moved to another patient"))
        live, parts = _require_unaltered(s, row.id, "saved")
        return row, self._saved.trusted(row.id, row.version, live), parts

    def _write_content(
        self,
        s: Session,
        row: SessionRow,
        session: TreatmentSession,
        actor: Actor,
        before: SavedDraft | None = None,
    ) -> tuple[AssessmentRow | Assessment | None, tuple[InjectionPoint, ...]]:
        """Write a saved draft's content into its ``row`` (a new draft's: ``_create_draft``): the baseline
        row written (None: no baseline; the remembered ``Assessment`` when it was kept as stored) and the
        points as stored. ``before``: what the last save stored, trusted (only changed points are written;
        an unchanged baseline is kept)."""
        values = session_values(session)
        values.pop("injector_id")
        values.pop("patient_id")
        for k, v in values.items():
            setattr(row, k, v)
        points = write_points(s, row.id, session.points, before.points if before else None)
        # ``row.points`` is expired, so a later read in this transaction sees the points written.
        s.expire(row, ["points"])
        vial_ids = list(session.all_vial_ids)
        if [link.vial_id for link in row.vial_links] != vial_ids:
            row.vial_links = [SessionVialRow(vial_id=vid, seq=i) for i, vid in enumerate(vial_ids)]
        existing = {(a.kind, a.subject, a.fingerprint): a for a in row.acknowledgements}
        acks = []
        for ack in session.acknowledgements:
            kept = existing.get((str(ack.kind), ack.subject, ack.fingerprint))
            if kept is not None and (kept.reason, kept.prescriber) == (ack.reason, ack.prescriber):
                acks.append(kept)
                continue
            acks.append(
                AcknowledgementRow(
                    kind=str(ack.kind),
                    subject=ack.subject,
                    reason=ack.reason,
                    user_id=actor.user_id,
                    at=self.now(),
                    fingerprint=ack.fingerprint,
                    facts=ack.facts,
                    prescriber=ack.prescriber,
                )
            )
            self._record_acknowledgement(s, actor, row.id, row.patient_id, ack)
        row.acknowledgements = acks
        if session.screening is None:
            row.screening = None
        else:
            values = screening_values(session.screening)
            if row.screening is None:
                row.screening = SessionScreeningRow(**values)
            else:
                for k, v in values.items():
                    setattr(row.screening, k, v)
        stored = before.baseline if before is not None else None
        if session.baseline is not None and stored is not None:
            b = session.baseline
            if assessment_as_stored(b, stored.id, b.assessor_id or actor.user_id) == stored:
                return stored, points  # stored as it stands: not deleted and written again
        s.execute(
            delete(AssessmentRow).where(
                AssessmentRow.session_id == row.id, AssessmentRow.time_point == TimePoint.BASELINE.value
            )
        )
        if session.baseline is None:
            return None, points
        b = session.baseline
        baseline = AssessmentRow(
            session_id=row.id,
            **assessment_values(b),
            assessor_id=b.assessor_id or actor.user_id,
            created_at=self.now(),
        )
        s.add(baseline)
        return baseline, points

    def _audit_view(
        self,
        s: Session,
        row: SessionRow,
        written: TreatmentSession | None = None,
        before: SavedDraft | None = None,
    ) -> dict[str, Any]:
        """The session as its audit entries record it. ``written``: the session just written into ``row``,
        whose points (as stored) and baseline are taken as written (what ``_stored_points`` and
        ``_baseline`` would read back: signing compares the two, ``_check_reviewed``) instead of being read
        again. ``before``: the last save's points, trusted as stored (``SavedDrafts.trusted``)."""
        if written is not None:
            points = written.points
        else:
            points = before.points if before is not None else self._stored_points(s, row.id)
        stored = to_session(row, None, points)
        view = dict(session_values(stored))
        view["points"] = point_audit(points)
        view["vials"] = [link.vial_id for link in row.vial_links]
        # With the facts acknowledged: a warning acknowledged again because its facts changed (the same
        # reason) is a change of the session, recorded with the state it leaves.
        view["acknowledgements"] = [
            [a.kind, a.subject, a.reason, a.prescriber, a.facts] for a in row.acknowledgements
        ]
        screening = stored.screening
        view["screening"] = screening_values(screening) if screening is not None else None
        if written is not None:
            base = written.baseline
        else:
            base = before.baseline if before is not None else self._baseline(s, row.id)
        view["baseline"] = assessment_values(base) if base else None
        return view

    def delete_draft(self, session_id: int, version: int, *, reason: str | None = None) -> None:
        """Delete a draft as the user saw it (``version``); refused if it was saved elsewhere since.

        ``reason``: why the nurse discards it (the session window asks); recorded with the deletion."""
        actor = self.actor(Action.CHART)
        if reason is not None:
            require_reason(reason, "Why the draft is discarded")
        with self.writing() as s:
            row = s.get(SessionRow, session_id, with_for_update=True)  # PostgreSQL: a concurrent saver waits
            if row is None:
                raise NotFoundError(f"No session with id {session_id}")
            if row.status != SessionStatus.DRAFT.value:
                raise SignedRecordError("A signed session cannot be deleted")
            own_amendment = row.amends_id is not None and row.updated_by_id == actor.user_id
            if row.injector_id != actor.user_id and not own_amendment:
                raise PermissionDenied("Only the injector who charts a session may delete its draft")
            if row.version != version:
                raise _changed_since(s, row.id, "it was not deleted. Reopen it to see their changes.")
            _require_unaltered(s, row.id, "deleted")
            old = self._audit_view(s, row)
            patient_id = row.patient_id
            s.execute(delete(AssessmentRow).where(AssessmentRow.session_id == row.id))
            s.delete(row)
            report_rollup.refresh(s, [session_id])
            audit.record(
                s,
                actor,
                AuditAction.DELETE,
                "session",
                session_id,
                patient_id=patient_id,
                changes=audit.diff(old, {}) | ({"reason": [None, reason.strip()]} if reason else {}),
            )

    @staticmethod
    def _view_of(session: TreatmentSession) -> dict[str, Any]:
        """What the signer reviewed, in the same form as ``_audit_view`` of the stored session."""
        view = dict(session_values(session))
        view["points"] = point_audit(list(session.points))
        view["vials"] = list(session.all_vial_ids)
        view["acknowledgements"] = [
            [str(a.kind), a.subject, a.reason, a.prescriber, a.facts] for a in session.acknowledgements
        ]
        screening = session.screening
        view["screening"] = screening_values(screening) if screening is not None else None
        view["baseline"] = assessment_values(session.baseline) if session.baseline else None
        return view

    # -- signing --------------------------------------------------------------------------------
    def sign(
        self, session_id: int, password: str, *, reviewed: TreatmentSession | None = None
    ) -> TreatmentSession:
        """Re-check the password, require a complete chart with every warning acknowledged, then lock it.

        ``reviewed`` is the session as the signer saw it: exactly that version and content is signed; if
        another workstation saved the draft since (or it was changed behind the application), signing is
        refused, saying who changed what and when. Without it, the version read at the start is signed."""
        from .auth import AuthService

        actor = self.actor(Action.SIGN)
        if not AuthService(self._ctx).verify_password(password):
            raise ValidationError(
                FieldError("password", "Password is not correct; the session was not signed")
            )
        current = self.get(session_id)
        if current.status != SessionStatus.DRAFT:
            raise SignedRecordError("This session is already signed")
        if current.injector_id != actor.user_id and not (current.amends_id and actor.role != Role.INJECTOR):
            raise PermissionDenied("Only the administering injector may sign this session")
        validate_for_signing(current)
        shortfalls = self.shortfalls(current)
        if shortfalls:
            raise ValidationError([FieldError("points", sf.message) for sf in shortfalls])
        with self.writing() as s:
            missing = unacknowledged(current, self._warnings(s, current))
            if missing:
                raise UnacknowledgedWarnings(missing)
            if current.amends_id is None:
                check_for_signing(s, current.patient_id, self.now())
            row = s.get(SessionRow, session_id, with_for_update=True)
            assert row is not None
            self._check_reviewed(s, row, reviewed or current)
            row.signed_at = self.now()
            row.signed_by_id = actor.user_id
            row.signature_meaning = AMENDMENT_MEANING if row.amends_id else SIGNATURE_MEANING
            # the content signed (the signature's columns in it) hashed while the row is still a draft,
            # then signed with its hash in one change: on PostgreSQL a signed row is never changed again,
            # even in the transaction that signed it (db/pg_roles.py)
            row.content_hash = session_content_hash(row, s)
            row.status = SessionStatus.SIGNED.value
            s.flush()
            report_rollup.touch(s, [row.id])  # it joins the reports: their day sums of its chain
            audit.record(
                s,
                actor,
                AuditAction.SIGN,
                "session",
                row.id,
                patient_id=row.patient_id,
                changes={
                    "status": ["draft", "signed"],
                    "content_hash": [None, row.content_hash],
                    "meaning": [None, row.signature_meaning],
                },
            )
            queue_if_chosen(s, row, actor, self.now())
            result = self._load(s, row.id)
        return result

    def _check_reviewed(self, s: Session, row: SessionRow, reviewed: TreatmentSession) -> None:
        """Refuse to sign anything but the version and content the signer reviewed."""
        if row.status != SessionStatus.DRAFT.value:
            raise _changed_since(s, row.id, "it is already signed.")
        stored = self._audit_view(s, row)
        differs = audit.diff(self._view_of(reviewed), stored)
        if row.version != reviewed.version or differs:
            what = ", ".join(k.replace("_", " ") for k in differs) or "its content"
            raise _changed_since(
                s,
                row.id,
                f"{what} changed after you reviewed it. It was not signed: review it again and sign.",
            )
        _require_unaltered(s, row.id, "signed")

    @staticmethod
    def _refuse_amendment(actor: Actor, status: str, injector_id: int, amended: bool) -> None:
        """Why ``actor`` may not amend a session of this ``status`` and injector (``amended``: it has an
        amendment already), raised; nothing when they may."""
        if status != SessionStatus.SIGNED.value:
            raise ValidationError(
                FieldError("session", "Only a signed session is amended; edit the draft instead")
            )
        if injector_id != actor.user_id and actor.role == Role.INJECTOR:
            raise PermissionDenied("Only the administering injector or a manager may amend this session")
        if amended:
            raise ValidationError(FieldError("session", "This session already has an amendment; amend that"))

    def _amendable_root(self, s: Session, session: TreatmentSession, actor: Actor) -> int | None:
        """The chain of the original ``session`` amends, once its rules hold in this write: the original
        (its amending locked on PostgreSQL until the commit, so that two workstations cannot both amend
        it) is signed and not yet amended, ``actor`` may amend it, and the draft keeps its patient and
        injector. (The right to amend and the reason, which cannot change meanwhile, ``start_amendment``
        checked.)"""
        if s.get_bind().dialect.name == "postgresql":  # SQLite's writers take turns already
            # a lock on the amending of this session, not on its row: a signed row is never locked for
            # change by a workstation's own login role (db/pg_roles.py), and it is not changed here
            s.execute(select(func.pg_advisory_xact_lock(AMENDING_LOCK, session.amends_id)))
        original = s.execute(
            select(
                SessionRow.status, SessionRow.injector_id, SessionRow.patient_id, SessionRow.root_id
            ).where(SessionRow.id == session.amends_id)
        ).first()
        if original is None:
            raise ValidationError(FieldError("amends_id", "The session to amend does not exist"))
        amended = s.execute(select(SessionRow.id).where(SessionRow.amends_id == session.amends_id)).first()
        self._refuse_amendment(actor, original.status, original.injector_id, amended is not None)
        if (session.patient_id, session.injector_id) != (original.patient_id, original.injector_id):
            raise ValidationError(
                FieldError("injector_id", "An amendment keeps the original's patient and injector")
            )
        return cast(int | None, original.root_id)

    def start_amendment(self, session_id: int, reason: str) -> TreatmentSession:
        """Open a draft amendment: a copy of the signed session, linked to it.

        The original stays exactly as it was signed; its 'amend' entry (who, why, which draft) is written in
        the draft's own transaction, so that neither is ever stored without the other."""
        actor = self.actor(Action.AMEND)
        require_reason(reason, "Amendment reason")
        original = self.get(session_id)
        # before a copy is made; whether it is amended already is read once, in the write
        self._refuse_amendment(actor, original.status.value, original.injector_id, amended=False)
        draft = replace(
            original,
            id=None,
            version=0,
            status=SessionStatus.DRAFT,
            amends_id=session_id,
            amendment_reason=reason,
            injector_id=original.injector_id,  # who treated the patient does not change; the amender signs
            baseline=replace(original.baseline, id=None) if original.baseline else None,
        )
        return self._save_draft(draft, amending=True)

    def acknowledge(
        self, session: TreatmentSession, warning: SafetyWarning, reason: str, prescriber: str = ""
    ) -> TreatmentSession:
        """Return the session with ``warning`` acknowledged as it stands now (saved with the next save).

        The acknowledgement carries the warning's facts: if they change, the warning is open again.
        A contraindication also needs the prescriber's name."""
        require_reason(reason)
        if warning.needs_prescriber:
            require_reason(prescriber, "Prescriber")
        acks = tuple(a for a in session.acknowledgements if (a.kind, a.subject) != warning.key)
        ack = Acknowledgement(
            warning.kind,
            warning.subject,
            reason,
            fingerprint=warning.fingerprint,
            facts=warning.facts_text,
            prescriber=prescriber.strip(),
        )
        return replace(session, acknowledgements=acks + (ack,))
