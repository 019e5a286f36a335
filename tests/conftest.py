"""Shared fixtures: a real, migrated SQLite file per test, built fast from a migrated template."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Nothing a test does reaches the user's own data folder (the workstation's audit anchors, remembered
# window sizes, the default database): a data folder of this test process's own, under which each test
# also gets anchors of its own (``_workstation_anchors``). Set here, before any test, so that a
# ``monkeypatch.undo()`` falls back to it and not to the user's folder: the audit tests' time travel once
# undid its test's anchors folder, and the heads of temporary databases piled up in the user's anchor
# book, where one of a later run's temporary files at the same path made ``audit verify`` report a fork.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="clinicrec-test-data-")
os.environ["CLINICREC_ANCHOR_DIR"] = os.path.join(os.environ["XDG_DATA_HOME"], "anchors")

from clinicrec.db import crypto  # noqa: E402
from clinicrec.db.engine import Database, make_engine  # noqa: E402
from clinicrec.db.migrate import upgrade  # noqa: E402
from clinicrec.domain.enums import DiluentKind, Role, Sex  # noqa: E402
from clinicrec.domain.models import ClinicSettings, Patient, User, Vial  # noqa: E402
from clinicrec.services.app import Services  # noqa: E402
from clinicrec.services.auth import AuthService, actor_of, password_hasher  # noqa: E402
from clinicrec.services.base import Context  # noqa: E402
from clinicrec.services.permissions import Actor  # noqa: E402

PASSWORD = "correct horse battery"

# Cheap Argon2id parameters for tests only (production parameters: tests/services/test_auth.py).
AuthService.hasher = password_hasher(time_cost=1, memory_kib=8 * 1024, parallelism=1)
# ...and for the encrypted database's recovery copy (production: db/crypto.py KDF_*).
crypto.RECOVERY_KDF = (1, 8 * 1024, 1)


@dataclass
class Clock:
    """A settable clock; by default it follows real time."""

    fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)

    def set(self, when: datetime) -> None:
        self.fixed = when

    def advance(self, **kw: float) -> None:
        self.fixed = self() + timedelta(**kw)


@dataclass
class World:
    services: Services
    clock: Clock
    admin: Actor
    manager: Actor
    injector: Actor
    injector2: Actor
    path: Path | None
    made: dict[str, int] = field(default_factory=dict)

    def as_(self, actor: Actor) -> Services:
        self.services.act_as(actor)
        return self.services


@pytest.fixture(autouse=True)
def _workstation_anchors(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps its workstation's audit anchors in its own folder, never the user's data folder."""
    monkeypatch.setenv("CLINICREC_ANCHOR_DIR", str(tmp_path_factory.mktemp("anchors")))


