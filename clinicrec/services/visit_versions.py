"""A visit and its versions: the session as first signed and each amendment, with what each one changed.

An amendment is a new session row linked to the one it corrects (``amends_id``; all versions share the
original's ``root_id``), so the patient's chart shows one visit, not one card per version. What an
amendment changed is the difference between it and the version it amends, field by field, in the
clinic's words: ``session_changes`` is a pure function of the two sessions (tested without a database);
``load_versions`` reads a visit's versions for ``RecordService.visit_versions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import AssessmentRow, ProductRow, SessionRow, UserRow, VialRow
from ..domain.clinic_time import format_local
from ..domain.dilution import fmt_units
from ..domain.enums import Indication, SessionStatus, TimePoint, Zone
from ..domain.errors import NotFoundError
from ..domain.models import InjectionPoint, TreatmentSession
from .mapping import to_assessment, to_session

#: Point-by-point changes listed for one amendment; beyond this they are counted.
POINT_CHANGES_LISTED = 12
NONE = "—"


@dataclass(frozen=True)
class FieldChange:
    """One field an amendment changed: its name as the chart says it, before and after."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class SessionVersion:
    """One version of a visit: the original (number 0) or an amendment (1, 2, ...)."""

    session_id: int
    number: int
    status: SessionStatus
    at: datetime  # signed at; for a draft, when it was started
    author: str  # who signed it (who started it, for a draft)
    reason: str = ""  # the amendment's reason; "" for the original
    changes: tuple[FieldChange, ...] = ()

    @property
    def label(self) -> str:
        return version_label(self.number)


def version_label(number: int) -> str:
    """'Original', 'Amendment 1', 'Amendment 2' ..."""
    return "Original" if number == 0 else f"Amendment {number}"


def _text(value: object) -> str:
    return NONE if value in (None, "") else str(value)


def _count(n: int) -> str:
    return f"{n} point{'s' * (n != 1)}"


def _point_text(p: InjectionPoint, vial_names: Mapping[int, str]) -> str:
    text = f"{Zone(p.zone).label}, {fmt_units(p.units)} from {vial_names.get(p.vial_id, 'a vial')}"
    return text + (f", note: {p.note}" if p.note else "")


def _points_changes(
    before: Sequence[InjectionPoint], after: Sequence[InjectionPoint], vial_names: Mapping[int, str]
) -> list[FieldChange]:
    out: list[FieldChange] = []
    totals_before: dict[int, float] = {}
    totals_after: dict[int, float] = {}
    for p in before:
        totals_before[p.vial_id] = totals_before.get(p.vial_id, 0.0) + p.units
    for p in after:
        totals_after[p.vial_id] = totals_after.get(p.vial_id, 0.0) + p.units
    if len(before) != len(after):
        out.append(FieldChange("Points", _count(len(before)), _count(len(after))))
    for vial_id in dict.fromkeys([*totals_before, *totals_after]):
        was, now = totals_before.get(vial_id), totals_after.get(vial_id)
        if was is None or now is None or round(was, 6) != round(now, 6):
            name = vial_names.get(vial_id, "a vial")
            out.append(
                FieldChange(
                    f"Units from {name}",
                    fmt_units(round(was, 6)) if was is not None else NONE,
                    fmt_units(round(now, 6)) if now is not None else NONE,
                )
            )
    if len(before) == len(after):
        moved = [
            (n, b, a)
            for n, (b, a) in enumerate(zip(before, after, strict=True), start=1)
            if (b.zone, b.vial_id, b.units, b.volume_ml, b.note, b.x, b.y)
            != (a.zone, a.vial_id, a.units, a.volume_ml, a.note, a.x, a.y)
        ]
        for n, b, a in moved[:POINT_CHANGES_LISTED]:
            if replace(b, note=a.note, id=a.id) == a:  # only its note changed
                out.append(FieldChange(f"Point {n} note", _text(b.note), _text(a.note)))
                continue
            old_text, new_text = _point_text(b, vial_names), _point_text(a, vial_names)
            if old_text == new_text:
                old_text, new_text = f"{old_text} (at another place on the map)", f"{new_text} (moved)"
            out.append(FieldChange(f"Point {n}", old_text, new_text))
        if len(moved) > POINT_CHANGES_LISTED:
            more = len(moved) - POINT_CHANGES_LISTED
            out.append(FieldChange("Points", "", f"{more} more point{'s' * (more != 1)} changed"))
    return out


