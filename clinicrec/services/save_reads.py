"""What a draft's save reads before it writes, in one statement (issue 17: on PostgreSQL every statement is
a round trip to the server, and a save made five before its first write).

One row of checks (the user's role of now, for ``FoldedRights``; the clinic's time zone, for the reports'
days the save refreshes; for a new draft, whether its patient exists and the patient's newest treatment
consent's status and withdrawal), joined to the vials the points draw from and their additives: one row
per vial and additive, or the one row of checks when there are none. The caller uses nothing read before
the rights are verified, exactly as when the role was read by a statement of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, bindparam, case, exists, literal, select

from ..db.models import ClinicRow, ConsentRow, PatientRow, UserRow, VialAdditiveRow, VialRow
from ..domain.models import Vial
from .consent_rules import newest_treatment
from .mapping import ADDITIVE_COLUMNS, VIAL_COLUMNS, vials_from

_VIAL_TABLE = cast(Table, VialRow.__table__)
_ADDITIVE_TABLE = cast(Table, VialAdditiveRow.__table__)
_CHECKS = ("role_now", "time_zone", "patient_found", "consent_status", "consent_withdrawn_at")


@dataclass(frozen=True)
class SaveReads:
    #: The acting user's role while their account is active; None when deactivated or gone.
    role_now: str | None
    #: The vials asked for, as stored (``mapping.vials_from``).
    vials: dict[int, Vial]
    #: A new draft's: its patient exists.
    patient_found: bool = False
    #: A new original draft's: its patient's newest treatment consent by then (status None: none).
    newest_consent: tuple[str | None, datetime | None] = (None, None)
    #: The time that consent was read for.
    consent_by: datetime | None = None
    #: The clinic's time zone (its reports' days), "UTC" when none is set (``report_days.zone_of``).
    time_zone: str = "UTC"


_STATEMENTS: dict[tuple[bool, bool], Select[Any]] = {}


def _statement(patient: bool, consent: bool) -> Select[Any]:
    key = (patient, consent)
    stmt = _STATEMENTS.get(key)
    if stmt is not None:
        return stmt
    checks: list[Any] = [
        select(case((UserRow.active, UserRow.role), else_=None))
        .where(UserRow.id == bindparam("uid"))
        .scalar_subquery()
        .label("role_now"),
        select(ClinicRow.time_zone).where(ClinicRow.id == 1).scalar_subquery().label("time_zone"),
    ]
    if patient:
        checks.append(exists().where(PatientRow.id == bindparam("pid")).label("patient_found"))
    if consent:
        checks.append(newest_treatment(ConsentRow.status).label("consent_status"))
        checks.append(newest_treatment(ConsentRow.withdrawn_at).label("consent_withdrawn_at"))
    base = select(*checks, literal(1).label("one")).subquery("save_checks")
    v, a = _VIAL_TABLE, _ADDITIVE_TABLE
    stmt = (
        select(
            *(base.c[name] for name in _CHECKS if name in base.c),
            *(v.c[c] for c in VIAL_COLUMNS),
            a.c.id.label("additive_id"),
            *(a.c[c].label("additive_" + c) for c in ADDITIVE_COLUMNS),
        )
        .select_from(
            base.outerjoin(v, v.c.id.in_(bindparam("ids", expanding=True))).outerjoin(
                a, a.c.vial_id == v.c.id
            )
        )
        .order_by(a.c.id)
    )
    _STATEMENTS[key] = stmt
    return stmt


def read_for_save(
    conn: Connection,
    user_id: int,
    vial_ids: Sequence[int],
    *,
    patient_id: int | None = None,
    consent_by: datetime | None = None,
) -> SaveReads:
    """The checks and vials of a save (``patient_id``: a new draft's patient, checked; ``consent_by``: its
    newest treatment consent signed by then is read too)."""
    params: dict[str, Any] = {"uid": user_id, "ids": list(vial_ids)}
    if patient_id is not None:
        params["pid"] = patient_id
    if consent_by is not None:
        params["when"] = consent_by
    rows = conn.execute(_statement(patient_id is not None, consent_by is not None), params).all()
    first = rows[0]
    n = len(first) - len(VIAL_COLUMNS) - 1 - len(ADDITIVE_COLUMNS)
    vials: dict[int, tuple[Any, ...]] = {}
    additives = []
    for r in rows:
        vial = tuple(r[n : n + len(VIAL_COLUMNS)])
        if vial[0] is not None:
            vials.setdefault(vial[0], vial)
        if r[n + len(VIAL_COLUMNS)] is not None:  # ordered by the additive's id, as ``to_vial`` lists them
            additives.append(tuple(r[n + len(VIAL_COLUMNS) + 1 :]))
    return SaveReads(
        role_now=first.role_now,
        vials=vials_from(vials.values(), additives),
        patient_found=bool(first.patient_found) if patient_id is not None else False,
        newest_consent=(first.consent_status, first.consent_withdrawn_at)
        if consent_by is not None
        else (None, None),
        consent_by=consent_by,
        time_zone=str(first.time_zone or "UTC"),
    )
