"""Live vial draws for a draft: signed sessions, other open drafts (named) and this session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import PatientRow, PointRow, ProductRow, SessionRow, UserRow, VialRow
from ..domain.dosing import units_by_vial
from ..domain.enums import SessionStatus
from ..domain.models import TreatmentSession
from ..domain.vial_draws import DraftDraw, VialDraw
from .base import ServiceBase
from .mapping import to_vial
from .permissions import Action
from .queries import current_versions


def other_chains(s: Session, session: TreatmentSession) -> list[Any]:
    """Conditions leaving out this session and every version of its amendment chain."""
    anchor = session.id if session.id is not None else session.amends_id
    if anchor is None:
        return []
    own = s.get(SessionRow, anchor)
    if own is None:
        return []
    out: list[Any] = [SessionRow.id != own.id]
    if own.root_id is not None:
        out.append(SessionRow.root_id != own.root_id)
    return out


class VialDrawService(ServiceBase):
    def draws(self, session: TreatmentSession) -> list[VialDraw]:
        """Each vial of the session: units drawn by signed sessions, by other open drafts, and by this one."""
        self.actor(Action.VIEW_PATIENTS)
        ids = session.all_vial_ids
        if not ids:
            return []
        with self.reading() as s:
            vials = {
                r.id: to_vial(r) for r in s.execute(select(VialRow).where(VialRow.id.in_(ids))).scalars()
            }
            brands = dict(s.execute(select(ProductRow.id, ProductRow.brand)).tuples().all())
            signed = self.signed_units(s, session)
            stmt = (
                select(
                    PointRow.vial_id,
                    SessionRow.id,
                    PatientRow.first_name,
                    PatientRow.last_name,
                    UserRow.full_name,
                    PointRow.units,
                )
                .join(SessionRow, PointRow.session_id == SessionRow.id)
                .join(PatientRow, SessionRow.patient_id == PatientRow.id)
                .join(UserRow, SessionRow.injector_id == UserRow.id)
                .where(
                    PointRow.vial_id.in_(ids),
                    SessionRow.status == SessionStatus.DRAFT.value,
                    *other_chains(s, session),
                )
                .order_by(SessionRow.id)
            )
            drafts: dict[int, dict[int, list[Any]]] = {}
            for vial_id, sid, first, last, injector, units in s.execute(stmt):
                entry = drafts.setdefault(vial_id, {}).setdefault(sid, [f"{last}, {first}", injector, 0.0])
                entry[2] += units
        mine = units_by_vial(session.points)
        return [
            VialDraw(
                vials[vid],
                brands.get(vials[vid].product_id, "?"),
                signed.get(vid, 0.0),
                tuple(DraftDraw(sid, e[0], e[1], e[2]) for sid, e in drafts.get(vid, {}).items()),
                mine.get(vid, 0.0),
            )
            for vid in ids
            if vid in vials
        ]

    @staticmethod
    def signed_units(s: Session, session: TreatmentSession) -> dict[int, float]:
        """Units drawn from the session's vials by signed, current sessions other than this chain."""
        ids = session.all_vial_ids
        stmt = (
            select(PointRow.vial_id, PointRow.units)
            .join(SessionRow, PointRow.session_id == SessionRow.id)
            .where(
                PointRow.vial_id.in_(ids),
                SessionRow.status == SessionStatus.SIGNED.value,
                current_versions(),
                *other_chains(s, session),
            )
        )
        out: dict[int, float] = {}
        for vial_id, units in s.execute(stmt):
            out[vial_id] = out.get(vial_id, 0.0) + units
        return out
