"""Writing an import's patients and their creation entries: the part of an import that runs once per row.

An import of 100,000 patients is measured against plain inserts of the same rows (benchmarks/bench_fhir.py),
so each row is turned once into the tuple the driver stores, in the order the patient's state hash reads
its columns (services/audit_state.py). Then:

- ids are taken up front (SQLite: after the highest in the same write transaction, which SQLite would give
  next anyway; PostgreSQL: from the table's own sequence), so nothing is read back to learn them;
- the rows go in with the driver's executemany, values bound by the columns' own types;
- on SQLite the driver returns exactly the values it was given (text, integers, ``None``), so each
  record's state hash is computed from the stored tuple; PostgreSQL returns typed values (dates, aware
  times, booleans) and its records are read back to hash them. Tests check both against ``state_hash``;
- each creation entry records what the application's own creation entry records, encoded with orjson
  (tests check it is byte for byte ``audit.canonical_json``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from hashlib import sha256
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Boolean, func, select, text
from sqlalchemy.orm import Session

from ...db.models import PatientRow
from ...domain.enums import AuditAction
from ...domain.models import Patient
from .. import audit, audit_state
from ..mapping import patient_values
from ..permissions import Actor

INSERT_BATCH = 5000

#: The record's columns in the order its state hash reads them ("id" first).
COLUMNS: tuple[str, ...] = audit_state.BY_ENTITY["patient"].columns
#: What a patient's creation entry records (the application's entries leave out keys and bookkeeping).
ENTRY_FIELDS: tuple[str, ...] = tuple(
    sorted(
        c
        for c in COLUMNS
        if not c.endswith("_key") and c not in {"id", "version", "created_at", "updated_at", "updated_by_id"}
    )
)


def changes_json(values: dict[str, Any]) -> str:
    """``audit.canonical_json(audit.created(...))`` of a new patient's entry fields, with orjson.

    The values are text, whole numbers, booleans, ``None`` (left out) and the date of birth, which both
    encoders write as ISO text; keys are ASCII, already in sorted order; strings are escaped alike; a
    ``(None, value)`` pair is written as ``[null, value]`` (tests)."""
    return orjson.dumps({k: (None, v) for k in ENTRY_FIELDS if (v := values[k]) is not None}).decode()


def write_patients(
    s: Session,
    actor: Actor,
    patients: Sequence[Patient],
    keys: Sequence[tuple[str, str] | None],
    now: datetime,
) -> None:
    """Insert ``patients`` (new, checked) and append one creation entry for each, in ``s``'s transaction."""
    if not patients:
        return
    conn = s.connection()
    dialect = conn.dialect
    ids = _new_ids(s, len(patients))
    fixed = {"version": 1, "created_at": now, "updated_at": now, "updated_by_id": actor.user_id}
    bind = _binders(dialect)
    constant = {c: _bound(bind.get(c), v) for c, v in fixed.items()}  # the same in every row: bound once
    converted = [(i, bind[c]) for i, c in enumerate(COLUMNS) if c in bind and c not in fixed]
    in_order = itemgetter(*COLUMNS)
    rows: list[tuple[Any, ...]] = []
    entries: list[audit.BulkEntry] = []
    for pid, patient, key in zip(ids, patients, keys, strict=True):
        v = patient_values(patient, key)
        entries.append(audit.BulkEntry(pid, pid, {}, encoded=changes_json(v)))
        v.update(constant, id=pid)
        row = list(in_order(v))
        for i, b in converted:
            if row[i] is not None:
                row[i] = b(row[i])
        rows.append(tuple(row))
    width = len(COLUMNS)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {PatientRow.__tablename__} ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * width)})"
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(sql, rows[start : start + INSERT_BATCH])
    finally:
        cursor.close()
    row_hashes = {r[0]: state_hash(r) for r in rows} if dialect.name == "sqlite" else None
    audit.record_bulk(s, actor, AuditAction.CREATE, "patient", entries, row_hashes=row_hashes)


def first_taken(s: Session, numbers: Sequence[str]) -> str | None:
    """The first of ``numbers`` a patient in the clinic has, asked of the driver 900 at a time (each
    IN list compiled by SQLAlchemy cost more than the lookups for an import of 100,000 rows)."""
    conn = s.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(numbers), 900):
            chunk = list(numbers[start : start + 900])
            cursor.execute(
                f"SELECT chart_number FROM {PatientRow.__tablename__} "
                f"WHERE chart_number IN ({', '.join([mark] * len(chunk))}) LIMIT 1",
                chunk,
            )
            found = cursor.fetchone()
            if found is not None:
                return str(found[0])
    finally:
        cursor.close()
    return None


def state_hash(row: tuple[Any, ...]) -> str:
    """``audit_state.stored_state_hash`` with orjson: the row holds text, whole numbers and ``None``, which
    both encoders write alike (tests)."""
    return sha256(orjson.dumps([row, []])).hexdigest()


def _new_ids(s: Session, n: int) -> list[int]:
    """``n`` ids for new patients. SQLite gives a new row the highest id plus one (no AUTOINCREMENT) and
    this transaction holds the write lock once it writes; should another connection insert between the
    read and the insert, the ids clash and the whole import rolls back (all or nothing)."""
    if s.get_bind().dialect.name == "postgresql":
        seq = "pg_get_serial_sequence('patients', 'id')"
        return list(s.execute(text(f"SELECT nextval({seq}) FROM generate_series(1, :n)"), {"n": n}).scalars())
    first = (s.execute(select(func.max(PatientRow.id))).scalar() or 0) + 1
    return list(range(first, first + n))


def _binders(dialect: Any) -> dict[str, Callable[[Any], Any]]:
    """Each column's own bind conversion (None: the driver takes the value as it is); booleans have two
    values, so each is converted once."""
    table = PatientRow.__table__
    out: dict[str, Callable[[Any], Any]] = {}
    for c in COLUMNS:
        p = table.c[c].type._cached_bind_processor(dialect)  # noqa: SLF001
        if p is None:
            continue
        out[c] = {True: p(True), False: p(False)}.__getitem__ if isinstance(table.c[c].type, Boolean) else p
    return out


def _bound(binder: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if binder is None or value is None else binder(value)
