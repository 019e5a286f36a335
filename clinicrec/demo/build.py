"""A realistic demo database: patients, vials, signed Microbotox sessions, outcomes that improve the
way the literature reports (with noise, non-responders and a few adverse events).

Built with bulk inserts in one transaction so 100,000 patients take well under a minute. The bulk
load is recorded in the audit trail as one import entry, and every record it made gets its own entry
with the hash of its stored state (signed sessions: their signing entry with the content hash), so
``clinicrec audit verify`` proves a demo database like one charted by hand.

What keeps it within a few times plain inserts of the same rows (issue 17; benchmarks/bench_store.py):
a new SQLite file's schema comes from one generated script, not 19 migrations (db/new_schema.py); the
users' Argon2id hash is made in a thread while the rows are generated; rows go to the driver's
executemany, times and dates bound once per distinct value; the millions of injection points are
tuples, stored as made and encoded once (their audit part digest, reshaped for the signed content
hash), never read back; secondary indexes are made after the load; on SQLite the load runs under a
rollback journal without syncs or foreign-key lookups (pages new to the file are written once, not to
the WAL and again), and the finished file is put back to WAL and full syncs; on PostgreSQL the rows
go in by COPY (db/bulk_rows.py), its foreign keys are checked once each after the load, not row by row,
and the loaded tables' statistics are gathered before the report tables are filled from them; the
cycle collector is paused while millions of rows are alive. tests/demo/test_demo_build.py holds the
finished file to the application's standards (integrity, keys, ``audit verify``, same seed same rows).
"""

from __future__ import annotations

import itertools
import operator
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, event, insert, select
from sqlalchemy.orm import Session

from ..bulk import collector_paused
from ..db.bulk_rows import driver_of, insert_rows
from ..db.engine import Database, make_engine, run_outside_transaction
from ..db.migrate import upgrade
from ..db.models import (
    AcknowledgementRow,
    AdverseEventRow,
    AssessmentRow,
    AuditRow,
    ClinicRow,
    PatientRow,
    PointRow,
    ProductRow,
    SessionRow,
    SessionVialRow,
    UserRow,
    VialAdditiveRow,
    VialRow,
)
from ..db.new_schema import create_sqlite
from ..domain.catalogue import SEED_PRODUCTS
from ..domain.enums import AuditAction, Role
from ..services import audit, audit_state, report_rollup
from ..services.auth import AuthService
from ..services.mapping import product_values
from ..services.permissions import Actor
from . import beside
from .beside import IDLE, run_beside
from .people import DEMO_PASSWORD, DEMO_USERS, generate_patients
from .photos import add_demo_photos
from .sessions import POINT_COLUMNS, SessionGenerator

#: From this many patients on, the visits are generated in a second process while this one stores them.
BESIDE_FROM = 50_000


@dataclass(frozen=True)
class DemoSummary:
    patients: int
    sessions: int
    points: int
    follow_ups: int
    adverse_events: int
    vials: int
    seconds: float
    recovery_key: str = ""  # the demo file, encrypted (cli/commands/demo.py): its recovery key
    photos: int = 0  # synthetic before-and-after photos, measured (demo/photos.py)


