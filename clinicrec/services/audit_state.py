"""The state of each audited record, hashed the same way when an entry is written and when it is verified.

Every audit entry that changes a record (create, update, delete, sign) stores ``row_hash``: a hash of the
record as the entry left it. ``audit verify`` recomputes the hash of every live record and compares it
with the newest entry's, so a change made behind the application (a patient's name, a vial's lot, a
follow-up rating, a user's role) no longer matches, and a record inserted or deleted behind it has no
matching entry.

A record is a row plus the child rows that belong to it (a session's injection points, vials,
acknowledgements, baseline ratings and the screening asked at the visit; a vial's additives). Records
are named by their integer ``id``, except a form's consent settings, named by the form's key
(``Kind.key``). The values are read as the database driver returns them, with plain SQL on the raw
connection, by one code path for writing and verifying: so the two hashes agree by construction, and a
full verify reads each table once in a single pass.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..db.models import (
    AccessTokenRow,
    AcknowledgementRow,
    AdverseEventRow,
    AssessmentRow,
    ChartReviewRow,
    ClinicRow,
    ConsentRow,
    ConsentSettingsRow,
    OversightSettingsRow,
    PatientRow,
    PhotoConsentRow,
    PhotoMeasurementRow,
    PhotoRow,
    PhotoZoneFiguresRow,
    PointRow,
    PrescriberOrderRow,
    ProductRow,
    SessionRow,
    SessionScreeningRow,
    SessionVialRow,
    UserRow,
    VialAdditiveRow,
    VialRow,
)
from ..db.pipeline import Statement, run_all

#: ``row_hash`` of an entry that deleted its record.
GONE = "deleted"


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return str(value)


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default).encode


def _columns(model: type, *, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    attrs: Any = sa_inspect(model).column_attrs
    return tuple(c.columns[0].name for c in attrs if c.key not in leave_out)


@dataclass(frozen=True)
class Part:
    """Child rows folded into their parent's state, in a fixed order."""

    table: str
    parent: str
    columns: tuple[str, ...]
    order: str
    where: str = ""
    #: Left out of the hash of a record that has none of its rows: a part added after records were first
    #: hashed without it changes the hash only of the records that have such rows.
    optional: bool = False

    def sql(self, one: str | None = None, *, narrowed: str = "") -> str:
        """Every part row in its parent's order; ``one``: of one parent (its placeholder); ``narrowed``:
        of the parents this condition keeps."""
        conds = [c for c in (self.where, f"{self.parent} = {one}" if one else "", narrowed) if c]
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        cols = ", ".join((self.parent, *self.columns))
        return f"SELECT {cols} FROM {self.table}{where} ORDER BY {self.parent}, {self.order}"


@dataclass(frozen=True)
class Kind:
    """One kind of audited record: the entity name its entries use, its table, its parts."""

    entity: str
    label: str
    table: str
    columns: tuple[str, ...]
    parts: tuple[Part, ...] = ()
    where: str = ""
    #: The column that names a record (its entries' ``entity_id``), first of ``columns``: the integer
    #: ``id``, or a text key (a form's consent settings: ``form_key``).
    key: str = "id"

    def sql(self, one: str | None = None, *, narrowed: str = "") -> str:
        """Every record in key order; ``one``: the one record (its placeholder); ``narrowed``: the records
        this condition keeps."""
        conds = [c for c in (self.where, f"{self.key} = {one}" if one else "", narrowed) if c]
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        return f"SELECT {', '.join(self.columns)} FROM {self.table}{where} ORDER BY {self.key}"

    def record_id(self, entity_id: object) -> int | str | None:
        """The key an entry's ``entity_id`` names (None: it names no record of this kind)."""
        text = str(entity_id)
        if self.key != "id":
            return text or None
        return int(text) if text.isdigit() else None


