"""Query fragments shared by several services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from ..db.models import SessionRow
from ..domain.date_text import DateOrder


def current_versions(session_table: Any = SessionRow) -> ColumnElement[bool]:
    """Sessions not superseded by an amendment (so an amended chart's doses are counted once)."""
    amendment = aliased(SessionRow)
    return ~select(amendment.id).where(amendment.amends_id == session_table.id).exists()


def current_versions_in_bulk(session_table: Any = SessionRow) -> ColumnElement[bool]:
    """``current_versions`` for a statement that reads many sessions: the amended ids are gathered once
    (amendments are few; their index is read from ``amends_id IS NOT NULL`` on) and each session is
    looked up among them, instead of a correlated subquery per session (a third of a report's time)."""
    return session_table.id.not_in(amended_ids())


def amended_ids() -> Select[Any]:
    """The ids of sessions that an amendment supersedes."""
    amendment = aliased(SessionRow)
    return select(amendment.amends_id).where(amendment.amends_id.is_not(None))


def clinic_date_order(s: Session) -> DateOrder:
    """How the clinic writes dates (ISO before set-up): printed dates follow it."""
    from ..db.models import ClinicRow

    value = s.execute(select(ClinicRow.date_order).where(ClinicRow.id == 1)).scalar_one_or_none()
    try:
        return DateOrder(value) if value else DateOrder.ISO
    except ValueError:
        return DateOrder.ISO


def clinic_zone(s: Session) -> str:
    """The clinic's IANA time zone ('UTC' before set-up): every calendar-date rule uses it."""
    from ..db.models import ClinicRow

    zone = s.execute(select(ClinicRow.time_zone).where(ClinicRow.id == 1)).scalar_one_or_none()
    return zone or "UTC"
