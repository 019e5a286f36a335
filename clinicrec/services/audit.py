"""The audit trail: append-only, hash-chained, and able to prove itself.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or
reordering any entry breaks the chain from that point. Entries that change a record also hash the
record's state (services/audit_state.py), so every record is provable from the trail; anchors kept
outside the database (services/audit_anchor.py) catch a trail cut short or rewritten whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from ..db.bulk_rows import insert_rows
from ..db.models import AuditHeadRow, AuditRow
from ..db.types import utcnow
from ..domain.enums import AuditAction
from . import audit_state
from .changes import change_of_audit
from .permissions import Actor

GENESIS = "0" * 64
#: The actions whose entries record the state they leave their record in.
STATE_ACTIONS = frozenset(
    {
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.DELETE,
        AuditAction.SIGN,
        AuditAction.WITHDRAW,
        AuditAction.REVIEW,
    }
)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


#: One encoder for every entry (``json.dumps`` with options builds a new one per call).
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def canonical_json(value: Any) -> str:
    return _ENCODER.encode(value)


def entry_hash(
    prev_hash: str,
    entry_id: int,
    at: datetime,
    user_id: int | None,
    username: str,
    action: str,
    entity: str,
    entity_id: str,
    patient_id: int | None,
    changes: str,
    row_hash: str | None = None,
) -> str:
    """The entry's hash; ``row_hash`` joins the hashed fields when present (entries before 0004 have none)."""
    fields: list[Any] = [prev_hash, entry_id, at, user_id, username, action, entity, entity_id, patient_id]
    fields.append(changes)
    if row_hash is not None:
        fields.append(row_hash)
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def _locked_head(s: Session) -> AuditHeadRow:
    """The trail's head as stored now, read after its row's lock was taken (fresh even if this session
    read it before)."""
    stmt = select(AuditHeadRow).where(AuditHeadRow.id == 1).execution_options(populate_existing=True)
    return s.execute(stmt).scalar_one()


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs."""
    keys = list(dict.fromkeys([*old, *new]))
    return {k: [old.get(k), new.get(k)] for k in keys if old.get(k) != new.get(k)}


def record(
    s: Session,
    actor: Actor | None,
    action: AuditAction,
    entity: str,
    entity_id: object = "",
    *,
    patient_id: int | None = None,
    changes: dict[str, Any] | None = None,
    username: str | None = None,
    state: str | None = None,
    head: tuple[int, str] | None = None,
) -> AuditRow:
    """Append one entry inside the caller's transaction (so it commits or rolls back with the change).

    An entry that changes an audited record (create, update, delete, sign) also stores the hash of the
    record's state as it leaves it, which ``verify`` compares with the live record. ``state``: that hash
    when the caller has just computed it in this transaction, after its last change to the record
    (``audit_state.state_hash`` with the parts it wrote given: a draft's points), instead of reading it.
    ``head``: the trail's head (last id, last hash) as ``LOCK_HEAD`` returned it in this transaction, just
    before, with nothing appended since (a save runs it with its last reads: one round trip less), instead
    of locking and reading it here.
    """
    row_hash = None
    kind = audit_state.BY_ENTITY.get(entity)
    if action in STATE_ACTIONS and kind is not None and kind.record_id(entity_id) is not None:
        row_hash = state or audit_state.state_hash(s, entity, entity_id) or audit_state.GONE
    # Taking the head row's lock (UPDATE first) serialises appends across connections and workstations.
    # Plain statements on the session's connection (one entry per save: the ORM's unit of work for the
    # head costs more than the entry), through SQLAlchemy so that a failure (a read-only file, a full
    # disk) is the error the unit of work turns into a StorageError; the head returned by the locking UPDATE,
    # so fresh.
    s.flush()
    conn = s.connection()
    last_id, last_hash = head if head is not None else conn.exec_driver_sql(_LOCK_HEAD).one()
    at = utcnow()
    changes_json = canonical_json(changes or {})
    entry_id = last_id + 1
    uid = actor.user_id if actor else None
    uname = username if username is not None else (actor.username if actor else "")
    h = entry_hash(
        last_hash,
        entry_id,
        at,
        uid,
        uname,
        action.value,
        entity,
        str(entity_id),
        patient_id,
        changes_json,
        row_hash,
    )
    row = AuditRow(
        id=entry_id,
        at=at,
        user_id=uid,
        username=uname,
        action=action.value,
        entity=entity,
        entity_id=str(entity_id),
        patient_id=patient_id,
        changes=changes_json,
        prev_hash=last_hash,
        hash=h,
        row_hash=row_hash,
    )
    # One plain statement, not the ORM's unit of work for one row (a save's entry: issue 17); its time
    # bound by the column's own type, as the ORM binds it. The unit of work publishes the change it
    # records after the commit (services/base.py), told here rather than by finding the row in the session.
    values = (_at_binder(s)(at), *_values_of(row)[1:])
    if audit_state._mark(s) == "?":  # SQLite: no statement in a WITH may write
        conn.exec_driver_sql(_INSERT_ONE, values)
        conn.exec_driver_sql(_WRITE_HEAD, (entry_id, h))
    else:  # PostgreSQL: the entry and the new head in one statement, one round trip
        conn.exec_driver_sql(_APPEND, (*values, entry_id, h))
    noted = s.info.get(CHANGES_KEY)
    if noted is not None:
        change = change_of_audit(row.action, entity, row.entity_id, patient_id)
        if change is not None:
            noted.append(change)
    return row


#: Where a unit of work (``ServiceBase.writing``) keeps the changes its entries record, in ``Session.info``.
CHANGES_KEY = "clinicrec_changes"


def _values_of(row: AuditRow) -> tuple[Any, ...]:
    """The entry's values in ``_BULK_COLUMNS`` order (its time as given)."""
    return tuple(getattr(row, c) for c in _BULK_COLUMNS)


#: The head's lock taken and the head read in one statement (one round trip on PostgreSQL, not two): the
#: values an UPDATE returns are the row's as it holds the lock (on PostgreSQL, after waiting for another
#: writer, its committed head), as a SELECT after it would read them.
_LOCK_HEAD = (
    f"UPDATE {AuditHeadRow.__tablename__} SET last_id = last_id WHERE id = 1 RETURNING last_id, last_hash"
)
#: ``_LOCK_HEAD`` for ``audit_state.state_hash_parts_with``'s ``before`` (its row is ``record``'s ``head``).
LOCK_HEAD: tuple[str, tuple[()]] = (_LOCK_HEAD, ())
_WRITE_HEAD = f"UPDATE {AuditHeadRow.__tablename__} SET last_id = ?, last_hash = ? WHERE id = 1"
_BULK_COLUMNS = (
    "at", "id", "user_id", "username", "action", "entity", "entity_id", "patient_id", "changes", "prev_hash",
    "hash", "row_hash",
)  # fmt: skip
_INSERT_ONE = (
    f"INSERT INTO {AuditRow.__tablename__} ({', '.join(_BULK_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_BULK_COLUMNS))})"
)
#: PostgreSQL: ``_INSERT_ONE`` and ``_WRITE_HEAD`` as one statement (a statement in a WITH that writes runs
#: once and to its end, whether or not the rest reads it; either failing fails both).
_APPEND = f"WITH entry AS ({_INSERT_ONE}) {_WRITE_HEAD}".replace("?", "%s")


@dataclass(frozen=True)
class BulkEntry:
    """One record of a bulk change: its id, its patient, the values the entry records."""

    entity_id: int
    patient_id: int | None
    changes: dict[str, Any]
    #: When and by whom, where not now and the caller's actor (a demo database's history): (id, name).
    at: datetime | None = None
    user: tuple[int | None, str] | None = None
    #: ``changes`` as ``canonical_json`` gives them, when the caller encoded them itself (an import:
    #: tests/services/interop check the two agree); ``changes`` is then not read.
    encoded: str | None = None


def record_bulk(
    s: Session,
    actor: Actor | None,
    action: AuditAction,
    entity: str,
    entries: list[BulkEntry],
    *,
    username: str | None = None,
    row_hashes: Mapping[int, str] | None = None,
) -> None:
    """Append one entry per record (an import's thousands of patients) inside the caller's transaction:
    the same chain, hashes and row hashes as ``record`` gives each (tests compare them with
    ``entry_hash``), written with the driver's executemany.

    An import of 100,000 patients writes 100,000 entries, so the per-entry work is kept to what differs
    between entries: the fields every entry shares (time, user, action, entity) are encoded once, and
    each entry's canonical JSON is assembled around them.

    ``row_hashes``: the records' state hashes when the caller has just read them all in one pass
    (``audit_state.all_state_hashes``: the demo build), or computed from the values it stored
    (``audit_state.stored_state_hash``: an import), instead of reading them again here."""
    if not entries:
        return
    hashes: Mapping[int, str] = {}
    if action in STATE_ACTIONS and entity in audit_state.BY_ENTITY:
        hashes = (
            row_hashes
            if row_hashes is not None
            else audit_state.state_hashes_of(s, entity, [e.entity_id for e in entries])
        )
    s.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_id=AuditHeadRow.last_id))
    head = _locked_head(s)
    at = utcnow()
    uid = actor.user_id if actor else None
    uname = username if username is not None else (actor.username if actor else "")
    last_id, last_hash = head.last_id, head.last_hash
    # canonical_json([prev_hash, id, at, user_id, username, action, entity, entity_id, patient_id,
    # changes(, row_hash)]) == '["' prev '",' id ',' SHARED ',' entity_id ',' patient_id ',' changes ...
    encode = _ENCODER.encode
    encode_string = json.encoder.encode_basestring  # what encode does with a str (ensure_ascii is off)
    sha256 = hashlib.sha256
    who = (at, uid, uname)
    shared = encode([at, uid, uname, action.value, entity])[1:-1]
    bind_at = _at_binder(s)
    stored_at = bind_at(at)  # the time as the driver takes it, bound once for each distinct time
    rows: list[tuple[Any, ...]] = []
    for e in entries:
        if e.at is not None or e.user is not None:
            e_at, (e_uid, e_name) = e.at or at, e.user or (uid, uname)
            if (e_at, e_uid, e_name) != who:
                if e_at != who[0]:
                    stored_at = bind_at(e_at)
                who = (e_at, e_uid, e_name)
                shared = encode([e_at, e_uid, e_name, action.value, entity])[1:-1]
        elif who != (at, uid, uname):
            if at != who[0]:
                stored_at = bind_at(at)
            who = (at, uid, uname)
            shared = encode([at, uid, uname, action.value, entity])[1:-1]
        row_hash = hashes.get(e.entity_id, audit_state.GONE) if hashes else None
        changes_json = e.encoded if e.encoded is not None else encode(e.changes)
        eid = last_id + 1
        entity_id = str(e.entity_id)
        # A whole number's text needs no escaping; ``encode_string`` is what ``encode`` does with a str.
        quoted_id = f'"{entity_id}"' if type(e.entity_id) is int else encode_string(entity_id)
        text = (
            f'["{last_hash}",{eid},{shared},{quoted_id},'
            f"{'null' if e.patient_id is None else int(e.patient_id)},{encode_string(changes_json)}"
            + (f',"{row_hash}"]' if row_hash is not None else "]")
        )
        h = sha256(text.encode("utf-8")).hexdigest()
        rows.append(
            (
                stored_at,
                eid,
                who[1],
                who[2],
                action.value,
                entity,
                entity_id,
                e.patient_id,
                changes_json,
                last_hash,
                h,
                row_hash,
            )
        )
        last_id, last_hash = eid, h
    _insert_entries(s, rows)
    head.last_id, head.last_hash = last_id, last_hash
    s.flush()


