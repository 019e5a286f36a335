"""Issue 11: the clinic's day, not UTC's. Instants are UTC; every calendar-date rule is local."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from clinicrec.domain.clinic_time import add_months, day_range, format_local, local_date, month_key
from clinicrec.domain.enums import AdverseEventKind, AllergyStatus, Severity, TimePoint, WarningKind
from clinicrec.domain.errors import ValidationError
from clinicrec.domain.models import AdverseEvent, Assessment
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, grid, signed


def set_zone(world: World, zone: str) -> None:
    svc = world.as_(world.admin)
    svc.clinic.update(replace(svc.clinic.get(), time_zone=zone))
    world.as_(world.injector)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages).split())


def expired_kinds(world: World, when: datetime, expiry: date) -> list[WarningKind]:
    svc = world.services
    world.clock.set(when)
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    vial = make_vial(svc, expiry=expiry, when=when)
    return [w.kind for w in svc.charting.warnings(chart(world, patient, grid(vial, 0.4, 3), when=when))]


def test_sydney_at_9_a_lot_that_expired_yesterday_warns_and_prints_expired(world: World) -> None:
    set_zone(world, "Australia/Sydney")
    when = local("Australia/Sydney", 2026, 3, 11, 9, 0)  # 2026-03-10 22:00 UTC
    assert when.date() == date(2026, 3, 10)
    assert expired_kinds(world, when, date(2026, 3, 10)) == [WarningKind.EXPIRED_LOT]
    svc = world.services
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    vial = make_vial(svc, expiry=date(2026, 3, 10), when=when, lot="SYD1")
    done = signed(world, chart(world, patient, grid(vial, 0.4, 3), when=when), reasons="Only vial; approved")
    text = pdf_text(svc.printing.chart_bytes(done.id))  # type: ignore[arg-type]
    assert "EXPIRED" in text
    assert "2026-03-11 09:00 AEDT (Australia/Sydney)" in text  # times printed local, zone named


def test_los_angeles_at_23_30_a_lot_expiring_today_does_not_warn(world: World) -> None:
    set_zone(world, "America/Los_Angeles")
    when = local("America/Los_Angeles", 2026, 3, 10, 23, 30)  # 2026-03-11 06:30 UTC
    assert when.date() == date(2026, 3, 11)
    assert expired_kinds(world, when, date(2026, 3, 10)) == []


def test_los_angeles_evening_handout_bruise_and_late_reconstitution(world: World) -> None:
    set_zone(world, "America/Los_Angeles")
    svc = world.services
    when = local("America/Los_Angeles", 2026, 3, 10, 23, 30)
    world.clock.set(when)
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    # Reconstituted at 22:30 local on its expiry day (06:30 UTC the next day): accepted.
    vial = make_vial(svc, expiry=date(2026, 3, 10), when=local("America/Los_Angeles", 2026, 3, 10, 23, 0))
    done = signed(world, chart(world, patient, grid(vial, 0.4, 3), when=when))
    handout = pdf_text(svc.printing.handout_bytes(done.id))  # type: ignore[arg-type]
    assert "10 March 2026" in handout and "11 March 2026" not in handout
    assert "24 March 2026" in handout  # the review date: 14 days after the local day
    # A bruise noticed that evening (the session's local day) is not "before the session".
    world.clock.set(when + timedelta(minutes=20))
    event = svc.records.add_adverse_event(
        done.id,  # type: ignore[arg-type]
        AdverseEvent(AdverseEventKind.BRUISING, date(2026, 3, 10), Severity.MILD),
    )
    assert event.onset == date(2026, 3, 10)
    with pytest.raises(ValidationError) as e:
        svc.records.add_adverse_event(
            done.id,  # type: ignore[arg-type]
            AdverseEvent(AdverseEventKind.BRUISING, date(2026, 3, 9), Severity.MILD),
        )
    assert "before the session (2026-03-10)" in str(e.value)


@pytest.mark.parametrize(
    ("zone", "start", "expiry", "expired"),
    [
        # London, the night the clocks go forward (29 March 2026, 01:00 UTC) and back (25 October).
        ("Europe/London", (2026, 3, 29, 0, 30), date(2026, 3, 28), True),
        ("Europe/London", (2026, 3, 29, 23, 45), date(2026, 3, 29), False),
        ("Europe/London", (2026, 10, 25, 0, 30), date(2026, 10, 25), False),
        ("Europe/London", (2026, 10, 24, 23, 45), date(2026, 10, 23), True),
        # Los Angeles across its own spring change (8 March 2026) and Sydney across its autumn one (5 April).
        ("America/Los_Angeles", (2026, 3, 8, 23, 59), date(2026, 3, 8), False),
        ("America/Los_Angeles", (2026, 3, 9, 0, 1), date(2026, 3, 8), True),
        ("Australia/Sydney", (2026, 4, 5, 0, 30), date(2026, 4, 4), True),
        ("Australia/Sydney", (2026, 4, 5, 23, 30), date(2026, 4, 5), False),
    ],
)
def test_expiry_uses_the_clinics_local_day_across_dst(
    world: World, zone: str, start: tuple[int, ...], expiry: date, expired: bool
) -> None:
    set_zone(world, zone)
    when = local(zone, *start)
    assert local_date(when, zone) == date(*start[:3])
    assert expired_kinds(world, when, expiry) == ([WarningKind.EXPIRED_LOT] if expired else [])


def test_a_follow_up_is_never_in_the_future_and_warns_far_from_its_time_point(world: World) -> None:
    set_zone(world, "America/Los_Angeles")
    svc = world.services
    when = local("America/Los_Angeles", 2026, 3, 10, 23, 30)
    world.clock.set(when)
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    done = signed(world, chart(world, patient, grid(make_vial(svc), 0.4, 3), when=when))
    world.clock.set(local("America/Los_Angeles", 2026, 3, 13, 22, 0))  # day 3, local evening
    day14_on_day3 = Assessment(TimePoint.DAY_14, date(2026, 3, 13), 1, 1, 1, CURRENT_SCALE_VERSION)
    [warning] = svc.records.follow_up_warnings(done.id, day14_on_day3)  # type: ignore[arg-type]
    assert "day 3" in warning and "Day 14" in warning
    future = replace(day14_on_day3, assessed_on=date(2026, 3, 14))  # tomorrow in Los Angeles
    with pytest.raises(ValidationError) as e:
        svc.records.add_follow_up(done.id, future)  # type: ignore[arg-type]
    assert e.value.fields == {"assessed_on"} and "future" in str(e.value)
    world.clock.set(local("America/Los_Angeles", 2026, 3, 24, 10, 0))
    on_time = replace(day14_on_day3, assessed_on=date(2026, 3, 24))
    assert svc.records.follow_up_warnings(done.id, on_time) == []  # type: ignore[arg-type]
    assert svc.records.add_follow_up(done.id, on_time).assessed_on == date(2026, 3, 24)  # type: ignore[arg-type]


def test_clinic_time_helpers() -> None:
    assert add_months(date(2026, 5, 31), -3) == date(2026, 2, 28)
    start, end = day_range(date(2026, 3, 29), date(2026, 3, 29), "Europe/London")
    assert (start, end - start) == (datetime(2026, 3, 29, 0, 0, tzinfo=UTC), timedelta(hours=23))
    assert month_key(datetime(2026, 3, 31, 22, 0, tzinfo=UTC), "Australia/Sydney") == "2026-04"
    assert format_local(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "Europe/London") == (
        "2026-07-01 13:00 BST (Europe/London)"
    )


def test_the_time_zone_must_be_known(world: World) -> None:
    svc = world.as_(world.admin)
    with pytest.raises(ValidationError) as e:
        svc.clinic.update(replace(svc.clinic.get(), time_zone="Mars/Olympus"))
    assert e.value.fields == {"time_zone"}
    svc.clinic.update(replace(svc.clinic.get(), time_zone="Europe/London"))
    assert svc.clinic.time_zone() == "Europe/London"


@pytest.mark.postgres
def test_reports_filter_and_bucket_by_the_clinics_days_and_months(world: World) -> None:
    from clinicrec.domain.report_types import BreakdownBy, ReportFilters

    set_zone(world, "Australia/Sydney")
    svc = world.services
    when = local("Australia/Sydney", 2026, 4, 1, 9, 0)  # 2026-03-31 22:00 UTC
    world.clock.set(when)
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    signed(world, chart(world, patient, grid(make_vial(svc, when=when), 0.4, 3), when=when))
    reports = world.as_(world.manager).reports
    april = ReportFilters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    march = ReportFilters(start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert reports.summary(april).sessions == 1 and reports.summary(march).sessions == 0
    [row] = reports.breakdown(ReportFilters(), BreakdownBy.MONTH).rows
    assert row.key == "2026-04"


@pytest.mark.parametrize(
    ("zone", "evening"),
    [("America/Los_Angeles", (2026, 3, 10, 19, 0)), ("Australia/Sydney", (2026, 3, 10, 7, 30))],
)
def test_the_vials_open_today_are_the_clinics_day_not_utcs(world: World, zone: str, evening: tuple) -> None:  # type: ignore[type-arg]
    """Los Angeles at 19:00 is already tomorrow in UTC, Sydney at 07:30 still yesterday: the vial dialog's
    'open today' list missed the vial opened that evening (or morning)."""
    set_zone(world, zone)
    svc = world.services
    when = local(zone, *evening)
    world.clock.set(when + timedelta(minutes=40))
    vial = make_vial(svc, when=when + timedelta(minutes=30), lot="TODAY1")  # reconstituted at `when`
    world.clock.set(when + timedelta(hours=1))
    day = date(*evening[:3])
    assert [s.vial.id for s in svc.vials.open_on(day)] == [vial.id]
    assert svc.vials.open_on(day + timedelta(days=2)) == []  # past its 24 h by then


def test_waste_by_expiry_is_counted_on_the_clinics_day(world: World) -> None:
    """Sydney at 09:00 on 11 March is still 10 March in UTC: a vial of a lot that expired on 10 March,
    opened that morning and not used, is already waste by expiry in the clinic (the product-use report
    counted it only from the next UTC day)."""
    from clinicrec.domain.report_types import ReportFilters

    set_zone(world, "Australia/Sydney")
    svc = world.services
    opened = local("Australia/Sydney", 2026, 3, 11, 7, 0)
    world.clock.set(opened + timedelta(minutes=30))
    make_vial(svc, when=opened + timedelta(minutes=30), lot="SYDEXP", expiry=date(2026, 3, 10))
    now = local("Australia/Sydney", 2026, 3, 11, 9, 0)
    assert now.date() == date(2026, 3, 10)  # UTC's day
    world.clock.set(now)
    world.as_(world.manager)
    report = svc.reports.product_use(ReportFilters(start=date(2026, 3, 1), end=date(2026, 3, 31)))
    assert [(w.lot_number, w.wasted) for w in report.waste] == [("SYDEXP", 100)]
