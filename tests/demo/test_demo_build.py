"""The demo's bulk load (clinicrec/demo/build.py): the same seed gives the same records, and the file it
leaves is a normal ClinicRec database (WAL, foreign keys consistent, audit trail provable), whatever
shortcuts the load took (rollback journal, no syncs, points digested as they were made)."""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clinicrec.cli import main
from clinicrec.demo import DEMO_PASSWORD, build_demo
from clinicrec.demo.people import generate_patients
from clinicrec.demo.sessions import POINT_COLUMNS, SessionGenerator
from clinicrec.domain.catalogue import SEED_PRODUCTS
from clinicrec.services import audit_state
from clinicrec.services.app import open_services
from clinicrec.services.audit import VerifyResult
from clinicrec.services.content_hash import baseline_columns, content_columns, content_hash_of
from tests.conftest import PG_SKIP_REASON, PG_URL

TODAY = date(2026, 6, 30)
#: What a build records; the clinic's own rows (users' password hashes, the time of the build) differ.
RECORD_TABLES = (
    "patients",
    "vials",
    "vial_additives",
    "treatment_sessions",
    "session_vials",
    "injection_points",
    "acknowledgements",
    "assessments",
    "adverse_events",
    "report_session_use",
    "report_outcomes",
)
BUILD_TIME_COLUMNS = {"patients": ("created_at", "updated_at")}


