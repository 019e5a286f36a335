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

from sqlalchemy import Connection, Table, insert, select, update

from ..db.engine import Database, make_engine, run_outside_transaction
from ..db.migrate import upgrade
from ..db.models import (
    AcknowledgementRow,
    AdverseEventRow,
    AssessmentRow,
    AuditHeadRow,
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
from ..domain.enums import AuditAction
from ..services import audit_state
from ..services.audit import canonical_json, entry_hash
from ..services.auth import AuthService
from ..services.mapping import product_values
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


class _Chain:
    """Builds hash-chained audit rows in memory for the bulk insert."""

    def __init__(self, last_id: int, last_hash: str) -> None:
        self.last_id, self.last_hash = last_id, last_hash
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        at: datetime,
        user_id: int | None,
        username: str,
        action: str,
        entity: str,
        entity_id: str,
        patient_id: int | None,
        changes: dict[str, Any],
        row_hash: str | None = None,
    ) -> None:
        cj = canonical_json(changes)
        eid = self.last_id + 1
        h = entry_hash(
            self.last_hash, eid, at, user_id, username, action, entity, entity_id, patient_id, cj, row_hash
        )
        self.rows.append(
            dict(
                id=eid,
                at=at,
                user_id=user_id,
                username=username,
                action=action,
                entity=entity,
                entity_id=entity_id,
                patient_id=patient_id,
                changes=cj,
                prev_hash=self.last_hash,
                hash=h,
                row_hash=row_hash,
            )
        )
        self.last_id, self.last_hash = eid, h


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
        head = conn.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).one()
        chain = _Chain(head.last_id, head.last_hash)

        patient_rows = generate_patients(rng, patients, today, now)
        conn.execute(insert(PatientRow), patient_rows)
        chain.add(
            now,
            1,
            "admin",
            AuditAction.CREATE.value,
            "demo_import",
            "",
            None,
            {"patients": [None, patients], "note": [None, "demo data generated by clinicrec demo"]},
        )
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
        _audit_every_record(conn, chain, gen, now, patient_rows)
        _bulk(conn, AuditRow.__table__, chain.rows)  # type: ignore[arg-type]
        conn.execute(
            update(AuditHeadRow)
            .where(AuditHeadRow.id == 1)
            .values(last_id=chain.last_id, last_hash=chain.last_hash)
        )
        advance_sequences(conn)
    if db.is_sqlite:
        run_outside_transaction(db.engine, "ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)")
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
    conn: Connection, chain: _Chain, gen: SessionGenerator, now: datetime, patient_rows: list[dict[str, Any]]
) -> None:
    """One entry per record, with the hash of the record as stored (read back, as ``audit verify`` reads it).

    Every demo record is then provable from the trail like one charted through the application: signed
    sessions get their signing entry, everything else a creation entry holding its values.
    """
    hashes = {k.entity: dict(audit_state.all_state_hashes(conn, k)) for k in audit_state.KINDS}
    create = AuditAction.CREATE.value

    def add(
        at: datetime, uid: int | None, entity: str, rid: int, pid: int | None, changes: dict[str, Any]
    ) -> None:
        name = gen.username.get(uid, "admin") if uid else "admin"
        chain.add(at, uid or 1, name, create, entity, str(rid), pid, changes, hashes[entity][rid])

    add(now, 1, "clinic", 1, None, {"name": [None, "demo clinic"]})
    for uid in sorted(hashes["user"]):
        add(now, 1, "user", uid, None, {"username": [None, gen.username[uid]]})
    for pid in sorted(hashes["product"]):
        add(now, 1, "product", pid, None, {"product_id": [None, pid]})
    for p in patient_rows:
        add(now, 1, "patient", p["id"], p["id"], _values(p))
    for v in gen.vials:
        add(v["created_at"], v["opened_by_id"], "vial", v["id"], None, _values(v))
    session_patient = {}
    for sess in gen.sessions:
        session_patient[sess["id"]] = sess["patient_id"]
        if sess["status"] != "signed":
            add(sess["created_at"], sess["injector_id"], "session", sess["id"], sess["patient_id"], {})
            continue
        chain.add(
            sess["signed_at"],
            sess["signed_by_id"],
            gen.username[sess["signed_by_id"]],
            AuditAction.SIGN.value,
            "session",
            str(sess["id"]),
            sess["patient_id"],
            {
                "status": ["draft", "signed"],
                "content_hash": [None, sess["content_hash"]],
                "meaning": [None, sess["signature_meaning"]],
            },
            hashes["session"][sess["id"]],
        )
    for a in gen.assessments:
        if a["time_point"] != "baseline":
            pid = session_patient[a["session_id"]]
            add(a["created_at"], a["assessor_id"], "assessment", a["id"], pid, _values(a))
    for e in gen.events:
        pid = session_patient[e["session_id"]]
        add(e["created_at"], e["recorded_by_id"], "adverse_event", e["id"], pid, _values(e))


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
