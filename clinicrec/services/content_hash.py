"""A hash of everything a signed session says, to detect edits made behind the application's back.

One implementation serves signing (one session) and ``audit verify`` (every signed session, read
in batches with plain column queries so a 100,000-patient clinic verifies in seconds, not minutes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import AcknowledgementRow, AssessmentRow, PointRow, SessionRow, SessionVialRow
from .audit import canonical_json

_EXCLUDE = {"version", "updated_at", "updated_by_id", "content_hash", "status", "created_at"}
BATCH = 500


def content_columns() -> list[str]:
    """The session columns a signature covers (bookkeeping columns excluded)."""
    return [c.key for c in sa_inspect(SessionRow).column_attrs if c.key not in _EXCLUDE]


def baseline_columns() -> list[str]:
    return [c.key for c in sa_inspect(AssessmentRow).column_attrs if c.key not in ("created_at", "id")]


def content_hash_of(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def session_contents(s: Session, session_ids: Iterable[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(id, content) for each session, as stored now (including changes flushed in this transaction)."""
    ids = list(session_ids)
    cols = content_columns()
    table = SessionRow.__table__
    bcols = baseline_columns()
    atable = AssessmentRow.__table__
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        contents: dict[int, dict[str, Any]] = {}
        for r in s.execute(select(*(table.c[c] for c in cols)).where(table.c.id.in_(chunk))).mappings():
            content = dict(r)
            content.update(points=[], vials=[], acknowledgements=[], baseline=None)
            contents[r["id"]] = content
        for p in s.execute(
            select(
                PointRow.session_id,
                PointRow.seq,
                PointRow.zone,
                PointRow.x,
                PointRow.y,
                PointRow.vial_id,
                PointRow.units,
                PointRow.volume_ml,
                PointRow.basis,
                PointRow.note,
            )
            .where(PointRow.session_id.in_(chunk))
            .order_by(PointRow.session_id, PointRow.seq)
        ):
            # A point's note counts only when it has one: sessions signed before notes existed keep
            # the hash they were signed with.
            contents[p[0]]["points"].append(list(p[1:-1]) + ([p[-1]] if p[-1] else []))
        for v in s.execute(
            select(SessionVialRow.session_id, SessionVialRow.vial_id)
            .where(SessionVialRow.session_id.in_(chunk))
            .order_by(SessionVialRow.session_id, SessionVialRow.seq)
        ):
            contents[v[0]]["vials"].append(v[1])
        for a in s.execute(
            select(
                AcknowledgementRow.session_id,
                AcknowledgementRow.kind,
                AcknowledgementRow.subject,
                AcknowledgementRow.reason,
                AcknowledgementRow.user_id,
            )
            .where(AcknowledgementRow.session_id.in_(chunk))
            .order_by(AcknowledgementRow.session_id, AcknowledgementRow.id)
        ):
            contents[a[0]]["acknowledgements"].append(list(a[1:]))
        for b in s.execute(
            select(*(atable.c[c] for c in bcols)).where(
                atable.c.session_id.in_(chunk), atable.c.time_point == "baseline"
            )
        ).mappings():
            contents[b["session_id"]]["baseline"] = dict(b)
        for sid in chunk:
            if sid in contents:
                yield sid, contents[sid]


def session_content_hash(row: SessionRow, s: Session | None = None) -> str:
    session = s or sa_inspect(row).session
    assert session is not None, "the row must belong to a session"
    session.flush()
    [(_, content)] = list(session_contents(session, [row.id]))
    return content_hash_of(content)


def signed_content_hashes(s: Session) -> Iterator[tuple[int, str | None, str]]:
    """(session id, stored content hash, recomputed content hash) for every signed session."""
    rows = s.execute(
        select(SessionRow.id, SessionRow.content_hash)
        .where(SessionRow.status == "signed")
        .order_by(SessionRow.id)
    ).all()
    stored: dict[int, str | None] = {r[0]: r[1] for r in rows}
    for sid, content in session_contents(s, [r[0] for r in rows]):
        yield sid, stored[sid], content_hash_of(content)