def build_demo(
    url: str,
    *,
    patients: int = 400,
    seed: int = 7,
    today: date | None = None,
    clinic_name: str = "Lumière Skin & Laser Clinic",
    photo_sessions: int = 0,
) -> DemoSummary:
    """Create a demo database at ``url`` (which must be empty or new); ``photo_sessions``: how many
    followed-up sessions get measured before-and-after photos (demo/photos.py)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = today or datetime.now(UTC).date()
    db = Database(make_engine(url))
    _no_syncs_while_building(db.engine)
    if not create_sqlite(db.engine):  # a new SQLite file's schema in one script (db/new_schema.py)
        upgrade(db.engine)
    with db.read() as s:
        if (
            s.execute(select(UserRow.id).limit(1)).first()
            or s.execute(select(PatientRow.id).limit(1)).first()
        ):
            raise ValueError("The demo is built only into a new, empty database")
    now = datetime.now(UTC)
    db.dispose()  # the connections that migrated and checked it: the build's own sets its pragmas alone
    # The demo users' password hash (Argon2id, a fifth of a second by design) is made in a thread while
    # the rows are generated: Argon2 releases the GIL, and the users are inserted last.
    with (
        ThreadPoolExecutor(1, thread_name_prefix="demo-password") as pool,
        collector_paused(),
        db.engine.connect() as conn,
    ):
        pw_hash = pool.submit(AuthService.hasher.hash, DEMO_PASSWORD)
        fast = _fast_build_pragmas(conn)
        with conn.begin():
            gen = _load(conn, rng, patients, today, now, clinic_name, pw_hash)
        if db.is_sqlite:
            _restore_pragmas(conn, fast)
    if db.is_sqlite:
        # Sampled statistics (a full ANALYZE reads every index of a million-patient file).
        # Full syncs again first, so the checkpoint puts the finished file on disk.
        run_outside_transaction(
            db.engine,
            "PRAGMA synchronous=FULL",
            "PRAGMA analysis_limit=2000",
            "ANALYZE",
            "PRAGMA wal_checkpoint(TRUNCATE)",
        )
    else:
        # PostgreSQL: statistics now, not when autovacuum next wakes (until then every report is planned
        # blind), and the visibility map, without which an index-only scan reads each row anyway.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    db.dispose()
    photos = add_demo_photos(url, sessions=photo_sessions, seed=seed)
    return DemoSummary(
        patients,
        len(gen.sessions),
        gen.points_made,
        sum(1 for a in gen.assessments if a["time_point"] != "baseline"),
        len(gen.events),
        len(gen.vials),
        time.perf_counter() - started,
        photos=photos,
    )


def _load(
    conn: Connection,
    rng: random.Random,
    patients: int,
    today: date,
    now: datetime,
    clinic_name: str,
    pw_hash: Future[str],
) -> SessionGenerator:
    """Every row of the demo, its audit trail and its report tables, in ``conn``'s one transaction."""
    _insert(
        conn,
        ClinicRow.__table__,  # type: ignore[arg-type]
        [
            dict(
                id=1,
                name=clinic_name,
                address="12 Harbour Road\nBrighton BN1 2AB",
                phone="+44 1273 555 014",
                email="hello@lumiere-clinic.example",
                website="lumiere-clinic.example",
                paper_size="A4",
                review_days=14,
                consent_form_version="MB-CONSENT-3",
                idle_lock_minutes=10,
                backups_kept=14,
            )
        ],
    )
    users_last = conn.dialect.name == "sqlite"  # no foreign-key checks while loading (_fast_build_pragmas)
    if not users_last:  # PostgreSQL checks each session's injector: the users come first
        _insert_users(conn, now, pw_hash.result())
    conn.execute(
        insert(ProductRow), [dict(id=i + 1, **product_values(p)) for i, p in enumerate(SEED_PRODUCTS)]
    )
    brand_id = {p.brand: i + 1 for i, p in enumerate(SEED_PRODUCTS)}
    in_use = {i + 1: p.in_use_hours for i, p in enumerate(SEED_PRODUCTS)}
    indexes = _set_indexes_aside(conn)
    foreign_keys = _set_foreign_keys_aside(conn)

    patient_rows = generate_patients(rng, patients, today, now)
    _insert(conn, PatientRow.__table__, patient_rows)  # type: ignore[arg-type]
    gen = SessionGenerator(rng, today, brand_id, in_use, patient_rows)
    stored: dict[str, int] = {}
    trail = _Trail(conn, gen, now)
    trail.begin(patients)
    audit_next: deque[dict[str, range]] = deque()  # each stored batch's rows, until their entries are written

    def store() -> None:
        """What the generator made since the last call, parents first; its points then let go."""
        made: dict[str, range] = {}
        for model, rows in (
            (VialRow, gen.vials),
            (VialAdditiveRow, gen.additives),
            (SessionRow, gen.sessions),
            (SessionVialRow, gen.session_vials),
            (AcknowledgementRow, gen.acks),
            (AssessmentRow, gen.assessments),
            (AdverseEventRow, gen.events),
        ):
            done = stored.get(model.__tablename__, 0)
            _insert(conn, model.__table__, rows[done:])  # type: ignore[arg-type]
            stored[model.__tablename__] = len(rows)
            made[model.__tablename__] = range(done, len(rows))
        _insert_tuples(conn, PointRow.__tablename__, POINT_COLUMNS, gen.points)
        gen.points.clear()
        audit_next.append(made)

    generated = False

    def meanwhile_work() -> Iterator[object]:
        """The work that waits for nothing the generator has still to make, a step at a time: the
        patients' indexes and entries, then the entries of each batch stored (``IDLE`` when none is
        waiting yet), in the order they were stored."""
        _make_indexes(conn, [ix for ix in indexes if ix[1] == PatientRow.__tablename__])
        yield None
        yield from trail.patients(patient_rows)
        while audit_next or not generated:
            if audit_next:
                yield from trail.stored(audit_next.popleft())
            else:
                yield IDLE

    meanwhile = meanwhile_work()
    if patients >= BESIDE_FROM:
        # generated in a second process while this one stores them and, whenever it waits for the next
        # batch, does a step of the work above (demo/beside.py)
        run_beside(gen, store, meanwhile=meanwhile)
    else:  # the same batches, so that the trail is the same as in two processes
        gen.run(flush=store, every=beside.POINTS_PER_BATCH)
    store()
    generated = True
    for _ in meanwhile:  # what the wait left (all of it, in one process)
        pass
    if users_last:  # their password hashed in its own thread meanwhile (build_demo)
        _insert_users(conn, now, pw_hash.result())
    later = (AuditRow.__tablename__, PatientRow.__tablename__)
    _make_indexes(conn, [ix for ix in indexes if ix[1] not in later])
    trail.users()
    _make_indexes(conn, [ix for ix in indexes if ix[1] == AuditRow.__tablename__])
    _add_foreign_keys(conn, foreign_keys)
    advance_sequences(conn)
    if conn.dialect.name == "postgresql":
        # The planner's statistics of the loaded tables (inside this transaction: it sees the rows), without
        # which the report tables' aggregates below are planned for empty tables (a nested loop per session).
        conn.exec_driver_sql("ANALYZE")
    report_rollup.rebuild(conn)
    return gen