def _kinds() -> tuple[Kind, ...]:
    baseline_cols = _columns(AssessmentRow, leave_out=("id", "session_id", "created_at"))
    return (
        Kind("patient", "patient", PatientRow.__tablename__, _columns(PatientRow)),
        Kind(
            "session",
            "session",
            SessionRow.__tablename__,
            _columns(SessionRow),
            (
                Part(
                    PointRow.__tablename__,
                    "session_id",
                    _columns(PointRow, leave_out=("id", "session_id")),
                    "seq",
                ),
                Part(SessionVialRow.__tablename__, "session_id", ("seq", "vial_id"), "seq"),
                Part(
                    AcknowledgementRow.__tablename__,
                    "session_id",
                    _columns(AcknowledgementRow, leave_out=("id", "session_id")),
                    "id",
                ),
                # Baselines are re-saved with each draft save (new id, new created_at): content only.
                Part(
                    AssessmentRow.__tablename__, "session_id", baseline_cols, "id", "time_point = 'baseline'"
                ),
                # The screening asked at the visit (one row per session; schema 0019 added it here).
                Part(
                    SessionScreeningRow.__tablename__,
                    "session_id",
                    _columns(SessionScreeningRow, leave_out=("session_id",)),
                    "session_id",
                    optional=True,
                ),
            ),
        ),
        Kind(
            "vial",
            "vial",
            VialRow.__tablename__,
            _columns(VialRow),
            (Part(VialAdditiveRow.__tablename__, "vial_id", ("kind", "volume_ml", "description"), "id"),),
        ),
        Kind(
            "assessment",
            "follow-up",
            AssessmentRow.__tablename__,
            _columns(AssessmentRow),
            (),
            "time_point <> 'baseline'",
        ),
        Kind("adverse_event", "adverse event", AdverseEventRow.__tablename__, _columns(AdverseEventRow)),
        # Sign-in counters change on every failed attempt and are not clinical or access data.
        Kind(
            "user",
            "user",
            UserRow.__tablename__,
            _columns(UserRow, leave_out=("failed_attempts", "locked_until", "version")),
        ),
        # Edit versions (migration 0011) only guard against stale edits; the record's content is hashed.
        Kind("product", "product", ProductRow.__tablename__, _columns(ProductRow, leave_out=("version",))),
        Kind(
            "clinic", "clinic settings", ClinicRow.__tablename__, _columns(ClinicRow, leave_out=("version",))
        ),
        Kind("photo", "photo", PhotoRow.__tablename__, _columns(PhotoRow)),
        Kind("photo_consent", "photo consent", PhotoConsentRow.__tablename__, _columns(PhotoConsentRow)),
        Kind(
            "photo_measurement",
            "photo measurement",
            PhotoMeasurementRow.__tablename__,
            _columns(PhotoMeasurementRow),
            (
                Part(
                    PhotoZoneFiguresRow.__tablename__,
                    "measurement_id",
                    _columns(PhotoZoneFiguresRow, leave_out=("id", "measurement_id")),
                    "id",
                ),
            ),
        ),
        Kind("consent", "consent", ConsentRow.__tablename__, _columns(ConsentRow)),
        Kind(
            "prescriber_order",
            "prescriber's order",
            PrescriberOrderRow.__tablename__,
            _columns(PrescriberOrderRow),
        ),
        Kind("chart_review", "chart review", ChartReviewRow.__tablename__, _columns(ChartReviewRow)),
        Kind(
            "oversight_settings",
            "review settings",
            OversightSettingsRow.__tablename__,
            _columns(OversightSettingsRow),
        ),
        # Access rules (schema 0020 made them provable): whether a consent must be in force before a
        # session is signed, and what an unattended job's token may do and until when.
        Kind(
            "consent_settings",
            "consent settings",
            ConsentSettingsRow.__tablename__,
            _columns(ConsentSettingsRow),
            key="form_key",
        ),
        Kind("access_token", "access token", AccessTokenRow.__tablename__, _columns(AccessTokenRow)),
    )


KINDS: tuple[Kind, ...] = _kinds()
BY_ENTITY: dict[str, Kind] = {k.entity: k for k in KINDS}
_EMPTY = hashlib.sha256(b"[]").hexdigest()


def _digest(rows: list[Any]) -> str:
    return hashlib.sha256(_encode(rows).encode("utf-8")).hexdigest()


def encode_rows(rows: list[Any]) -> str:
    """Child rows (a part's, each ``(parent, *columns)`` as the driver returns them) encoded as their part
    digest encodes them: a bulk load that knows what it stored digests them without reading them back."""
    return _encode(rows)


def _state_hash(row: Any, part_digests: list[str], parts: tuple[Part, ...] = ()) -> str:
    if any(p.optional for p in parts):
        part_digests = [
            d for d, p in zip(part_digests, parts, strict=True) if not (p.optional and d == _EMPTY)
        ]
    return hashlib.sha256(_encode([row, part_digests]).encode("utf-8")).hexdigest()


def stored_state_hash(row: tuple[Any, ...]) -> str:
    """The state hash of a record without child rows, from its values exactly as the driver stores and
    returns them (in ``Kind.columns`` order): a bulk insert hashes what it wrote without reading it back."""
    return _state_hash(row, [])


def _cursor(s: Session | Connection) -> Any:
    """A cursor on the session's (or connection's) own connection, same transaction: the driver's values."""
    conn = s.connection() if isinstance(s, Session) else s
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _mark(s: Session | Connection) -> str:
    bind = s.get_bind() if isinstance(s, Session) else s
    return "?" if bind.dialect.paramstyle == "qmark" else "%s"


def part_digest(rows: list[Any]) -> str:
    """A part's digest from its rows for one record (each ``(parent, *columns)`` as the driver returns them),
    as ``state_hash`` makes it: a save that knows what it stored passes it as ``known``."""
    return _digest(rows) if rows else _EMPTY


def state_hash(
    s: Session, entity: str, record_id: object, *, known: Mapping[str, str] | None = None
) -> str | None:
    """The hash of one record as stored now (inside ``s``'s transaction); None when it does not exist.

    ``known``: ``part_digest`` of a part's rows (by the part's table) that the caller has just written
    in this transaction, used instead of reading that part again (a draft's hundred points)."""
    return state_hash_parts(s, entity, record_id, known=known)[0]


