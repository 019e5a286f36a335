"""Query fragments shared by several services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from ..db.models import SessionRow


def current_versions(session_table: Any = SessionRow) -> ColumnElement[bool]:
    """Sessions not superseded by an amendment (so an amended chart's doses are counted once)."""
    amendment = aliased(SessionRow)
    return ~select(amendment.id).where(amendment.amends_id == session_table.id).exists()


def clinic_zone(s: Session) -> str:
    """The clinic's IANA time zone ('UTC' before set-up): every calendar-date rule uses it."""
    from ..db.models import ClinicRow

    zone = s.execute(select(ClinicRow.time_zone).where(ClinicRow.id == 1)).scalar_one_or_none()
    return zone or "UTC"