def _insert_users(conn: Connection, now: datetime, pw_hash: str) -> None:
    conn.execute(
        insert(UserRow),
        [
            dict(
                id=i + 1,
                username=u,
                full_name=n,
                credentials=c,
                role=r,
                password_hash=pw_hash,
                active=True,
                failed_attempts=0,
                created_at=now,
                password_changed_at=now,
            )
            for i, (u, n, c, r) in enumerate(DEMO_USERS)
        ],
    )


def _no_syncs_while_building(engine: Engine) -> None:
    """SQLite: the build's own connections (migrations included) skip the fsync of each commit; the
    setting belongs to the connection, so the application's own (db/engine.py: FULL) are unaffected."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous=OFF")


def _fast_build_pragmas(conn: Connection) -> bool:
    """SQLite, before the build's transaction: a rollback journal instead of WAL (pages new to the file
    are never journaled, so the load is written once instead of to the WAL and then again into the
    file), no syncs while loading and no per-row foreign-key lookups (the generator's ids are
    consistent by construction; tests/demo run ``foreign_key_check``). A crash mid-build leaves the
    transaction to roll back, as before. Returns whether they were set (``_restore_pragmas`` undoes)."""
    if conn.dialect.name != "sqlite":
        return False
    driver = driver_of(conn)
    mode = driver.execute("PRAGMA journal_mode=TRUNCATE").fetchone()
    driver.execute("PRAGMA synchronous=OFF")
    driver.execute("PRAGMA foreign_keys=OFF")
    return bool(mode and str(mode[0]).lower() == "truncate")


def _restore_pragmas(conn: Connection, journal_changed: bool) -> None:
    """The application's settings (db/engine.py) back on the finished file: WAL, full syncs, foreign keys."""
    driver = driver_of(conn)
    if journal_changed:
        driver.execute("PRAGMA journal_mode=WAL")
    driver.execute("PRAGMA synchronous=FULL")
    driver.execute("PRAGMA foreign_keys=ON")


