"""A realistic demo database: patients, vials, signed Microbotox sessions, outcomes that improve the
way the literature reports (with noise, non-responders and a few adverse events).

Built with bulk inserts in one transaction so 100,000 patients take well under a minute. The bulk
load is recorded in the audit trail as one import entry, and every record it made gets its own entry
with the hash of its stored state (signed sessions: their signing entry with the content hash), so
``clinicrec audit verify`` proves a demo database like one charted by hand.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

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
from ..domain.catalogue import SEED_PRODUCTS
from ..domain.enums import AuditAction, Role
from ..services import audit, audit_state, report_rollup
from ..services.auth import AuthService
from ..services.mapping import product_values
from ..services.permissions import Actor
from .people import DEMO_PASSWORD, DEMO_USERS, generate_patients
from .photos import add_demo_photos
from .sessions import SessionGenerator


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
    upgrade(db.engine)
    with db.read() as s:
        if (
            s.execute(select(UserRow.id).limit(1)).first()
            or s.execute(select(PatientRow.id).limit(1)).first()
        ):
            raise ValueError("The demo is built only into a new, empty database")
    hasher = AuthService.hasher
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        conn.execute(
            insert(ClinicRow),
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
        pw_hash = hasher.hash(DEMO_PASSWORD)
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
        conn.execute(
            insert(ProductRow), [dict(id=i + 1, **product_values(p)) for i, p in enumerate(SEED_PRODUCTS)]
        )
        brand_id = {p.brand: i + 1 for i, p in enumerate(SEED_PRODUCTS)}
        in_use = {i + 1: p.in_use_hours for i, p in enumerate(SEED_PRODUCTS)}
        indexes = _set_indexes_aside(conn)

        patient_rows = generate_patients(rng, patients, today, now)
        conn.execute(insert(PatientRow), patient_rows)
        gen = SessionGenerator(rng, today, brand_id, in_use, patient_rows)
        stored: dict[str, int] = {}

        def store() -> None:
            """What the generator made since the last call, parents first; its points then let go."""
            for model, rows in (
                (VialRow, gen.vials),
                (VialAdditiveRow, gen.additives),
                (SessionRow, gen.sessions),
                (SessionVialRow, gen.session_vials),
                (PointRow, gen.points),
                (AcknowledgementRow, gen.acks),
                (AssessmentRow, gen.assessments),
                (AdverseEventRow, gen.events),
            ):
                done = stored.get(model.__tablename__, 0)
                _bulk(conn, model.__table__, rows[done:])  # type: ignore[arg-type]
                stored[model.__tablename__] = len(rows)
            gen.points.clear()
            stored[PointRow.__tablename__] = 0

        gen.run(flush=store)
        store()
        _make_indexes(conn, [ix for ix in indexes if ix[1] != AuditRow.__tablename__])
        _audit_every_record(conn, gen, now, patients, patient_rows)
        _make_indexes(conn, [ix for ix in indexes if ix[1] == AuditRow.__tablename__])
        advance_sequences(conn)
        report_rollup.rebuild(conn)
    if db.is_sqlite:
        # Sampled statistics (a full ANALYZE reads every index of a million-patient file).
        run_outside_transaction(
            db.engine, "PRAGMA analysis_limit=2000", "ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"
        )
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


#: Bookkeeping columns left out of a demo record's creation entry (the app's entries leave them out too).
_NOT_IN_ENTRY = {"id", "first_key", "last_key", "version", "created_at", "updated_at", "updated_by_id"}


def _values(row: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in row.items() if k not in _NOT_IN_ENTRY and k != "password_hash"}


def _audit_every_record(
    conn: Connection, gen: SessionGenerator, now: datetime, patients: int, patient_rows: list[dict[str, Any]]
) -> None:
    """The import's entry, then one entry per record with the hash of the record as stored (read back in
    one pass per kind, as ``audit verify`` reads it), written by ``audit.record_bulk``.

    Every demo record is then provable from the trail like one charted through the application: signed
    sessions get their signing entry, everything else a creation entry holding its values, each at the
    time and by the user of the demo's history.
    """
    hashes = {k.entity: dict(audit_state.all_state_hashes(conn, k)) for k in audit_state.KINDS}
    name, full_name, credentials, role = DEMO_USERS[0]
    admin = Actor(1, name, full_name, credentials, Role(role))
    s = Session(bind=conn)
    audit.record(
        s,
        admin,
        AuditAction.CREATE,
        "demo_import",
        patient_id=None,
        changes={"patients": [None, patients], "note": [None, "demo data generated by clinicrec demo"]},
    )

    def by(uid: int | None) -> tuple[int, str]:
        return (uid, gen.username[uid]) if uid else (1, admin.username)

    def create(entity: str, entries: list[audit.BulkEntry]) -> None:
        audit.record_bulk(s, admin, AuditAction.CREATE, entity, entries, row_hashes=hashes[entity])

    def entry(
        rid: int, pid: int | None, changes: dict[str, Any], at: datetime, uid: int | None
    ) -> audit.BulkEntry:
        return audit.BulkEntry(rid, pid, changes, at, by(uid))

    create("clinic", [entry(1, None, {"name": [None, "demo clinic"]}, now, 1)])
    create(
        "user",
        [entry(u, None, {"username": [None, gen.username[u]]}, now, 1) for u in sorted(hashes["user"])],
    )
    create("product", [entry(p, None, {"product_id": [None, p]}, now, 1) for p in sorted(hashes["product"])])
    create("patient", [entry(p["id"], p["id"], _values(p), now, 1) for p in patient_rows])
    create("vial", [entry(v["id"], None, _values(v), v["created_at"], v["opened_by_id"]) for v in gen.vials])
    session_patient = {sess["id"]: sess["patient_id"] for sess in gen.sessions}
    create(
        "session",
        [
            entry(x["id"], x["patient_id"], {}, x["created_at"], x["injector_id"])
            for x in gen.sessions
            if x["status"] != "signed"
        ],
    )
    signed = [
        entry(
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
        for x in gen.sessions
        if x["status"] == "signed"
    ]
    audit.record_bulk(s, admin, AuditAction.SIGN, "session", signed, row_hashes=hashes["session"])
    create(
        "assessment",
        [
            entry(a["id"], session_patient[a["session_id"]], _values(a), a["created_at"], a["assessor_id"])
            for a in gen.assessments
            if a["time_point"] != "baseline"
        ],
    )
    create(
        "adverse_event",
        [
            entry(e["id"], session_patient[e["session_id"]], _values(e), e["created_at"], e["recorded_by_id"])
            for e in gen.events
        ],
    )
    s.flush()


#: Page cache for the build's one connection (SQLite's default 2 MiB thrashes on a million patients).
_BUILD_CACHE_KIB = 256 * 1024


def _set_indexes_aside(conn: Connection) -> list[tuple[str, str, str]]:
    """SQLite: drop the secondary indexes of the (empty) tables the build fills, returned as
    (name, table, sql) for ``_make_indexes``: building an index once from its loaded table sorts it in
    one pass, where keeping it through millions of inserts in random key order (names, patients of
    the day's sessions) reads and writes its pages over and over. Same transaction: all or nothing."""
    if conn.dialect.name != "sqlite":
        return []
    conn.exec_driver_sql(f"PRAGMA cache_size=-{_BUILD_CACHE_KIB}")
    found = conn.exec_driver_sql(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).all()
    indexes = [(str(n), str(t), str(q)) for n, t, q in found]
    for name, _table, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return indexes


def _make_indexes(conn: Connection, indexes: list[tuple[str, str, str]]) -> None:
    """The indexes ``_set_indexes_aside`` dropped, made again from their own stored definitions."""
    for _name, _table, sql in indexes:
        conn.exec_driver_sql(sql)


def _bulk(conn: Connection, table: Table, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    if table.name == PointRow.__tablename__ and rows:
        _bulk_raw(conn, table, rows)
        return
    for i in range(0, len(rows), chunk):
        conn.execute(insert(table), rows[i : i + chunk])


def _bulk_raw(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Driver-level executemany for the millions of injection points (plain numbers and strings only)."""
    cols = list(rows[0])
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    driver = conn.connection.driver_connection
    if driver is None:  # only a pooled connection that was closed has none
        raise RuntimeError("the demo's database connection is closed")
    cursor = driver.cursor()
    try:
        cursor.executemany(sql, [tuple(r[c] for c in cols) for r in rows])
    finally:
        cursor.close()
