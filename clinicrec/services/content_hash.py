"""A hash of everything a signed session says, to detect edits made behind the application's back."""

from __future__ import annotations

import hashlib

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import AssessmentRow, SessionRow
from .audit import canonical_json

_EXCLUDE = {"version", "updated_at", "updated_by_id", "content_hash", "status", "created_at"}


def content_columns() -> list[str]:
    """The session columns a signature covers (bookkeeping columns excluded)."""
    return [c.key for c in sa_inspect(SessionRow).column_attrs if c.key not in _EXCLUDE]


def baseline_columns() -> list[str]:
    return [c.key for c in sa_inspect(AssessmentRow).column_attrs if c.key not in ("created_at", "id")]


def content_hash_of(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def session_content(row: SessionRow, s: Session | None = None) -> dict:
    s = s or sa_inspect(row).session
    cols = {key: getattr(row, key) for key in content_columns()}
    cols["points"] = [[p.seq, p.zone, p.x, p.y, p.vial_id, p.units, p.volume_ml, p.basis] for p in row.points]
    cols["vials"] = [link.vial_id for link in row.vial_links]
    cols["acknowledgements"] = [[a.kind, a.subject, a.reason, a.user_id] for a in row.acknowledgements]
    baseline = None
    if s is not None:
        b = s.execute(
            select(AssessmentRow).where(AssessmentRow.session_id == row.id, AssessmentRow.time_point == "baseline")
        ).scalar_one_or_none()
        if b is not None:
            baseline = {key: getattr(b, key) for key in baseline_columns()}
    cols["baseline"] = baseline
    return cols


def session_content_hash(row: SessionRow, s: Session | None = None) -> str:
    return content_hash_of(session_content(row, s))