def advance_sequences(conn: Connection) -> None:
    """PostgreSQL: the bulk load gave its ids itself, so each table's id sequence is moved past them
    (else the application's first new vial or patient would collide with the demo's id 1)."""
    if conn.dialect.name != "postgresql":
        return
    for model in (
        UserRow,
        ProductRow,
        PatientRow,
        VialRow,
        VialAdditiveRow,
        SessionRow,
        PointRow,
        AcknowledgementRow,
        AssessmentRow,
        AdverseEventRow,
        AuditRow,
    ):
        name = model.__tablename__
        conn.exec_driver_sql(
            f"SELECT setval(seq, m) FROM (SELECT pg_get_serial_sequence('{name}', 'id') AS seq, "
            f"(SELECT max(id) FROM {name}) AS m) s WHERE seq IS NOT NULL AND m IS NOT NULL"
        )


#: Audit entries written per ``audit.record_bulk`` call (bounds the build's memory at a million patients).
_AUDIT_PIECE = 50_000
#: Bookkeeping columns left out of a demo record's creation entry (the app's entries leave them out too).
_NOT_IN_ENTRY = {"id", "first_key", "last_key", "version", "created_at", "updated_at", "updated_by_id"}


def _values(row: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in row.items() if k not in _NOT_IN_ENTRY and k != "password_hash"}


