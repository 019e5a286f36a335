"""Writing an import's patients and their creation entries: the part of an import that runs once per row.

An import of 100,000 patients is measured against plain inserts of the same rows (benchmarks/bench_fhir.py),
so each row is turned once into the tuple the driver stores, in the order the patient's state hash reads
its columns (services/audit_state.py). Then:

- ids are taken up front (SQLite: after the highest in the same write transaction, which SQLite would give
  next anyway; PostgreSQL: from the table's own sequence), so nothing is read back to learn them;
- the rows go in at once (db/bulk_rows.py: executemany; COPY on PostgreSQL), values bound by the
  columns' own types;
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
from operator import attrgetter, itemgetter
from typing import Any

import orjson
from sqlalchemy import Boolean, func, select, text
from sqlalchemy.orm import Session

from ...db.bulk_rows import insert_rows
from ...db.models import PatientRow
from ...domain.enums import AllergyStatus, AuditAction, Language, Sex
from ...domain.models import Patient, SafetyScreening
from ...text import fold
from .. import audit, audit_state
from ..mapping import SEARCH_KEY_LENGTH
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


#: The columns ``stored_values`` gives, in ``COLUMNS`` order: all but the id and the bookkeeping.
VALUE_COLUMNS: tuple[str, ...] = (
    "chart_number", "first_name", "last_name", "first_key", "last_key", "date_of_birth", "sex", "phone",
    "email", "address", "fitzpatrick_type", "allergies", "allergy_status",
    *("scr_" + q for q in SafetyScreening.QUESTIONS), "scr_other", "notes", "preferred_language",
)  # fmt: skip
if ("id", *VALUE_COLUMNS, "version", "created_at", "updated_at", "updated_by_id") != COLUMNS:
    raise RuntimeError("import_write.VALUE_COLUMNS no longer follows the patient's state-hash columns")
_screening_flags = attrgetter(*SafetyScreening.QUESTIONS)
#: Where each entry field sits in ``stored_values``' tuple.
_entry_values = itemgetter(*(VALUE_COLUMNS.index(f) for f in ENTRY_FIELDS))


def stored_values(p: Patient, key: tuple[str, str] | None) -> tuple[Any, ...]:
    """``mapping.patient_values(p, key)`` as a tuple in ``VALUE_COLUMNS`` order, read straight from the
    patient (an import maps 100,000; tests check the two agree)."""
    d = p.__dict__
    sex, status, language, screening = d["sex"], d["allergy_status"], d["preferred_language"], d["screening"]
    first, last = d["first_name"], d["last_name"]
    first_key, last_key = key or (fold(first)[:SEARCH_KEY_LENGTH], fold(last)[:SEARCH_KEY_LENGTH])
    return (
        d["chart_number"], first, last, first_key, last_key, d["date_of_birth"],
        sex._value_ if type(sex) is Sex else Sex(sex).value,
        d["phone"], d["email"], d["address"], d["fitzpatrick_type"], d["allergies"],
        status._value_ if type(status) is AllergyStatus else AllergyStatus(status).value,
        *map(bool, _screening_flags(screening)), screening.other, d["notes"],
        language._value_ if type(language) is Language else Language(language).value,
    )  # fmt: skip


def changes_json(values: dict[str, Any]) -> str:
    """``entry_json`` of ``mapping.patient_values``' dict."""
    return entry_json(tuple(values[k] for k in ENTRY_FIELDS))


def entry_json(values: tuple[Any, ...]) -> str:
    """``audit.canonical_json(audit.created(...))`` of a new patient's entry fields (``ENTRY_FIELDS``
    order), with orjson.

    The values are text, whole numbers, booleans, ``None`` (left out) and the date of birth, which both
    encoders write as ISO text; keys are ASCII, already in sorted order; strings are escaped alike; a
    ``(None, value)`` pair is written as ``[null, value]`` (tests)."""
    return orjson.dumps(
        {k: (None, v) for k, v in zip(ENTRY_FIELDS, values, strict=True) if v is not None}
    ).decode()


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
    tail = tuple(_bound(bind.get(c), v) for c, v in fixed.items())  # the same in every row: bound once
    # Columns whose values the driver takes only through the column's type (dates, booleans on
    # PostgreSQL...), as positions in ``stored_values``' tuple.
    converted = [(VALUE_COLUMNS.index(c), bind[c]) for c in VALUE_COLUMNS if c in bind]
    rows: list[tuple[Any, ...]] = []
    entries: list[audit.BulkEntry] = []
    for pid, patient, key in zip(ids, patients, keys, strict=True):
        values = stored_values(patient, key)
        entries.append(audit.BulkEntry(pid, pid, {}, encoded=entry_json(_entry_values(values))))
        if converted:
            row = list(values)
            for i, b in converted:
                if row[i] is not None:
                    row[i] = b(row[i])
            values = tuple(row)
        rows.append((pid, *values, *tail))
    insert_rows(conn, PatientRow.__tablename__, COLUMNS, rows, batch=INSERT_BATCH)
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
