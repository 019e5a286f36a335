"""Query fragments shared by several services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import aliased

from ..db.models import SessionRow


def current_versions(session_table: Any = SessionRow) -> ColumnElement[bool]:
    """Sessions not superseded by an amendment (so an amended chart's doses are counted once)."""
    amendment = aliased(SessionRow)
    return ~select(amendment.id).where(amendment.amends_id == session_table.id).exists()
