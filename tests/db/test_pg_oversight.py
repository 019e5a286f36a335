"""PostgreSQL: the new tables under each group role, and a prescriber's own login role (migration 0010)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

from clinicrec.db.pg_roles import login_role, set_login_role
from tests.conftest import PASSWORD, World
from tests.db.test_pg_user_roles import outcome, roles  # noqa: F401 (the fixture)
from tests.services.oversight_helpers import prescriber, sign_consent
from tests.services.test_access import new_patient

pytestmark = pytest.mark.postgres


def test_consents_orders_and_reviews_under_each_role(
    world: World,
    roles: dict[str, Engine],  # noqa: F811
    db_url: str,
) -> None:
    patient = new_patient(world, 9)
    consent = sign_consent(world, patient.id)  # type: ignore[arg-type]
    prescriber(world, "drmd")
    owner = create_engine(db_url, isolation_level="AUTOCOMMIT")
    set_login_role(owner, "drmd", "prescriber", password=PASSWORD)
    doctor = create_engine(
        make_url(db_url)
        .set(username=login_role("drmd"), password=PASSWORD)
        .render_as_string(hide_password=False)
    )
    engines = {**roles, "drmd": doctor}
    cases = [
        ("read consents", "SELECT * FROM consents", {"nurse", "manager", "admin", "drmd"}),
        ("withdraw a consent", f"UPDATE consents SET status = 'withdrawn' WHERE id = {consent.id}",
         {"nurse", "manager", "admin", "drmd"}),
        ("delete a consent (nobody)", f"DELETE FROM consents WHERE id = {consent.id}",
         set()),
        ("read orders", "SELECT * FROM prescriber_orders", {"nurse", "manager", "admin", "drmd"}),
        ("read the review queue", "SELECT * FROM chart_reviews", {"nurse", "manager", "admin", "drmd"}),
        ("change consent rules", "INSERT INTO consent_settings VALUES ('x', 12, true, true)", {"admin"}),
        ("change the review share", "INSERT INTO oversight_settings VALUES (1, 50)", {"admin"}),
    ]  # fmt: skip
    try:
        for what, sql, allowed in cases:
            for name, engine in engines.items():
                got = outcome(engine, sql)
                assert (got == "ok") == (name in allowed), (what, name, got)
    finally:
        doctor.dispose()
        owner.dispose()
