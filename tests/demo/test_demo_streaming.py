"""A large demo is stored as it is made: the generator hands its points over in batches (a million
patients' points never sit in memory at once), and the records are exactly those of one pass."""

from __future__ import annotations

import os
import random
from datetime import UTC, date, datetime
from typing import Any

import pytest

from clinicrec.demo.people import generate_patients
from clinicrec.demo.sessions import SessionGenerator
from clinicrec.domain.catalogue import SEED_PRODUCTS
from tests.conftest import PG_SKIP_REASON, PG_URL

TODAY = date(2026, 6, 30)


def _generator() -> SessionGenerator:
    rng = random.Random(11)
    patients = generate_patients(rng, 300, TODAY, datetime(2026, 6, 30, tzinfo=UTC))
    brand_id = {p.brand: i + 1 for i, p in enumerate(SEED_PRODUCTS)}
    in_use = {i + 1: p.in_use_hours for i, p in enumerate(SEED_PRODUCTS)}
    return SessionGenerator(rng, TODAY, brand_id, in_use, patients)


def test_points_handed_over_in_batches_are_the_points_of_one_pass() -> None:
    whole = _generator()
    whole.run()
    batched = _generator()
    handed: list[list[dict[str, Any]]] = []

    def flush() -> None:
        handed.append(list(batched.points))
        batched.points.clear()

    batched.run(flush=flush, every=500)
    handed.append(list(batched.points))
    assert len(handed) > 3 and all(len(b) < 500 + 200 for b in handed)  # batches, each about ``every``
    assert [p for b in handed for p in b] == whole.points
    assert batched.points_made == len(whole.points) == whole.points_made
    assert batched.sessions == whole.sessions and batched.assessments == whole.assessments


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_a_demo_on_postgresql_takes_new_records_after_its_own() -> None:
    """The bulk load gives its ids itself: the sequences are moved past them, so the application's first
    new vial and patient are stored (they collided with id 1 before)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from clinicrec.demo import DEMO_PASSWORD, build_demo
    from clinicrec.services.app import open_services
    from tests.conftest import make_patient

    name = f"clinicrec_demo_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        build_demo(url, patients=60, today=TODAY)
        services = open_services(url)
        services.act_as(services.auth.sign_in("maria", DEMO_PASSWORD))
        before = services.patients.count()
        made = make_patient(services, last_name="Adeyemi")
        assert made.id is not None and made.id > before and services.patients.count() == before + 1
        services.db.dispose()
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
