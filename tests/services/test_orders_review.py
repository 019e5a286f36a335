"""Prescriber orders feed the session's warnings; signed charts go to the review queue as the clinic says."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from clinicrec.db.models import ChartReviewRow
from clinicrec.domain.enums import AdverseEventKind, Role, Severity, WarningKind, Zone
from clinicrec.domain.errors import UnacknowledgedWarnings, ValidationError
from clinicrec.domain.models import AdverseEvent
from clinicrec.domain.oversight import OrderStatus, PrescriberOrder, ReviewReason, ReviewStatus, review_reason
from tests.conftest import PASSWORD, World, make_patient, product_id

from .oversight_helpers import draft, prescriber

pytestmark = pytest.mark.postgres  # on SQLite and on PostgreSQL


def order(world: World, patient_id: int, **kw: object) -> PrescriberOrder:
    values: dict[str, object] = dict(
        patient_id=patient_id,
        product_id=product_id(world.services),
        areas=frozenset({Zone.FOREHEAD, Zone.NOSE}),
        max_units=10.0,
        valid_until=date.today() + timedelta(days=90),
    )
    values.update(kw)
    return PrescriberOrder(**values)  # type: ignore[arg-type]


def order_warnings(world: World, session_id: int) -> list[str]:
    svc = world.as_(world.injector)
    return [
        w.subject
        for w in svc.charting.warnings(svc.charting.get(session_id))
        if w.kind == WarningKind.PRESCRIBER_ORDER
    ]


def test_an_order_is_signed_by_the_prescriber_and_checked(world: World) -> None:
    doctor = prescriber(world)
    patient = make_patient(world.services)
    svc = world.as_(doctor)
    with pytest.raises(ValidationError) as e:
        svc.orders.record(order(world, patient.id), "wrong")
    assert e.value.fields == {"password"}
    bad = order(world, patient.id, areas=frozenset(), max_units=0, valid_until=date(2000, 1, 1))
    with pytest.raises(ValidationError) as e:
        svc.orders.record(bad, PASSWORD)
    assert e.value.fields == {"areas", "max_units", "valid_until"}
    made = svc.orders.record(order(world, patient.id), PASSWORD)
    assert made.prescriber_name == "Dana Reyes, MD" and made.status is OrderStatus.IN_FORCE


def test_a_session_inside_the_order_has_no_order_warning(world: World) -> None:
    patient = make_patient(world.services)
    session = draft(world, patient.id)  # 8 points x 0.5 U = 4 U on the forehead
    assert order_warnings(world, session.id) == []  # no order on record: the clinic may not use them
    world.as_(prescriber(world)).orders.record(order(world, patient.id), PASSWORD)
    assert order_warnings(world, session.id) == []  # type: ignore[arg-type]


def test_more_units_than_ordered_warns(world: World) -> None:
    patient = make_patient(world.services)
    world.as_(prescriber(world)).orders.record(order(world, patient.id, max_units=3.0), PASSWORD)
    session = draft(world, patient.id)
    assert order_warnings(world, session.id) == [f"order:units:{product_id(world.services)}"]  # type: ignore[arg-type]
    svc = world.as_(world.injector)
    (message,) = [
        w.message
        for w in svc.charting.warnings(svc.charting.get(session.id))  # type: ignore[arg-type]
        if w.kind == WarningKind.PRESCRIBER_ORDER
    ]
    assert message == "4 U of Botox Cosmetic is more than the 3 U the prescriber ordered"  # one 'U' each


def test_a_product_the_order_does_not_cover_warns(world: World) -> None:
    patient = make_patient(world.services)
    other = product_id(world.services, "Xeomin")
    world.as_(prescriber(world)).orders.record(order(world, patient.id, product_id=other), PASSWORD)
    session = draft(world, patient.id)
    assert order_warnings(world, session.id) == [f"order:product:{product_id(world.services)}"]  # type: ignore[arg-type]


def test_an_area_not_ordered_warns(world: World) -> None:
    patient = make_patient(world.services)
    world.as_(prescriber(world)).orders.record(order(world, patient.id), PASSWORD)
    session = draft(world, patient.id, zone=Zone.CHIN)
    assert order_warnings(world, session.id) == [f"order:areas:{product_id(world.services)}"]  # type: ignore[arg-type]


def test_an_expired_order_warns_and_needs_a_reason_to_sign(world: World) -> None:
    patient = make_patient(world.services)
    world.as_(prescriber(world)).orders.record(order(world, patient.id, valid_until=date.today()), PASSWORD)
    world.clock.set(world.clock() + timedelta(days=3))
    session = draft(world, patient.id)
    pid = product_id(world.services)
    assert order_warnings(world, session.id) == [f"order:expired:{pid}"]  # type: ignore[arg-type]
    svc = world.as_(world.injector)
    with pytest.raises(UnacknowledgedWarnings):
        svc.charting.sign(session.id, PASSWORD)  # type: ignore[arg-type]
    warning = next(w for w in svc.charting.warnings(session) if w.kind == WarningKind.PRESCRIBER_ORDER)
    acknowledged = svc.charting.acknowledge(session, warning, "Renewal requested; prescriber agreed by phone")
    saved = svc.charting.save_draft(acknowledged)
    svc.charting.sign(saved.id, PASSWORD)  # type: ignore[arg-type]


def test_a_withdrawn_order_is_ignored_and_needs_a_reason(world: World) -> None:
    patient = make_patient(world.services)
    svc = world.as_(prescriber(world))
    made = svc.orders.record(order(world, patient.id, max_units=1.0), PASSWORD)
    with pytest.raises(ValidationError):
        svc.orders.withdraw(made.id, "")  # type: ignore[arg-type]
    svc.orders.withdraw(made.id, "Written for the wrong patient")  # type: ignore[arg-type]
    session = draft(world, patient.id)
    assert order_warnings(world, session.id) == []  # type: ignore[arg-type]


# -- review ------------------------------------------------------------------------------------
def test_the_random_share_is_the_stated_one_and_flagged_charts_always_go() -> None:
    rng = random.Random(2026)
    for share in (0, 10, 35, 100):
        picked = sum(
            review_reason(adverse_event=False, contraindication=False, share_percent=share, rng=rng)
            is not None
            for _ in range(4000)
        )
        assert abs(picked / 4000 * 100 - share) < 2.5, (share, picked)
    assert (
        review_reason(adverse_event=True, contraindication=False, share_percent=0, rng=rng)
        is ReviewReason.ADVERSE_EVENT
    )
    assert (
        review_reason(adverse_event=False, contraindication=True, share_percent=0, rng=rng)
        is ReviewReason.CONTRAINDICATION
    )


def signed(world: World) -> int:
    session = draft(world)
    return world.as_(world.injector).charting.sign(session.id, PASSWORD).id  # type: ignore[arg-type,return-value]


def test_share_zero_queues_only_flagged_and_share_100_queues_all(world: World) -> None:
    world.as_(world.admin).review.set_share_percent(0)
    quiet = signed(world)
    doctor = prescriber(world)
    assert world.as_(doctor).review.queue() == []
    # an adverse event after signing puts the chart in the queue
    world.as_(world.injector).records.add_adverse_event(
        quiet, AdverseEvent(AdverseEventKind.BRUISING, date.today(), Severity.MILD)
    )
    queue = world.as_(doctor).review.queue()
    assert [(r.session_id, r.reason) for r in queue] == [(quiet, ReviewReason.ADVERSE_EVENT)]
    world.as_(world.admin).review.set_share_percent(100)
    every = signed(world)
    assert {r.session_id for r in world.as_(doctor).review.queue()} == {quiet, every}
    with pytest.raises(ValidationError) as e:
        world.as_(world.admin).review.set_share_percent(150)
    assert e.value.fields == {"review_share_percent"}


def test_co_sign_and_return_and_the_report(world: World) -> None:
    world.as_(world.admin).review.set_share_percent(100)
    first, second = signed(world), signed(world)
    doctor = prescriber(world)
    svc = world.as_(doctor)
    reviews = {r.session_id: r for r in svc.review.queue()}
    world.clock.set(world.clock() + timedelta(hours=30))
    with pytest.raises(ValidationError) as e:
        svc.review.co_sign(reviews[first].id, "wrong")  # type: ignore[arg-type]
    assert e.value.fields == {"password"}
    done = svc.review.co_sign(reviews[first].id, PASSWORD)  # type: ignore[arg-type]
    assert done.status is ReviewStatus.CO_SIGNED and done.reviewer_name == "Dana Reyes, MD"
    with pytest.raises(ValidationError) as e:
        svc.review.return_chart(reviews[second].id, "")  # type: ignore[arg-type]
    assert e.value.fields == {"comment"}
    svc.review.return_chart(reviews[second].id, "Chart the needle depth, please")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="already"):
        svc.review.co_sign(reviews[second].id, PASSWORD)  # type: ignore[arg-type]
    assert svc.review.queue() == []
    mine = world.as_(world.injector).review.returned_to_me()
    assert [(r.session_id, r.comment) for r in mine] == [(second, "Chart the needle depth, please")]
    assert world.as_(world.injector2).review.returned_to_me() == []
    (line,) = world.as_(world.manager).review.report()
    assert (line.signed, line.queued, line.reviewed, line.returned) == (2, 2, 2, 1)
    assert line.review_rate == 1.0 and line.median_hours_to_review is not None
    assert 29.5 < line.median_hours_to_review < 30.5


def test_nobody_reviews_their_own_chart(world: World) -> None:
    """An injector who becomes the medical director cannot co-sign a chart they charted themself."""
    world.as_(world.admin).review.set_share_percent(100)
    session_id = signed(world)
    with world.services.db.read() as s:
        review_id = s.execute(
            select(ChartReviewRow.id).where(ChartReviewRow.session_id == session_id)
        ).scalar_one()
    admin = world.as_(world.admin)
    me = next(u for u in admin.auth.list_users() if u.id == world.injector.user_id)
    admin.auth.update_user(replace(me, role=Role.PRESCRIBER))
    promoted = replace(world.injector, role=Role.PRESCRIBER)
    with pytest.raises(ValidationError) as e:
        world.as_(promoted).review.co_sign(review_id, PASSWORD)
    assert e.value.fields == {"reviewer"}
    assert world.as_(prescriber(world)).review.co_sign(review_id, PASSWORD).status is ReviewStatus.CO_SIGNED