def state_hash_parts(
    s: Session, entity: str, record_id: object, *, known: Mapping[str, str] | None = None
) -> tuple[str | None, dict[str, str]]:
    """``state_hash`` with the digest of each part (by the part's table) it was made of: a save that
    then leaves a part as it found it, in the same transaction, passes that digest as ``known`` when it
    hashes the record it leaves."""
    live, digests, _ = state_hash_parts_with(s, entity, record_id, known=known)
    return live, digests


def state_hash_parts_with(
    s: Session,
    entity: str,
    record_id: object,
    *,
    known: Mapping[str, str] | None = None,
    before: Sequence[Statement] = (),
) -> tuple[str | None, dict[str, str], list[list[tuple[Any, ...]]]]:
    """``state_hash_parts``, and the rows of the statements ``before`` (the driver's SQL, ``_mark``'s
    marks) run just before its reads: on PostgreSQL all of them go in one round trip
    (``db/pipeline.py``), not one per table."""
    kind = BY_ENTITY[entity]
    rid = kind.record_id(record_id)
    if rid is None:
        return None, {}, _run(s, before) if before else []
    s.flush()
    mark = _mark(s)
    read = [p for p in kind.parts if known is None or p.table not in known]
    results = _run(s, [*before, (kind.sql(mark), (rid,)), *((p.sql(mark), (rid,)) for p in read)])
    others, (rows, *children) = results[: len(before)], results[len(before) :]
    if not rows:
        return None, {}, others
    digests = {p.table: _digest(found) if found else _EMPTY for p, found in zip(read, children, strict=True)}
    if known is not None:
        digests |= {p.table: known[p.table] for p in kind.parts if p.table in known}
    return _state_hash(rows[0], [digests[part.table] for part in kind.parts], kind.parts), digests, others


def _run(s: Session, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    conn = s.connection()
    return run_all(conn.connection.driver_connection, statements)


def all_state_hashes(
    s: Session | Connection,
    kind: Kind,
    known: Mapping[str, Mapping[int, str]] | None = None,
    within: tuple[int, int] | None = None,
) -> Iterator[tuple[int, str]]:
    """(id, state hash) of every record of ``kind``: each table read once, in one pass.

    ``known``: part digests the caller made from the rows it stored (``sha256(encode_rows(rows))`` per
    parent, keyed by the part's table), used instead of reading that table (the demo's millions of points).
    ``within``: only the records whose ids are in this range (first, last), and only their parts' rows."""
    cur = _cursor(s)
    mark = _mark(s)

    def execute(sql: Callable[..., str], column: str) -> None:
        """``sql`` (a ``Kind.sql`` or ``Part.sql``) for every record, or for those ``within``."""
        if within is None:
            cur.execute(sql())
        else:
            cur.execute(sql(narrowed=f"{column} BETWEEN {mark} AND {mark}"), within)

    try:
        part_digests: list[Mapping[int, str]] = []
        for part in kind.parts:
            if known is not None and part.table in known:
                part_digests.append(known[part.table])
                continue
            execute(part.sql, part.parent)
            part_digests.append(
                {pid: _digest(list(rows)) for pid, rows in itertools.groupby(cur, key=itemgetter(0))}
            )
        execute(kind.sql, kind.key)
        for row in cur:
            rid = row[0]
            yield rid, _state_hash(row, [d.get(rid, _EMPTY) for d in part_digests], kind.parts)
    finally:
        cur.close()


def state_hashes_of(s: Session, entity: str, ids: list[int]) -> dict[int, str]:
    """The hash of each of ``ids`` as stored now (inside ``s``'s transaction), read in chunks: the
    entries of a bulk change (an import) hash their records the way ``state_hash`` hashes one."""
    kind = BY_ENTITY[entity]
    s.flush()
    out: dict[int, str] = {}
    cur = _cursor(s)
    mark = _mark(s)
    try:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join([mark] * len(chunk))
            part_digests: list[dict[int, str]] = []
            for part in kind.parts:
                cur.execute(part.sql(narrowed=f"{part.parent} IN ({marks})"), chunk)
                part_digests.append(
                    {pid: _digest(list(rows)) for pid, rows in itertools.groupby(cur, key=itemgetter(0))}
                )
            cur.execute(kind.sql(narrowed=f"{kind.key} IN ({marks})"), chunk)
            for row in cur.fetchall():
                out[row[0]] = _state_hash(row, [d.get(row[0], _EMPTY) for d in part_digests], kind.parts)
    finally:
        cur.close()
    return out


def live_values(s: Session, entity: str, record_id: int | str) -> dict[str, Any] | None:
    """The record's own columns as stored now (for naming a changed field)."""
    kind = BY_ENTITY[entity]
    cur = _cursor(s)
    try:
        cur.execute(kind.sql(_mark(s)), (record_id,))
        row = cur.fetchone()
    finally:
        cur.close()
    return None if row is None else dict(zip(kind.columns, row, strict=True))