PG_URL = os.environ.get("CLINICREC_TEST_PG_URL")
PG_SKIP_REASON = (
    "PostgreSQL tests need a server: set CLINICREC_TEST_PG_URL=postgresql+psycopg://user@host:port/db "
    "or run scripts/test.sh, which starts one on loopback"
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``postgres`` that use the ``world`` fixture run on SQLite and on PostgreSQL."""
    if "backend" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker("postgres") is not None
        params = [
            "sqlite",
            pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)),
        ]
        metafunc.parametrize("backend", params if marked else ["sqlite"])


def _build_template(url: str) -> None:
    db = Database(make_engine(url))
    upgrade(db.engine)
    ctx = Context(db, lambda: datetime.now(UTC))
    svc = Services(ctx)
    svc.auth.create_first_admin(User("admin", "Alex Admin", "MD", Role.ADMIN), PASSWORD)
    svc.act_as(svc.auth.sign_in("admin", PASSWORD))
    svc.clinic.setup(ClinicSettings(name="Test Clinic", address="1 Test Street", phone="+1 555 0100"))
    svc.auth.create_user(User("manager", "Morgan Manager", "NP", Role.MANAGER), PASSWORD)
    svc.auth.create_user(User("nurse", "Nina Nurse", "RN", Role.INJECTOR), PASSWORD)
    svc.auth.create_user(User("nurse2", "Olga Other", "RN", Role.INJECTOR), PASSWORD)
    db.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _build_template(f"sqlite:///{path}")
    return path


def _pg_admin_url() -> str:
    assert PG_URL
    return PG_URL


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL template database; each test gets a fresh copy of it."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"clinicrec_tpl_{os.getpid()}"
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    _build_template(url)
    yield name
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


_pg_counter = iter(range(1_000_000))


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        template = request.getfixturevalue("template_db")
        target = tmp_path / "clinic.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    template = request.getfixturevalue("pg_template")
    name = f"clinicrec_t{os.getpid()}_{next(_pg_counter)}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def db_path(db_url: str) -> Path | None:
    """The SQLite file behind ``db_url`` (None on PostgreSQL)."""
    from clinicrec.db.engine import sqlite_path

    return sqlite_path(db_url)


@pytest.fixture
def world(db_url: str, db_path: Path | None) -> Iterator[World]:
    clock = Clock()
    db = Database(make_engine(db_url))
    svc = Services(Context(db, clock))
    from sqlalchemy import select

    from clinicrec.db.models import UserRow

    with db.read() as s:
        actors = {r.username: actor_of(r) for r in s.execute(select(UserRow)).scalars()}
    w = World(svc, clock, actors["admin"], actors["manager"], actors["nurse"], actors["nurse2"], db_path)
    svc.act_as(w.injector)
    yield w
    db.dispose()


@pytest.fixture
def services(world: World) -> Services:
    return world.services


def make_patient(services: Services, **kw: object) -> Patient:
    n = services.patients.count() + 1
    values: dict[str, object] = dict(
        first_name="Ada",
        last_name=f"Lovelace{n}",
        date_of_birth=date(1985, 3, 14),
        chart_number=f"T-{n:05d}",
        sex=Sex.FEMALE,
        phone="+1 555 0101",
    )
    values.update(kw)
    return services.patients.create(Patient(**values))  # type: ignore[arg-type]


def encrypted_with_patient(world: World, first_name: str, last_name: str) -> Path:
    """The world's SQLite file with one patient more, closed and encrypted (its users' passwords open it)."""
    from clinicrec.db import encryption

    make_patient(world.services, first_name=first_name, last_name=last_name)
    world.services.db.dispose()
    assert world.path is not None
    encryption.encrypt_existing(world.path)
    return world.path


def add_ballast(path: Path, key: bytes) -> None:
    """Some 90 MB of pages in the encrypted file at ``path``, for a check to read (most of a second)."""
    conn = crypto.connect(path, key, isolation_level=None)
    try:
        conn.execute("CREATE TABLE ballast (b BLOB)")
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
            "INSERT INTO ballast SELECT randomblob(400) FROM n"
        )
    finally:
        conn.close()


#: A workstation that crashed with a committed write still in the write-ahead log (not yet in the file).
_CRASH = """
import os, sys
from clinicrec.db import crypto
conn = crypto.connect(sys.argv[1], bytes.fromhex(sys.argv[2]), isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint=0")
conn.execute("CREATE TABLE left_in_the_log (b BLOB)")
conn.execute("INSERT INTO left_in_the_log VALUES (randomblob(20000))")
os._exit(0)
"""


def crash_with_a_log(path: Path, key: bytes) -> None:
    """The encrypted file at ``path`` as a workstation's crash leaves it: a committed write (a new table of
    20 kB) still in the write-ahead log, not yet copied into the file."""
    subprocess.run([sys.executable, "-c", _CRASH, str(path), key.hex()], check=True)
    assert Path(f"{path}-wal").stat().st_size > 20000  # the write is in the log, not in the file


def product_id(services: Services, brand: str = "Botox Cosmetic") -> int:
    return next(p.id for p in services.products.list() if p.brand == brand)  # type: ignore[return-value]


def make_vial(
    services: Services,
    *,
    brand: str = "Botox Cosmetic",
    units: float = 100,
    diluent_ml: float = 2.5,
    when: datetime | None = None,
    expiry: date | None = None,
    lot: str = "C1234AB",
) -> Vial:
    when = when or services.ctx.clock()
    product = next(p for p in services.products.list() if p.brand == brand)
    v = Vial(
        product_id=product_id(services, brand),
        lot_number=lot,
        expiry_date=expiry or date(2030, 1, 1),
        vial_units=units,
        reconstituted_at=when - timedelta(minutes=30),
        diluent_kind=DiluentKind.SALINE_PRESERVED,
        diluent_ml=diluent_ml,
        other_size_reason="" if units in product.vial_sizes else "Sample vial from the distributor",
    )
    return services.vials.open_vial(v).vial