def session_changes(
    before: TreatmentSession,
    after: TreatmentSession,
    vial_names: Mapping[int, str] | None = None,
    when: Callable[[datetime], str] = lambda t: f"{t:%Y-%m-%d %H:%M}",
) -> list[FieldChange]:
    """What ``after`` (an amendment) changed from ``before`` (the version it amends), in chart order."""
    names = vial_names or {}
    out: list[FieldChange] = []

    def field(label: str, was: object, now: object) -> None:
        if was != now:
            out.append(FieldChange(label, _text(was), _text(now)))

    field("Date and time", when(before.performed_at), when(after.performed_at))
    bc, ac = before.consent, after.consent
    field("Consent form", bc.form_version if bc else None, ac.form_version if ac else None)
    field("Consent obtained by", bc.obtained_by if bc else None, ac.obtained_by if ac else None)
    field(
        "Consent signed",
        when(bc.consented_at) if bc else None,
        when(ac.consented_at) if ac else None,
    )
    field(
        "Indications",
        ", ".join(Indication(i).label for i in sorted(before.indications)),
        ", ".join(Indication(i).label for i in sorted(after.indications)),
    )
    field("Prescriber", before.prescriber, after.prescriber)
    field("Order reference", before.order_reference, after.order_reference)
    field(
        "Needle",
        f"{before.needle_gauge} G" if before.needle_gauge else None,
        f"{after.needle_gauge} G" if after.needle_gauge else None,
    )
    field("Depth", before.depth.label if before.depth else None, after.depth.label if after.depth else None)
    field("Notes", before.notes, after.notes)
    field(
        "Vials",
        ", ".join(names.get(v, f"vial {v}") for v in before.all_vial_ids),
        ", ".join(names.get(v, f"vial {v}") for v in after.all_vial_ids),
    )
    out += _points_changes(before.points, after.points, names)
    bb, ab = before.baseline, after.baseline
    for measure in ("pores", "oil", "redness"):
        field(
            f"Baseline {measure}",
            getattr(bb, measure) if bb else None,
            getattr(ab, measure) if ab else None,
        )
    field("Baseline notes", bb.notes if bb else None, ab.notes if ab else None)
    acks_before = {(a.subject, a.reason) for a in before.acknowledgements}
    acks_after = {(a.subject, a.reason) for a in after.acknowledgements}
    for subject, reason in sorted(acks_after - acks_before):
        out.append(FieldChange("Warning acknowledged", NONE, f"{subject}: {reason}"))
    for subject, reason in sorted(acks_before - acks_after):
        out.append(FieldChange("Warning acknowledged", f"{subject}: {reason}", NONE))
    return out


def versions_of(
    chain: Sequence[SessionRow],
    user_names: Mapping[int, str],
    changes: Mapping[int, tuple[FieldChange, ...]] | None = None,
) -> tuple[SessionVersion, ...]:
    """A visit's rows (oldest first) as its versions; ``changes`` by session id where known."""
    return tuple(
        SessionVersion(
            r.id,
            number,
            SessionStatus(r.status),
            r.signed_at or r.created_at,
            user_names.get(r.signed_by_id or r.updated_by_id or r.injector_id, "?"),
            r.amendment_reason or "",
            (changes or {}).get(r.id, ()),
        )
        for number, r in enumerate(chain)
    )


def load_versions(s: Session, session_id: int, zone_name: str) -> list[SessionVersion]:
    """Every version of the visit ``session_id`` belongs to, oldest first, each amendment with its
    changes from the version it amends."""
    row = s.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"No session {session_id}")
    root = row.root_id or row.id
    rows = (
        s.execute(select(SessionRow).where(SessionRow.root_id == root).order_by(SessionRow.id))
        .scalars()
        .all()
    )
    rows = list(rows) or [row]
    ids = [r.id for r in rows]
    baselines = {
        b.session_id: to_assessment(b)
        for b in s.execute(
            select(AssessmentRow).where(
                AssessmentRow.session_id.in_(ids), AssessmentRow.time_point == TimePoint.BASELINE.value
            )
        ).scalars()
    }
    sessions = {r.id: to_session(r, baselines.get(r.id)) for r in rows}
    vial_ids = {v for sess in sessions.values() for v in sess.all_vial_ids}
    brands = {p.id: p.brand for p in s.execute(select(ProductRow)).scalars()}
    vial_names = {
        v.id: f"{brands.get(v.product_id, 'product')} lot {v.lot_number}"
        for v in s.execute(select(VialRow).where(VialRow.id.in_(vial_ids))).scalars()
    }
    user_ids = {r.signed_by_id or r.updated_by_id or r.injector_id for r in rows}
    users = {u.id: u.full_name for u in s.execute(select(UserRow).where(UserRow.id.in_(user_ids))).scalars()}

    def when(t: datetime) -> str:
        return format_local(t, zone_name, with_zone=False)

    changes = {
        r.id: tuple(session_changes(sessions[r.amends_id], sessions[r.id], vial_names, when))
        for r in rows
        if r.amends_id in sessions
    }
    return list(versions_of(rows, users, changes))
