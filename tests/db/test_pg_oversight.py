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
        ("withdraw a consent without saying who (nobody: db/pg_roles.py OVERSIGHT_RULES)",
         f"UPDATE consents SET status = 'withdrawn' WHERE id = {consent.id}", set()),
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


def test_a_decided_review_a_withdrawn_order_or_consent_never_changes_and_only_a_prescriber_decides(
    world: World,
    roles: dict[str, Engine],  # noqa: F811
    db_url: str,
) -> None:
    """Before schema 0022 any injector's own login role could, in SQL, mark a chart co-signed by anyone
    (their own included), un-withdraw an order or a consent, or write an order in a prescriber's name:
    ``audit verify`` named the change afterwards, but the server did not refuse it as it does for a
    signed chart (db/pg_roles.py ``OVERSIGHT_RULES``)."""
    from tests.services.test_access import signed_by
    from tests.services.test_orders_review import order

    patient = new_patient(world, 31)
    doctor_actor = prescriber(world, "drmd")
    world.as_(world.admin).review.set_share_percent(100)
    nurses_chart = signed_by(world, world.injector)  # queued for review (100 %)
    managers_chart = signed_by(world, world.manager)
    svc = world.as_(doctor_actor)
    reviews = {r.session_id: r.id for r in svc.review.queue()}
    pending, decided = reviews[nurses_chart.id], reviews[managers_chart.id]
    svc.review.co_sign(decided, PASSWORD)
    world.as_(world.admin).review.set_share_percent(0)
    unqueued = signed_by(world, world.injector2)
    svc = world.as_(doctor_actor)
    in_force = svc.orders.record(order(world, patient.id), PASSWORD)  # type: ignore[arg-type]
    withdrawn = svc.orders.record(order(world, patient.id), PASSWORD)  # type: ignore[arg-type]
    svc.orders.withdraw(withdrawn.id, "Replaced by a new order")  # type: ignore[arg-type]
    consent = sign_consent(world, patient.id)  # type: ignore[arg-type]
    old_consent = sign_consent(world, new_patient(world, 32).id)  # type: ignore[arg-type]
    world.as_(world.injector).consents.withdraw(old_consent.id, "The patient changed their mind")

    owner = create_engine(db_url, isolation_level="AUTOCOMMIT")
    set_login_role(owner, "drmd", "prescriber", password=PASSWORD)
    doctor = create_engine(
        make_url(db_url)
        .set(username=login_role("drmd"), password=PASSWORD)
        .render_as_string(hide_password=False)
    )
    engines = {**roles, "drmd": doctor}
    uid = {
        "nurse": world.injector.user_id,
        "manager": world.manager.user_id,
        "admin": world.admin.user_id,
        "drmd": doctor_actor.user_id,
    }
    everyone = set(engines)

    def decide(review: int, by: str) -> str:
        return (
            f"UPDATE chart_reviews SET status = 'co_signed', reviewer_id = {uid[by]}, reviewed_at = now() "
            f"WHERE id = {review}"
        )

    cases = {
        "co-sign a pending review as oneself": (lambda me: decide(pending, me), {"drmd"}),
        "co-sign in the prescriber's name": (lambda me: decide(pending, "drmd"), {"drmd"}),
        "co-sign one's own chart": (lambda me: decide(reviews[nurses_chart.id], "nurse"), set()),
        "return a co-signed review": (
            lambda me: (
                f"UPDATE chart_reviews SET status = 'returned', reviewer_id = {uid[me]} WHERE id = {decided}"
            ),
            set(),
        ),
        "change a decided review's comment": (
            lambda me: f"UPDATE chart_reviews SET comment = 'fine' WHERE id = {decided}",
            set(),
        ),
        "queue a review already co-signed": (
            lambda me: (
                "INSERT INTO chart_reviews (session_id, reason, status, queued_at, reviewer_id, "
                f"reviewed_at, comment) VALUES ({unqueued.id}, 'random', 'co_signed', now(), "
                f"{uid['drmd']}, now(), '')"
            ),
            set(),
        ),
        "withdraw an order as oneself": (
            lambda me: (
                "UPDATE prescriber_orders SET status = 'withdrawn', withdrawn_at = now(), "
                f"withdrawn_by_id = {uid[me]} WHERE id = {in_force.id}"
            ),
            {"drmd"},
        ),
        "put a withdrawn order back in force": (
            lambda me: f"UPDATE prescriber_orders SET status = 'in_force' WHERE id = {withdrawn.id}",
            set(),
        ),
        "raise an order's units": (
            lambda me: f"UPDATE prescriber_orders SET max_units = 400 WHERE id = {in_force.id}",
            set(),
        ),
        "write an order in the prescriber's name": (
            lambda me: (
                "INSERT INTO prescriber_orders (patient_id, prescriber_id, product_id, areas, max_units, "
                "valid_until, notes, signed_at, status, withdrawn_reason) VALUES "
                f"({patient.id}, {uid['drmd']}, 1, 'forehead', 400, '2099-01-01', '', now(), 'in_force', '')"
            ),
            {"drmd"},
        ),
        "withdraw a consent as oneself": (
            lambda me: (
                "UPDATE consents SET status = 'withdrawn', withdrawn_at = now(), "
                f"withdrawn_by_id = {uid[me]}, withdrawn_reason = 'asked' WHERE id = {consent.id}"
            ),
            everyone,
        ),
        "withdraw a consent in someone else's name": (
            lambda me: (
                "UPDATE consents SET status = 'withdrawn', withdrawn_at = now(), "
                f"withdrawn_by_id = {uid['admin'] if me != 'admin' else uid['nurse']} WHERE id = {consent.id}"
            ),
            set(),
        ),
        "put a withdrawn consent back in force": (
            lambda me: f"UPDATE consents SET status = 'in_force' WHERE id = {old_consent.id}",
            set(),
        ),
        "change what a consent says": (
            lambda me: f"UPDATE consents SET text = 'anything' WHERE id = {consent.id}",
            set(),
        ),
    }
    try:
        for what, (sql_for, allowed) in cases.items():
            for name, engine in engines.items():
                got = outcome(engine, sql_for(name))
                expected = "ok" if name in allowed else ("filtered", "refused")
                assert got == expected or got in expected, (what, name, got)
    finally:
        doctor.dispose()
        owner.dispose()


