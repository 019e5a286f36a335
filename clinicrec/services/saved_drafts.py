"""What the last save of a draft stored, so that the next save of it neither reads it back nor rewrites
what did not change (issue 17: a session window saves a hundred-point draft every few seconds).

``SavedDrafts`` keeps, per session, the points one save stored (with their ids), the session's version
after it and the state hash its audit entry recorded. The next save trusts them only inside its own
write transaction, with the session row locked, when both hold:

- the row's version is the one remembered (another workstation's save, a signature, any save through
  another engine or process bumps it), and
- the state hash of the session as stored now equals the remembered one. The save computes that hash
  anyway, to refuse a session changed behind the application (``audit.unaltered_state``); it covers
  every column of every point and of the baseline but their ids (and the baseline's creation time), so
  equal hashes mean the remembered points and baseline are what is stored. An unchanged baseline is then
  neither read nor written again.

Anything else is a miss, and the save reads and rewrites the points as it always did. Point ids are not
in the hash (nor are they clinical content): each row a trusted save updates or deletes is named by id,
session and position, and if the rows touched are not the rows expected (ids renumbered behind the
application) the save rewrites every point instead, in the same transaction.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, delete, update
from sqlalchemy.orm import Session

from ..db.models import AcknowledgementRow, PointRow, SessionScreeningRow, SessionVialRow
from ..db.pipeline import Statement, run_all
from ..domain.enums import DoseBasis, Zone
from ..domain.models import Assessment, InjectionPoint
from . import audit_state
from .mapping import as_stored, point_values

#: The injection points' table, written with plain statements rather than the ORM's unit of work.
POINTS = cast(Table, PointRow.__table__)
_LINKS = cast(Table, SessionVialRow.__table__).name
_ACKNOWLEDGEMENTS = cast(Table, AcknowledgementRow.__table__).name
_SCREENINGS = cast(Table, SessionScreeningRow.__table__).name
#: Sessions remembered at once (a workstation has a few session windows open, not hundreds).
REMEMBERED = 16
#: A point's stored columns (but its id and session), in the order the session's state hash reads them.
_DIGEST_COLUMNS = ("seq", "zone", "x", "y", "vial_id", "units", "volume_ml", "basis", "note")


@dataclass(frozen=True)
class SavedDraft:
    version: int
    row_hash: str
    points: tuple[InjectionPoint, ...]
    #: The baseline as stored (``mapping.assessment_as_stored``); its content is in the state hash too.
    baseline: Assessment | None = None


class SavedDrafts:
    """The last save of each of the few sessions being charted here (see the module's docstring)."""

    def __init__(self) -> None:
        self._by_session: OrderedDict[int, SavedDraft] = OrderedDict()
        self._lock = threading.Lock()

    def trusted(self, session_id: int, version: int, live_hash: str | None) -> SavedDraft | None:
        """The remembered save if the session as stored now (``version``, ``live_hash``) is what it left."""
        with self._lock:
            saved = self._by_session.get(session_id)
        if saved is None or live_hash is None or (saved.version, saved.row_hash) != (version, live_hash):
            return None
        return saved

    def remember(self, session_id: int, saved: SavedDraft | None) -> None:
        """Called after the save's commit (never before: a rollback would leave a wrong memory).
        None forgets the session."""
        with self._lock:
            self._by_session.pop(session_id, None)
            if saved is not None:
                self._by_session[session_id] = saved
                while len(self._by_session) > REMEMBERED:
                    self._by_session.popitem(last=False)


def stored_digest(session_id: int, points: tuple[InjectionPoint, ...]) -> dict[str, str]:
    """``known`` for ``audit_state.state_hash``: the points' part digest from the points as stored
    (``as_stored`` values), without reading them; empty (the part is read) if the session's state hash
    reads the points otherwise (a column added, or an older hashing kept for an upgrade's records)."""
    part = next((p for p in audit_state.BY_ENTITY["session"].parts if p.table == POINTS.name), None)
    if part is None or part.columns != _DIGEST_COLUMNS or part.where:
        return {}
    rows = [
        (session_id, i, p.zone.value, p.x, p.y, p.vial_id, p.units, p.volume_ml, p.basis.value, p.note)
        for i, p in enumerate(points)
    ]
    return {POINTS.name: audit_state.part_digest(rows)}


def new_draft_digests(
    session_id: int, vial_ids: list[int], acknowledged: bool, screened: bool
) -> dict[str, str]:
    """More of ``known`` for a new draft's entry, from what ``_create_draft`` wrote in this transaction: its
    vial links' digest (whole numbers, stored and read back as they are), and the empty digest of its
    acknowledgements and screening when it has none (nothing can be there: the row is new). A part the
    session's state hash reads otherwise than assumed here is left out (then read)."""
    out: dict[str, str] = {}
    for part in audit_state.BY_ENTITY["session"].parts:
        if part.where:
            continue
        if part.table == _LINKS and part.columns == ("seq", "vial_id"):
            out[part.table] = audit_state.part_digest([(session_id, i, v) for i, v in enumerate(vial_ids)])
        elif (part.table == _ACKNOWLEDGEMENTS and not acknowledged) or (
            part.table == _SCREENINGS and not screened
        ):
            out[part.table] = audit_state.part_digest([])
    return out


def write_points(
    s: Session,
    session_id: int,
    points: tuple[InjectionPoint, ...],
    before: tuple[InjectionPoint, ...] | None,
    *,
    new_session: bool = False,
    also: Sequence[Statement] = (),
) -> tuple[InjectionPoint, ...]:
    """Store ``points`` as the session's points and return them as stored (``as_stored``, with ids).

    ``before``: the points stored now as a trusted ``SavedDraft`` remembers them; only the points that
    differ at a position are updated, those past the new end deleted, the new ones inserted. None: every
    point is deleted and inserted again (``new_session``: there are none to delete). ``also`` (with
    ``new_session``): statements that return nothing, run right after the insert (``pipeline.run_all``: on
    PostgreSQL in its round trip)."""
    t = POINTS
    assert new_session or not also
    if before is not None:
        written = _changed_written(s, session_id, points, before)
        if written is not None:
            return written
    if not new_session:
        s.execute(delete(t).where(t.c.session_id == session_id))
    return _inserted(s, session_id, points, 0, also)


def _changed_written(
    s: Session, session_id: int, points: tuple[InjectionPoint, ...], before: tuple[InjectionPoint, ...]
) -> tuple[InjectionPoint, ...] | None:
    """``write_points`` with a trusted ``before``; None (some rows written) when a row it names is not
    there: the caller then rewrites every point."""
    t = POINTS
    kept = min(len(before), len(points))
    stored = [as_stored(p, old.id) for p, old in zip(points[:kept], before, strict=False)]
    changed = [i for i in range(kept) if stored[i] is not before[i] and stored[i] != before[i]]
    if changed:
        rows: list[dict[str, Any]] = []
        for i in changed:
            values = point_values(points[i], i)
            rows.append(
                {"b_id": before[i].id, "b_sid": session_id, "b_seq": values.pop("seq")}
                | {"v_" + k: v for k, v in values.items()}
            )
        if cast(CursorResult[Any], s.connection().execute(_UPDATE, rows)).rowcount != len(changed):
            return None
    if len(before) > kept:
        gone = s.execute(delete(t).where(t.c.session_id == session_id, t.c.seq >= kept))
        if cast(CursorResult[Any], gone).rowcount != len(before) - kept:
            return None
    return tuple(stored) + _inserted(s, session_id, points[kept:], kept)


def _inserted(
    s: Session,
    session_id: int,
    points: tuple[InjectionPoint, ...],
    start: int,
    also: Sequence[Statement] = (),
) -> tuple[InjectionPoint, ...]:
    """``points`` inserted at positions ``start``…: on SQLite with one executemany, then their ids read
    (ids only: SQLite's multi-row ``INSERT … RETURNING`` cannot promise their order, and one statement per
    point costs more than the read); on PostgreSQL with one statement that returns each id with its
    position. ``also``: as ``write_points``'."""
    if not points:
        if also:
            run_all(s.connection().connection.driver_connection, also)
        return ()
    # The driver's own executemany of plain tuples: SQLAlchemy's building of a hundred parameter sets cost
    # more than the insert (every column's value is a str, float or int already: no type converts it).
    rows = [
        (
            session_id,
            start + i,
            Zone(p.zone).value,
            p.x,
            p.y,
            p.vial_id,
            p.units,
            p.volume_ml,
            DoseBasis(p.basis).value,
            p.note,
        )
        for i, p in enumerate(points)
    ]
    conn = s.connection()
    mark = audit_state._mark(s)  # noqa: SLF001
    if mark == "%s":
        # PostgreSQL: one statement, returning each new row's id with its position (one round trip; an
        # executemany was a hundred statements on the server, and a read of the ids after). The rows go
        # as one JSON text of arrays, taken apart by the server (as ``jsonb``: parsed once, where ``json``
        # parses an element again for each field): the driver's dumping of ten arrays of a hundred values
        # cost ~0.8 ms of this process's time, ``json.dumps`` ~0.1 ms. A float is written as its shortest
        # repr, which reads back (through ``numeric``'s exact decimal) to the same double; a non-finite
        # one (which validation refuses before) is refused here too rather than stored.
        payload = json.dumps(
            [(*r[:3], float(r[3]), float(r[4]), r[5], float(r[6]), float(r[7]), *r[8:]) for r in rows],
            allow_nan=False,
            ensure_ascii=False,
        )
        returned, *_ = run_all(conn.connection.driver_connection, [(_INSERT_JSON, (payload,)), *also])
        by_seq = {seq: pid for pid, seq in returned}
        ids = [by_seq[start + i] for i in range(len(points))]
    else:
        conn.exec_driver_sql(_INSERT_ROWS.replace("?", mark), rows)
        ids = list(conn.exec_driver_sql(_NEW_IDS.replace("?", mark), (session_id, start)).scalars().all())
        if also:
            run_all(conn.connection.driver_connection, also)
    return tuple(as_stored(p, pid) for p, pid in zip(points, ids, strict=True))


_NEW_IDS = f"SELECT id FROM {POINTS.name} WHERE session_id = ? AND seq >= ? ORDER BY seq"
#: The columns ``_inserted`` binds, in its tuples' order.
_INSERT_COLUMNS = ("session_id", *_DIGEST_COLUMNS)
_MARKS = ", ".join("?" * len(_INSERT_COLUMNS))
_INSERT_ROWS = f"INSERT INTO {POINTS.name} ({', '.join(_INSERT_COLUMNS)}) VALUES ({_MARKS})"
#: PostgreSQL's: the rows as one JSON array of arrays (``_INSERT_COLUMNS``' order), each element taken
#: as its column's type.
_JSON_TYPES = ("int", "int", "text", "float8", "float8", "int", "float8", "float8", "text", "text")
_INSERT_JSON = (
    f"INSERT INTO {POINTS.name} ({', '.join(_INSERT_COLUMNS)}) "
    f"SELECT {', '.join(f'(r->>{i})::{t}' for i, t in enumerate(_JSON_TYPES))} "
    "FROM jsonb_array_elements(%s::jsonb) AS e(r) RETURNING id, seq"
)
#: A trusted re-save's update of the points it changed, each named by id, session and position (built
#: once: an autosave runs it every few seconds).
_UPDATE = (
    update(POINTS)
    .where(
        POINTS.c.id == bindparam("b_id"),
        POINTS.c.session_id == bindparam("b_sid"),
        POINTS.c.seq == bindparam("b_seq"),
    )
    .values({c: bindparam("v_" + c) for c in _DIGEST_COLUMNS if c != "seq"})
)
