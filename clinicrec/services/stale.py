"""The refusal of an edit made from a stale view: who changed the record, when, and what (from the trail).

Clinic settings, users and products carry an edit ``version`` (migration 0011) as sessions, patients and
adverse events do: the edit names the version it was made on, and a save over someone else's newer
save is refused instead of silently replacing it.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from ..domain.enums import AuditAction
from ..domain.errors import ConcurrentEditError
from . import audit


def stale_edit(s: Session, entity: str, entity_id: object, what: str) -> ConcurrentEditError:
    """``what`` (e.g. "The clinic settings") was changed since the editor read it."""
    entry = audit.last_change(s, entity, entity_id)
    who, when = audit.changed_by(s, entity, entity_id)
    edited = entry is not None and entry.action == AuditAction.UPDATE.value and entry.changes
    fields = ", ".join(json.loads(entry.changes)) if edited and entry is not None else ""
    changed = f" ({fields.replace('_', ' ')})" if fields else ""
    at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
    return ConcurrentEditError(
        f"{what} {'were' if what.endswith('settings') else 'was'} changed by {who}{at}{changed} after you "
        "opened it. Your edit was not saved over theirs; reopen it to see their changes.",
        by=who,
        at=when,
    )


def check_version(s: Session, row: object, given: int, entity: str, entity_id: object, what: str) -> None:
    """Refuse unless ``row`` is still at the version the edit was made on (``bump`` after a change)."""
    if given != int(getattr(row, "version", 1) or 1):
        raise stale_edit(s, entity, entity_id, what)


def bump(row: object) -> None:
    row.version = int(getattr(row, "version", 1) or 1) + 1  # type: ignore[attr-defined]