def _at_binder(s: Session) -> Callable[[datetime], Any]:
    """An entry's time as the driver takes it: bound by the column's own type."""
    bind = AuditRow.__table__.c.at.type._cached_bind_processor(s.connection().dialect)  # noqa: SLF001
    return bind if bind is not None else (lambda at: at)


def _insert_entries(s: Session, rows: list[tuple[Any, ...]]) -> None:
    """The entries, their times already bound (``_at_binder``; the rest are plain strings and integers),
    in the session's transaction (``db/bulk_rows.py``: executemany on SQLite, COPY on PostgreSQL)."""
    insert_rows(s.connection(), AuditRow.__tablename__, _BULK_COLUMNS, rows, batch=5000)


def created(values: dict[str, Any]) -> dict[str, list[Any]]:
    """``diff({}, values)`` for a new record, in one pass (an import makes thousands)."""
    return {k: [None, v] for k, v in values.items() if v is not None}


def last_change(s: Session, entity: str, entity_id: object) -> AuditRow | None:
    """The newest entry that changed the record (for "changed by X at T" when a stale edit is refused);
    None when there is none, or when the user may not read the trail (PostgreSQL, signed in with an
    injector's own login role: db/pg_roles.py), who is then told only that someone else changed it."""
    if s.connection().dialect.name == "postgresql" and not s.execute(_MAY_READ_TRAIL).scalar():
        return None
    return s.execute(
        select(AuditRow)
        .where(
            AuditRow.entity == entity,
            AuditRow.entity_id == str(entity_id),
            AuditRow.action.in_([a.value for a in (*STATE_ACTIONS, AuditAction.ACKNOWLEDGE)]),
        )
        .order_by(AuditRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()


_MAY_READ_TRAIL = text(f"SELECT has_table_privilege('{AuditRow.__tablename__}', 'SELECT')")


def changed_by(s: Session, entity: str, entity_id: object) -> tuple[str, datetime | None]:
    """(who, when) of the record's newest change, from the trail: "someone else" if it has none."""
    entry = last_change(s, entity, entity_id)
    if entry is None:
        return "someone else", None
    from ..db.models import UserRow

    user = s.get(UserRow, entry.user_id) if entry.user_id is not None else None
    return (user.full_name if user else entry.username or "someone else"), entry.at


def unaltered(s: Session, entity: str, entity_id: object) -> bool:
    """True if the record is as its newest entry left it (no change behind the application since)."""
    return unaltered_state(s, entity, entity_id)[0]


def unaltered_state(s: Session, entity: str, entity_id: object) -> tuple[bool, str | None]:
    """``unaltered`` and the record's state hash as stored now, which it computes: a caller that keeps
    what it last stored (services/saved_drafts.py) trusts it only while the two hashes agree."""
    ok, live, _ = unaltered_parts(s, entity, entity_id)
    return ok, live


def unaltered_parts(s: Session, entity: str, entity_id: object) -> tuple[bool, str | None, dict[str, str]]:
    """``unaltered_state`` with the digests of the record's parts as stored now
    (``audit_state.state_hash_parts``)."""
    s.flush()
    newest = (
        _NEWEST_STATE.replace("?", audit_state._mark(s)),
        (entity, str(entity_id), *_STATE_ACTION_VALUES),
    )
    # The newest entry's hash read with the record's state: on PostgreSQL, one round trip for all of them.
    live, parts, (found,) = audit_state.state_hash_parts_with(s, entity, entity_id, before=[newest])
    entry = found[0][0] if found else None
    return entry is None or live == entry, live, parts


_STATE_ACTION_VALUES = tuple(sorted(a.value for a in STATE_ACTIONS))
#: The row hash of a record's newest entry that changed it (ix_audit_log_entity serves it).
_NEWEST_STATE = (
    f"SELECT row_hash FROM {AuditRow.__tablename__} WHERE entity = ? AND entity_id = ? "
    f"AND action IN ({', '.join('?' * len(_STATE_ACTION_VALUES))}) ORDER BY id DESC LIMIT 1"
)


@dataclass(frozen=True)
class Anchor:
    """A head of the trail seen somewhere outside the database (a backup, a workstation, a digest)."""

    entry_id: int
    hash: str
    source: str  # where it was kept, for the report: "backup clinic-2026-12-01.sqlite3"


@dataclass(frozen=True)
class AuditProblem:
    """One finding: the entry it concerns (if any), a sentence, and the record and field where known."""

    entry_id: int | None
    message: str
    entity: str | None = None
    record_id: str | None = None
    field: str | None = None
    stored: Any = None
    expected: Any = None


@dataclass(frozen=True)
class VerifyResult:
    entries_checked: int
    signed_sessions_checked: int
    problems: tuple[AuditProblem, ...]
    records_checked: int = 0
    #: Records whose newest entry predates row hashes (written before migration 0004): not provable.
    unproven: int = 0
    anchors_checked: int = 0
    #: Worth a look but not proof of tampering: heads superseded by a restore recorded in the trail.
    notices: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> AuditProblem | None:
        return self.problems[0] if self.problems else None


def verify(s: Session, anchors: Iterable[Anchor] = (), *, photos: Path | None = None) -> VerifyResult:
    """Prove the whole record from the trail (services/audit_verify.py); ``photos``: the photo folder
    of a database checked away from its usual place (a backup about to be restored)."""
    from .audit_verify import verify_all

    return verify_all(s, anchors, photos=photos)
