"""Saved report filter presets: a manager saves them, everyone who sees reports may choose them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...db.models import ReportPresetRow
from ...domain.errors import NotFoundError
from ...domain.report_presets import FilterPreset


def presets(s: Session) -> tuple[FilterPreset, ...]:
    rows = s.execute(select(ReportPresetRow).order_by(ReportPresetRow.name)).scalars()
    return tuple(FilterPreset.from_json(r.name, r.filters) for r in rows)


def save(s: Session, preset: FilterPreset, user_id: int, now: datetime) -> bool:
    """Save (or replace, under the same name) a preset; returns whether one was replaced."""
    preset = preset.checked()
    row = s.execute(select(ReportPresetRow).where(ReportPresetRow.name == preset.name)).scalar_one_or_none()
    replaced = row is not None
    if row is None:
        row = ReportPresetRow(name=preset.name)
        s.add(row)
    row.filters, row.saved_by, row.saved_at = preset.to_json(), user_id, now
    return replaced


def remove(s: Session, name: str) -> None:
    if s.execute(delete(ReportPresetRow).where(ReportPresetRow.name == name)).rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError(f"no report preset called {name!r}")