def test_the_application_still_decides_withdraws_and_says_why_under_each_users_own_role(
    world: World,
    roles: dict[str, Engine],  # noqa: F811
    db_url: str,
) -> None:
    """Through the application, signed in as each user's own login role: the prescriber co-signs and
    withdraws, the injector withdraws a consent; doing it again is refused with the reason (the row rules
    hide a decided row from FOR UPDATE: it is read again to say why, not reported missing)."""
    from clinicrec.domain.errors import ValidationError
    from clinicrec.services.pg_sign_in import sign_in_pg_role
    from tests.db.test_pg_user_roles import workstation_of
    from tests.services.test_access import signed_by
    from tests.services.test_orders_review import order

    patient = new_patient(world, 33)
    doctor_actor = prescriber(world, "drmd")
    world.as_(world.admin).review.set_share_percent(100)
    chart = signed_by(world, world.injector)
    consent = sign_consent(world, patient.id)  # type: ignore[arg-type]
    owner = create_engine(db_url, isolation_level="AUTOCOMMIT")
    set_login_role(owner, "drmd", "prescriber", password=PASSWORD)
    owner.dispose()
    del roles
    doctor = sign_in_pg_role(workstation_of(db_url), "drmd", PASSWORD)
    nurse = sign_in_pg_role(workstation_of(db_url), "nurse", PASSWORD)
    try:
        [review] = [r for r in doctor.review.queue() if r.session_id == chart.id]
        doctor.review.co_sign(review.id, PASSWORD)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="already co-signed"):
            doctor.review.return_chart(review.id, "Look at point 3")  # type: ignore[arg-type]
        made = doctor.orders.record(order(world, patient.id), PASSWORD)  # type: ignore[arg-type]
        doctor.orders.withdraw(made.id, "Replaced by a new order")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="already withdrawn"):
            doctor.orders.withdraw(made.id, "Replaced again")  # type: ignore[arg-type]
        assert doctor_actor.user_id == doctor.actor.user_id  # type: ignore[union-attr]
        nurse.consents.withdraw(consent.id, "The patient changed their mind")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="only one in force can be withdrawn"):
            nurse.consents.withdraw(consent.id, "Asked again")  # type: ignore[arg-type]
    finally:
        doctor.db.dispose()
        nurse.db.dispose()