def _records(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in RECORD_TABLES:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            keep = [c for c in cols if c not in BUILD_TIME_COLUMNS.get(table, ())]
            out[table] = conn.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY 1, 2, 3").fetchall()
        return out
    finally:
        conn.close()


def _verify(url: str, user: str = "admin", patients: int | None = None) -> VerifyResult:
    """``audit verify`` of a built file, through the application, signed in as ``user`` (and its patient
    count checked, when given)."""
    services = open_services(url)
    try:
        services.act_as(services.auth.sign_in(user, DEMO_PASSWORD))
        if patients is not None:
            assert services.patients.count() == patients
        return services.audit_log.verify_chain()
    finally:
        services.db.dispose()


def test_the_same_seed_builds_the_same_records_and_another_seed_others(tmp_path: Path) -> None:
    built = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        build_demo(f"sqlite:///{tmp_path / name}.sqlite3", patients=150, seed=seed, today=TODAY)
        built[name] = _records(tmp_path / f"{name}.sqlite3")
    assert all(built["a"][t] for t in ("patients", "injection_points", "assessments", "report_outcomes"))
    for table in RECORD_TABLES:
        assert built["a"][table] == built["b"][table], table
    assert built["a"]["patients"] != built["c"]["patients"]
    assert built["a"]["injection_points"] != built["c"]["injection_points"]


def test_visits_generated_in_a_second_process_are_the_same_records_and_prove(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large build generates its visits in a second process while it stores them (demo/beside.py):
    the same seed gives the same records as one process, batch by batch (several here), and the file
    is proven by ``audit verify`` (the points' digests came from the other process)."""
    from clinicrec.demo import beside, build

    monkeypatch.setattr(beside, "POINTS_PER_BATCH", 700)  # several batches, each stored as it comes
    build_demo(f"sqlite:///{tmp_path / 'one.sqlite3'}", patients=150, seed=5, today=TODAY)
    monkeypatch.setattr(build, "BESIDE_FROM", 100)
    batches = []
    real_store = beside.run_beside

    def counted(gen: SessionGenerator, store: object, meanwhile: object) -> None:
        def store_counted() -> None:
            batches.append(len(gen.points))
            store()  # type: ignore[operator]

        real_store(gen, store_counted, meanwhile)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "run_beside", counted)
    summary = build_demo(f"sqlite:///{tmp_path / 'two.sqlite3'}", patients=150, seed=5, today=TODAY)
    assert len(batches) >= 3 and all(n >= 700 for n in batches)
    one, two = _records(tmp_path / "one.sqlite3"), _records(tmp_path / "two.sqlite3")
    for table in RECORD_TABLES:
        assert one[table] == two[table], table
    assert summary.points == len(two["injection_points"])
    # the same trail too, the patients' entries written while the visits were generated included
    trails = []
    for name in ("one", "two"):
        with sqlite3.connect(tmp_path / f"{name}.sqlite3") as conn:
            trails.append(
                conn.execute(
                    # a patient's hash holds the time of the build; the users' their password's salt
                    "SELECT id, action, entity, entity_id, patient_id, changes, "
                    "CASE entity WHEN 'patient' THEN NULL ELSE row_hash END FROM audit_log "
                    "WHERE entity <> 'user' ORDER BY id"
                ).fetchall()
            )
        conn.close()
    assert trails[0] == trails[1] and len(trails[0]) > 150
    result = _verify(f"sqlite:///{tmp_path / 'two.sqlite3'}")
    assert result.ok, result.first_problem
    assert result.signed_sessions_checked > 0


def test_a_second_process_that_fails_stops_the_build_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clinicrec.demo import beside, build

    monkeypatch.setattr(build, "BESIDE_FROM", 100)
    monkeypatch.setattr(beside, "POINTS_PER_BATCH", "many")  # the second process's run fails on it
    with pytest.raises(RuntimeError, match="could not be generated(.|\n)*TypeError"):
        build_demo(f"sqlite:///{tmp_path / 'failed.sqlite3'}", patients=150, seed=5, today=TODAY)
    with sqlite3.connect(tmp_path / "failed.sqlite3") as conn:  # nothing of the failed load was kept
        assert conn.execute("SELECT count(*) FROM patients").fetchone() == (0,)
    conn.close()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo-build") / "demo.sqlite3"
    build_demo(f"sqlite:///{path}", patients=200, seed=9, today=TODAY)
    return path


def test_the_finished_file_is_a_normal_wal_database_with_consistent_keys(demo_file: Path) -> None:
    conn = sqlite3.connect(demo_file)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # The load ran with foreign_keys off: every reference it made must hold all the same.
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_patients_name", "ix_injection_points_session_zone", "ix_audit_log_entity"} <= indexes
        points, sessions = conn.execute(
            "SELECT (SELECT count(*) FROM injection_points), (SELECT count(*) FROM treatment_sessions)"
        ).fetchone()
        assert points > 20 * sessions > 0
        ids = conn.execute("SELECT min(id), max(id), count(*) FROM injection_points").fetchone()
        assert ids == (1, points, points)  # the database numbered them in the order they were made
    finally:
        conn.close()
    assert not Path(f"{demo_file}-journal").exists()


def test_the_application_opens_it_and_audit_verify_proves_it(
    demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import shutil

    db = tmp_path / "records.sqlite3"
    shutil.copy(demo_file, db)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CLINICREC_DATABASE_URL", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_PASSWORD + "\n"))
    assert main(["audit", "verify", "--db", str(db), "--user", "admin", "--password-stdin"]) == 0
    assert "Audit trail intact" in capsys.readouterr().out

    result = _verify(f"sqlite:///{db}", "manager", patients=200)
    assert result.ok, result.first_problem
    assert result.signed_sessions_checked > 0 and result.records_checked > 200


def test_a_changed_point_is_caught_by_verify(demo_file: Path, tmp_path: Path) -> None:
    """The points' digests were made in memory, not read back: a point changed behind the application
    still fails its session's proof (the digest is of what was stored)."""
    import shutil

    db = tmp_path / "tampered.sqlite3"
    shutil.copy(demo_file, db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE injection_points SET units = units + 1 WHERE id = 7")
    conn.commit()
    conn.close()
    result = _verify(f"sqlite:///{db}")
    assert not result.ok
    assert any(p.entity == "session" for p in result.problems)


def _generator(seed: int = 4) -> SessionGenerator:
    rng = random.Random(seed)
    patients = generate_patients(rng, 800, TODAY, datetime(2026, 6, 30, tzinfo=UTC))
    brand_id = {p.brand: i + 1 for i, p in enumerate(SEED_PRODUCTS)}
    in_use = {i + 1: p.in_use_hours for i, p in enumerate(SEED_PRODUCTS)}
    return SessionGenerator(rng, TODAY, brand_id, in_use, patients)


def test_a_point_is_made_in_the_order_the_audit_state_reads_it_back() -> None:
    [part] = [p for p in audit_state.BY_ENTITY["session"].parts if p.table == "injection_points"]
    assert (part.parent, *part.columns) == POINT_COLUMNS


def test_the_reshaped_content_hash_is_the_signed_content_s_hash() -> None:
    """The generator encodes a session's points once and reshapes them for the signed content; the
    hash must equal ``content_hash_of`` the content built the plain way."""
    gen = _generator()
    gen.run()
    by_session: dict[int, list[tuple[object, ...]]] = {}
    for p in gen.points:
        by_session.setdefault(int(p[0]), []).append(p)  # type: ignore[call-overload]
    baselines = {a["session_id"]: a for a in gen.assessments if a["time_point"] == "baseline"}
    acks: dict[int, list[list[object]]] = {}
    for a in gen.acks:
        acks.setdefault(a["session_id"], []).append([a["kind"], a["subject"], a["reason"], a["user_id"]])
    vials = {v["session_id"]: v["vial_id"] for v in gen.session_vials}
    signed = [s for s in gen.sessions if s["status"] == "signed"]
    assert len(signed) > 10 and any(acks.get(s["id"]) for s in signed)
    for sess in signed:
        content = {k: sess[k] for k in content_columns()}
        content["points"] = [list(p[1:9]) for p in by_session[sess["id"]]]
        content["vials"] = [vials[sess["id"]]]
        content["acknowledgements"] = acks.get(sess["id"], [])
        content["baseline"] = {k: baselines[sess["id"]][k] for k in baseline_columns()}
        assert sess["content_hash"] == content_hash_of(content), sess["id"]


@pytest.fixture
def new_pg_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (dropped afterwards)."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"clinicrec_demo_build_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


#: Every constraint and index of the database's own schema, as the server would re-create it.
_PG_SCHEMA = (
    "SELECT 'constraint', t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
    " JOIN pg_class t ON t.oid = c.conrelid WHERE t.relnamespace = current_schema()::regnamespace"
    " UNION ALL SELECT 'index', tablename, indexname, indexdef FROM pg_indexes"
    " WHERE schemaname = current_schema() ORDER BY 1, 2, 3"
)


def _pg_schema(url: str) -> list[tuple[object, ...]]:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.exec_driver_sql(_PG_SCHEMA)]
    finally:
        engine.dispose()


def test_a_demo_on_postgresql_proves_itself_too(new_pg_database: str) -> None:
    """The points' digests made in memory match PostgreSQL's read-back (its floats and strings), and the
    loaded file is as a migrated one: every foreign key and index set aside for the load is back, as it
    was defined (the build's COPY and its keys checked after the load leave no trace)."""
    from clinicrec.db.engine import make_engine
    from clinicrec.db.migrate import upgrade

    engine = make_engine(new_pg_database)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    migrated = _pg_schema(new_pg_database)
    assert sum(1 for r in migrated if r[0] == "constraint" and " FOREIGN KEY " in f" {r[3]}") > 10
    assert sum(1 for r in migrated if r[0] == "index" and "_pkey" not in str(r[2])) > 10
    build_demo(new_pg_database, patients=80, seed=9, today=TODAY)
    assert _pg_schema(new_pg_database) == migrated
    result = _verify(new_pg_database, "manager")
    assert result.ok, result.first_problem
    assert result.signed_sessions_checked > 0


def test_a_row_without_its_parent_fails_a_postgresql_build_when_its_keys_come_back(
    new_pg_database: str,
) -> None:
    """The foreign keys dropped for the load are checked when they are added back: a point of no session
    is refused there, and the transaction (the whole build) with it."""
    import psycopg
    from sqlalchemy.exc import IntegrityError

    from clinicrec.db.engine import make_engine
    from clinicrec.db.migrate import upgrade
    from clinicrec.demo import build as demo_build

    engine = make_engine(new_pg_database)
    try:
        upgrade(engine)
        with engine.connect() as conn, conn.begin():
            keys = demo_build._set_foreign_keys_aside(conn)
            assert ("fk_injection_points_session_id_treatment_sessions", "injection_points") in {
                (n, t) for n, t, _d in keys
            }
            conn.exec_driver_sql(
                "INSERT INTO injection_points (session_id, seq, zone, x, y, vial_id, units, volume_ml, basis)"
                " VALUES (999, 1, 'forehead', 0.5, 0.5, 999, 1.0, 0.01, 'units')"
            )
            with pytest.raises(IntegrityError) as refused:
                demo_build._add_foreign_keys(conn, keys)
            assert isinstance(refused.value.orig, psycopg.errors.ForeignKeyViolation)
    finally:
        engine.dispose()


def test_a_new_sqlite_file_gets_its_schema_from_the_script_not_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """db/new_schema.py's script makes the schema (tests/db/test_new_schema.py: identical to the
    migrations'); the users, inserted last with their password hashed in a thread, can sign in."""
    from clinicrec.db.engine import make_engine
    from clinicrec.db.migrate import stamped_revision
    from clinicrec.db.migrations import HEAD
    from clinicrec.demo import build as demo_build
    from clinicrec.services.auth import AuthService

    def no_migrations(*_a: object, **_kw: object) -> None:
        pytest.fail("the demo replayed the migrations on a new SQLite file")

    monkeypatch.setattr(demo_build, "upgrade", no_migrations)
    path = tmp_path / "scripted.sqlite3"
    assert build_demo(f"sqlite:///{path}", patients=30, seed=3, today=TODAY).patients == 30
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert stamped_revision(engine) == HEAD
    finally:
        engine.dispose()
    conn = sqlite3.connect(path)
    try:
        users = conn.execute("SELECT username, password_hash FROM users ORDER BY id").fetchall()
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    assert len(users) == len({u for u, _ in users}) >= 3
    assert all(AuthService.hasher.verify(h, DEMO_PASSWORD) for _, h in users)


def test_a_large_build_from_a_script_without_a_main_guard_builds_once(tmp_path: Path) -> None:
    """The second process is spawned, and a spawned process imports its parent's main script again
    unless that script is guarded by ``if __name__ == "__main__"``: a clinic's unguarded script (or the
    benchmark's) would run its build in the child too. The child is shown an empty main module."""
    import subprocess
    import sys
    import textwrap

    root = Path(__file__).resolve().parents[2]
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(root)!r})
            from datetime import date
            from clinicrec.demo import beside, build
            build.BESIDE_FROM, beside.POINTS_PER_BATCH = 100, 700
            summary = build.build_demo("sqlite:///{tmp_path / "unguarded.sqlite3"}", patients=150,
                                       today=date(2026, 6, 30))
            print("built", summary.patients, flush=True)
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n").count("built 150") == 1, done.stdout