class _Trail:
    """The demo's audit trail: the import's entry, then one entry per record with the hash of the record
    as stored (read back in one pass per kind, as ``audit verify`` reads it), written by
    ``audit.record_bulk``.

    Every demo record is then provable from the trail like one charted through the application: signed
    sessions get their signing entry, everything else a creation entry holding its values, each at the
    time and by the user of the demo's history. The clinic, the catalogue and the patients are stored
    first, so their entries come first (``begin``, ``patients``); then each batch of visits' entries, as
    it was stored (``stored``: while the next batches are generated); the users' last (``users``).
    """

    def __init__(self, conn: Connection, gen: SessionGenerator, now: datetime) -> None:
        self.conn, self.gen, self.now = conn, gen, now
        name, full_name, credentials, role = DEMO_USERS[0]
        self.admin = Actor(1, name, full_name, credentials, Role(role))
        self.s = Session(bind=conn)

    def _hashes(self, entity: str, rows: Sequence[dict[str, Any]] | None = None) -> dict[int, str]:
        """The hash of every record of ``entity`` as stored, or of ``rows``' records alone (in id order)."""
        if rows is not None and not rows:
            return {}
        within = None if rows is None else (rows[0]["id"], rows[-1]["id"])
        known = {PointRow.__tablename__: self.gen.point_digests}  # the points, digested as they were made
        return dict(audit_state.all_state_hashes(self.conn, audit_state.BY_ENTITY[entity], known, within))

    def _by(self, uid: int | None) -> tuple[int, str]:
        return (uid, self.gen.username[uid]) if uid else (1, self.admin.username)

    def _entry(
        self, rid: int, pid: int | None, changes: dict[str, Any], at: datetime, uid: int | None
    ) -> audit.BulkEntry:
        return audit.BulkEntry(rid, pid, changes, at, self._by(uid))

    def _create(
        self,
        entity: str,
        entries: Iterable[audit.BulkEntry],
        action: AuditAction = AuditAction.CREATE,
        hashes: dict[int, str] | None = None,
        size: int = _AUDIT_PIECE,
    ) -> Iterator[None]:
        """The entries in pieces of ``size`` (a million patients' entries never all in memory), chained
        in order; yields after each piece."""
        hashes = self._hashes(entity) if hashes is None else hashes
        it = iter(entries)
        while piece := list(itertools.islice(it, size)):
            audit.record_bulk(self.s, self.admin, action, entity, piece, row_hashes=hashes)
            yield

    def _write(self, entity: str, entries: Iterable[audit.BulkEntry], hashes: dict[int, str]) -> None:
        for _ in self._create(entity, entries, hashes=hashes):
            pass

    def begin(self, patients: int) -> None:
        """The import's entry, the clinic's and the catalogue's."""
        audit.record(
            self.s,
            self.admin,
            AuditAction.CREATE,
            "demo_import",
            patient_id=None,
            changes={"patients": [None, patients], "note": [None, "demo data generated by clinicrec demo"]},
        )
        clinic = [self._entry(1, None, {"name": [None, "demo clinic"]}, self.now, 1)]
        self._write("clinic", clinic, hashes=self._hashes("clinic"))
        products = self._hashes("product")
        entries = [self._entry(p, None, {"product_id": [None, p]}, self.now, 1) for p in sorted(products)]
        self._write("product", entries, hashes=products)

    def patients(self, patient_rows: list[dict[str, Any]]) -> Iterator[None]:
        """The patients' entries, a piece at each step (their hashes read at the first)."""
        entries = (self._entry(p["id"], p["id"], _values(p), self.now, 1) for p in patient_rows)
        return self._create("patient", entries, size=_AUDIT_PIECE // 5)  # short steps between batches

    def stored(self, batch: dict[str, range]) -> Iterator[None]:
        """The entries of one stored batch (``batch``: the range of each of the generator's lists that
        it stored), a piece at each step: its vials', sessions', follow-ups' and adverse events'."""
        gen = self.gen
        vials = [gen.vials[i] for i in batch[VialRow.__tablename__]]
        yield from self._create(
            "vial",
            (self._entry(v["id"], None, _values(v), v["created_at"], v["opened_by_id"]) for v in vials),
            hashes=self._hashes("vial", vials),
        )
        sessions = [gen.sessions[i] for i in batch[SessionRow.__tablename__]]
        hashes = self._hashes("session", sessions)
        drafts = (
            self._entry(x["id"], x["patient_id"], {}, x["created_at"], x["injector_id"])
            for x in sessions
            if x["status"] != "signed"
        )
        yield from self._create("session", drafts, hashes=hashes)
        signed = (
            self._entry(
                x["id"],
                x["patient_id"],
                {
                    "status": ["draft", "signed"],
                    "content_hash": [None, x["content_hash"]],
                    "meaning": [None, x["signature_meaning"]],
                },
                x["signed_at"],
                x["signed_by_id"],
            )
            for x in sessions
            if x["status"] == "signed"
        )
        yield from self._create("session", signed, AuditAction.SIGN, hashes=hashes)
        follow_ups = [gen.assessments[i] for i in batch[AssessmentRow.__tablename__]]
        follow_ups = [a for a in follow_ups if a["time_point"] != "baseline"]
        yield from self._create(
            "assessment",
            (
                self._entry(a["id"], self._patient(a), _values(a), a["created_at"], a["assessor_id"])
                for a in follow_ups
            ),
            hashes=self._hashes("assessment", follow_ups),
        )
        events = [gen.events[i] for i in batch[AdverseEventRow.__tablename__]]
        yield from self._create(
            "adverse_event",
            (
                self._entry(e["id"], self._patient(e), _values(e), e["created_at"], e["recorded_by_id"])
                for e in events
            ),
            hashes=self._hashes("adverse_event", events),
        )

    def _patient(self, row: dict[str, Any]) -> int:
        """The patient of a session's follow-up or adverse event (a session's id is its place in the
        generator's list, plus one)."""
        return int(self.gen.sessions[row["session_id"] - 1]["patient_id"])

    def users(self) -> None:
        """The users' entries (stored last: on SQLite after every visit that names them)."""
        users = self._hashes("user")
        entries = [
            self._entry(u, None, {"username": [None, self.gen.username[u]]}, self.now, 1)
            for u in sorted(users)
        ]
        self._write("user", entries, hashes=users)
        self.s.flush()


#: Page cache for the build's one connection (SQLite's default 2 MiB thrashes on a million patients).
_BUILD_CACHE_KIB = 256 * 1024


def _set_indexes_aside(conn: Connection) -> list[tuple[str, str, str]]:
    """Drop the secondary indexes of the (empty) tables the build fills, returned as (name, table, sql)
    for ``_make_indexes``: building an index once from its loaded table sorts it in one pass, where
    keeping it through millions of inserts in random key order (names, patients of the day's sessions)
    reads and writes its pages over and over. PostgreSQL keeps the indexes of its primary keys and
    unique constraints (the foreign keys, set aside too, need them; ``_set_foreign_keys_aside``).
    Same transaction: all or nothing."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{_BUILD_CACHE_KIB}")
        found = conn.exec_driver_sql(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).all()
    else:
        found = conn.exec_driver_sql(
            "SELECT ci.relname, ct.relname, pg_get_indexdef(ix.indexrelid) FROM pg_index ix"
            " JOIN pg_class ci ON ci.oid = ix.indexrelid JOIN pg_class ct ON ct.oid = ix.indrelid"
            " WHERE ct.relnamespace = current_schema()::regnamespace AND NOT EXISTS (SELECT 1"
            " FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u', 'x'))"
        ).all()
    indexes = [(str(n), str(t), str(q)) for n, t, q in found]
    for name, _table, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return indexes


def _set_foreign_keys_aside(conn: Connection) -> list[tuple[str, str, str]]:
    """PostgreSQL: drop the foreign keys, returned as (name, table, definition) for
    ``_add_foreign_keys``. Checked row by row, two or three lookups for each of millions of points and
    audit entries; added back after the load, each is checked in one pass over its table (as pg_restore
    does), and a row without its parent still fails the build. SQLite loads without its per-row
    checks (``_fast_build_pragmas``), and tests/demo run ``foreign_key_check``."""
    if conn.dialect.name != "postgresql":
        return []
    found = conn.exec_driver_sql(
        "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
        " JOIN pg_class t ON t.oid = c.conrelid"
        " WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace ORDER BY c.oid"
    ).all()
    keys = [(str(n), str(t), str(d)) for n, t, d in found]
    for name, table, _definition in keys:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return keys


def _add_foreign_keys(conn: Connection, keys: list[tuple[str, str, str]]) -> None:
    """The foreign keys ``_set_foreign_keys_aside`` dropped, each checked against the loaded rows."""
    for name, table, definition in keys:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def _make_indexes(conn: Connection, indexes: list[tuple[str, str, str]]) -> None:
    """The indexes ``_set_indexes_aside`` dropped, made again from their own stored definitions."""
    for _name, _table, sql in indexes:
        conn.exec_driver_sql(sql)


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]], chunk: int = 50_000) -> None:
    """``rows`` (dicts with the same keys) with the driver's executemany: each value bound as its column's
    type binds it (db/types.py's UTC times, dates, booleans), computed once per distinct value (a clinic
    day's few dozen times), the rest passed as they are."""
    if not rows:
        return
    cols = list(rows[0])
    pick = operator.itemgetter(*cols, cols[0])  # always a tuple (one extra value, dropped below)
    binders = _binders(conn, table, cols)
    for i in range(0, len(rows), chunk):
        data = [list(pick(r)) for r in rows[i : i + chunk]]
        for row in data:
            del row[-1]
            for at, bind in binders:
                row[at] = bind(row[at])
        insert_rows(conn, table.name, cols, data)


def _binders(conn: Connection, table: Table, cols: list[str]) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, bind function) of each column whose type binds its values; a bind function keeps what it
    computed per value, so each distinct time is formatted once."""
    dialect = conn.dialect
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for at, c in enumerate(cols):
        col_type = table.c[c].type
        process = None if _is_float(col_type) else col_type._cached_bind_processor(dialect)  # noqa: SLF001
        if process is not None:
            out.append((at, _memo(process)))
    return out


def _is_float(col_type: Any) -> bool:
    """Floats go to the driver as they are (the dialect's float processor only checks them)."""
    try:
        return col_type.python_type is float
    except NotImplementedError:
        return False


def _memo(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    done: dict[Any, Any] = {}

    def bind(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            done[value] = bound = process(value)
            return bound

    return bind


def _insert_tuples(conn: Connection, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Rows already as the driver takes them (plain numbers and strings: the millions of points)."""
    insert_rows(conn, table, cols, rows, batch=100_000)
