"""Dose totals and safety warnings (pure domain: no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from clinicrec.domain.catalogue import SEED_PRODUCTS
from clinicrec.domain.dosing import (
    DoseTotal,
    totals_by_product,
    totals_by_zone,
    units_by_vial,
    vial_shortfalls,
)
from clinicrec.domain.enums import AllergyStatus, DiluentKind, WarningKind, Zone
from clinicrec.domain.models import (
    Acknowledgement,
    InjectionPoint,
    Patient,
    Product,
    SafetyScreening,
    SafetyWarning,
    TreatmentSession,
    Vial,
)
from clinicrec.domain.safety import safety_warnings as all_safety_rules
from clinicrec.domain.safety import unacknowledged


def safety_warnings(*args: object, **kw: object) -> list[SafetyWarning]:
    """The rules that need acknowledging (information such as 'screening not confirmed' left out)."""
    return [w for w in all_safety_rules(*args, **kw) if w.needs_acknowledgement]  # type: ignore[arg-type]


NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
PRODUCTS = {i + 1: replace(p, id=i + 1) for i, p in enumerate(SEED_PRODUCTS)}
BOTOX, DYSPORT, XEOMIN = (
    next(p for p in PRODUCTS.values() if p.brand == b) for b in ("Botox Cosmetic", "Dysport", "Xeomin")
)
PATIENT = Patient("Ada", "Lovelace", date(1985, 3, 14), "CR-1", id=5, allergy_status=AllergyStatus.NONE_KNOWN)


def vial(
    vial_id: int,
    product: Product,
    units: float = 100,
    diluent_ml: float = 2.5,
    *,
    reconstituted: datetime = NOW - timedelta(hours=1),
    expiry: date = date(2027, 1, 1),
) -> Vial:
    assert product.id is not None
    return Vial(
        product.id,
        f"LOT{vial_id}",
        expiry,
        units,
        reconstituted,
        DiluentKind.SALINE_PRESERVED,
        diluent_ml,
        id=vial_id,
    )


def session(*points: InjectionPoint, vial_ids: tuple[int, ...] = (), **kw: object) -> TreatmentSession:
    return TreatmentSession(PATIENT.id, NOW, 1, points=points, vial_ids=vial_ids, **kw)  # type: ignore[arg-type]


def doses(v: Vial, units: float, n: int, zone: Zone = Zone.FOREHEAD) -> list[InjectionPoint]:
    return [InjectionPoint.from_units(zone, 0.5, 0.1 + i * 0.001, v, units) for i in range(n)]


# -- totals ---------------------------------------------------------------------------------------
def test_units_of_different_products_are_never_summed() -> None:
    botox = vial(1, BOTOX)  # 40 U/mL
    dysport = vial(2, DYSPORT, 300, 1.5)  # 200 U/mL
    pts = doses(botox, 0.5, 20) + doses(dysport, 2.0, 15, Zone.NOSE)
    totals = totals_by_product(pts, {1: botox, 2: dysport})
    assert set(totals) == {BOTOX.id, DYSPORT.id}  # two totals, one per product
    assert totals[BOTOX.id] == DoseTotal(pytest.approx(10.0), pytest.approx(0.25), 20)  # type: ignore[arg-type]
    assert totals[DYSPORT.id].units == pytest.approx(30.0)
    assert totals[DYSPORT.id].volume_ml == pytest.approx(0.15)
    assert totals[DYSPORT.id].points == 15


def test_two_vials_of_one_product_make_one_total() -> None:
    a, b = vial(1, BOTOX), vial(2, BOTOX, 50, 1.25)
    totals = totals_by_product(doses(a, 1, 3) + doses(b, 2, 2), {1: a, 2: b})
    assert list(totals) == [BOTOX.id]
    assert totals[BOTOX.id].units == pytest.approx(7.0)
    assert totals[BOTOX.id].points == 5


def test_totals_by_zone_are_per_zone_and_product() -> None:
    botox, dysport = vial(1, BOTOX), vial(2, DYSPORT, 300, 1.5)
    pts = doses(botox, 1, 2, Zone.NOSE) + doses(dysport, 2, 3, Zone.NOSE) + doses(botox, 1, 4, Zone.CHIN)
    totals = totals_by_zone(pts, {1: botox, 2: dysport})
    assert {k: (v.units, v.points) for k, v in totals.items()} == {
        (Zone.NOSE, BOTOX.id): (pytest.approx(2.0), 2),
        (Zone.NOSE, DYSPORT.id): (pytest.approx(6.0), 3),
        (Zone.CHIN, BOTOX.id): (pytest.approx(4.0), 4),
    }


def test_units_by_vial_and_shortfalls() -> None:
    a = vial(1, BOTOX, 100)
    s = session(*doses(a, 10, 5))  # 50 U
    assert units_by_vial(s.points) == {1: pytest.approx(50.0)}
    assert vial_shortfalls(s, {1: a}, {1: 50.0}) == []  # exactly what is left
    [short] = vial_shortfalls(s, {1: a}, {1: 60.0})
    assert (short.vial_id, short.remaining_units, short.wanted_units) == (1, 40.0, pytest.approx(50.0))
    assert "LOT1" in short.message and "40 U left" in short.message and "50 U" in short.message


# -- warnings -------------------------------------------------------------------------------------
def kinds(warnings: list) -> list[WarningKind]:  # type: ignore[type-arg]
    return [w.kind for w in warnings]


def test_no_warnings_for_a_routine_session() -> None:
    v = vial(1, BOTOX)
    assert safety_warnings(session(*doses(v, 0.4, 50)), PATIENT, {1: v}, PRODUCTS) == []


def test_expired_lot() -> None:
    v = vial(1, BOTOX, reconstituted=NOW - timedelta(hours=2), expiry=NOW.date() - timedelta(days=1))
    [w] = safety_warnings(session(*doses(v, 1, 1)), PATIENT, {1: v}, PRODUCTS)
    assert w.kind == WarningKind.EXPIRED_LOT and w.subject == "vial:1"
    assert "LOT1" in w.message and "expired" in w.message and f"{v.expiry_date:%Y-%m-%d}" in w.message
    on_expiry_day = replace(v, expiry_date=NOW.date())
    assert safety_warnings(session(*doses(on_expiry_day, 1, 1)), PATIENT, {1: on_expiry_day}, PRODUCTS) == []


def test_reconstitution_older_than_the_in_use_window() -> None:
    old = vial(1, BOTOX, reconstituted=NOW - timedelta(hours=30))
    [w] = safety_warnings(session(*doses(old, 1, 1)), PATIENT, {1: old}, PRODUCTS)
    assert w.kind == WarningKind.OLD_RECONSTITUTION
    assert "30 h" in w.message and "24 h" in w.message
    # A vial named for the session warns even before a point is drawn from it.
    assert kinds(safety_warnings(session(vial_ids=(1,)), PATIENT, {1: old}, PRODUCTS)) == [
        WarningKind.OLD_RECONSTITUTION
    ]
    # Exactly at the end of the window is still inside it; the clinic's own longer window is honoured.
    edge = vial(1, BOTOX, reconstituted=NOW - timedelta(hours=24))
    assert safety_warnings(session(*doses(edge, 1, 1)), PATIENT, {1: edge}, PRODUCTS) == []
    four_weeks = {**PRODUCTS, BOTOX.id: replace(BOTOX, in_use_hours=24 * 28)}
    assert safety_warnings(session(*doses(old, 1, 1)), PATIENT, {1: old}, four_weeks) == []


def test_xeomin_maximum_is_per_session() -> None:
    vials = {i: vial(i, XEOMIN, 200, 2.5) for i in (1, 2, 3)}  # 80 U/mL
    pts = [p for i in (1, 2) for p in doses(vials[i], 25, 8)] + doses(vials[3], 25, 1)  # 425 U
    [w] = safety_warnings(session(*pts), PATIENT, vials, PRODUCTS)
    assert w.kind == WarningKind.OVER_MAX_DOSE and w.subject == f"product:{XEOMIN.id}"
    assert w.message == "Xeomin: 425 U this session is above the maximum of 400 U per session"
    exactly = [p for i in (1, 2) for p in doses(vials[i], 25, 8)]  # 400 U: at the limit, not above it
    assert safety_warnings(session(*exactly), PATIENT, vials, PRODUCTS) == []
    # For a per-session limit the service gives the other sessions of the same clinic day: one treatment
    # charted as two sessions minutes apart is one dose to the patient.
    [w] = safety_warnings(
        session(*doses(vials[3], 25, 5)), PATIENT, vials, PRODUCTS, prior_units={XEOMIN.id: 300}
    )
    assert w.message == (
        "Xeomin: 125 U this session plus 300 U in other sessions the same day is above the maximum of "
        "400 U per session"
    )


def test_botox_maximum_is_cumulative_over_3_months() -> None:
    v = vial(1, BOTOX, 200, 2.5)
    this = session(*doses(v, 25, 6))  # 150 U
    assert (
        safety_warnings(this, PATIENT, {1: v}, PRODUCTS, prior_units={BOTOX.id: 250}) == []
    )  # 400 U: at the limit
    [w] = safety_warnings(this, PATIENT, {1: v}, PRODUCTS, prior_units={BOTOX.id: 300})
    assert w.kind == WarningKind.OVER_MAX_DOSE
    assert w.message == (
        "Botox Cosmetic: 150 U this session plus 300 U in other sessions is above the maximum of "
        "400 U in 3 months"
    )
    # Earlier units of another product never count towards Botox's limit.
    assert safety_warnings(this, PATIENT, {1: v}, PRODUCTS, prior_units={DYSPORT.id: 1000}) == []


def test_positive_screening() -> None:
    v = vial(1, BOTOX)
    patient = replace(PATIENT, screening=SafetyScreening(recent_toxin=True, other="Had filler last week"))
    [w] = safety_warnings(session(*doses(v, 1, 1)), patient, {1: v}, PRODUCTS)
    assert w.kind == WarningKind.POSITIVE_SCREENING and w.subject == "patient:5"
    assert (
        "Botulinum toxin within the last 3 months" in w.message and "Other: Had filler last week" in w.message
    )
    assert not SafetyScreening(other="   ").is_positive


def test_acknowledged_warnings_need_a_reason() -> None:
    v = vial(1, BOTOX, reconstituted=NOW - timedelta(hours=30))
    patient = replace(PATIENT, screening=SafetyScreening(pregnant_or_breastfeeding=True))
    s = session(*doses(v, 1, 1))
    warnings = safety_warnings(s, patient, {1: v}, PRODUCTS)
    assert kinds(warnings) == [WarningKind.OLD_RECONSTITUTION, WarningKind.POSITIVE_SCREENING]
    assert unacknowledged(s, warnings) == warnings
    fp = warnings[0].fingerprint
    blank = replace(
        s, acknowledgements=(Acknowledgement(WarningKind.OLD_RECONSTITUTION, "vial:1", "  ", fingerprint=fp),)
    )
    assert unacknowledged(blank, warnings) == warnings
    one = replace(
        s,
        acknowledgements=(
            Acknowledgement(WarningKind.OLD_RECONSTITUTION, "vial:1", "Kept at 4 °C", fingerprint=fp),
        ),
    )
    assert kinds(unacknowledged(one, warnings)) == [WarningKind.POSITIVE_SCREENING]
    other_vial = replace(
        s, acknowledgements=(Acknowledgement(WarningKind.OLD_RECONSTITUTION, "vial:2", "x", fingerprint=fp),)
    )
    assert unacknowledged(other_vial, warnings) == warnings  # a reason covers only its own subject


def test_seeded_catalogue_matches_the_labels() -> None:
    by_brand = {p.brand: p for p in SEED_PRODUCTS}
    botox = by_brand["Botox Cosmetic"]
    assert (botox.max_dose_units, botox.max_dose_period_days, botox.max_dose_period_months) == (400, None, 3)
    assert (by_brand["Xeomin"].max_dose_units, by_brand["Xeomin"].max_dose_period_days) == (400, None)
    assert by_brand["Relfydess"].ready_to_use_units_per_ml == 100  # 10 U/0.1 mL
    assert by_brand["Dysport"].vial_sizes == (300, 500)
    for brand in ("Botox Cosmetic", "Xeomin", "Jeuveau", "Letybo"):
        assert by_brand[brand].in_use_hours == 24  # the label's 24 h at 2-8 °C


def test_the_most_in_one_period_counts_sessions_before_and_after() -> None:
    from functools import partial

    from clinicrec.domain.safety import most_in_a_period, period_end

    day, days = date(2026, 3, 10), timedelta(days=1)
    in_90_days = partial(period_end, replace(BOTOX, max_dose_period_days=90, max_dose_period_months=None))
    assert most_in_a_period(day, [(day + 5 * days, 300.0)], in_90_days) == 300  # after it: counted
    assert most_in_a_period(day, [(day - 5 * days, 100.0), (day + 5 * days, 300.0)], in_90_days) == 400
    # 80 days before and 80 after: no 90-day period holds this session and both
    assert most_in_a_period(day, [(day - 80 * days, 300.0), (day + 80 * days, 200.0)], in_90_days) == 300
    assert most_in_a_period(day, [(day - 90 * days, 300.0)], in_90_days) == 300  # both days are in it
    assert most_in_a_period(day, [(day - 91 * days, 300.0), (day + 91 * days, 300.0)], in_90_days) == 0
    assert most_in_a_period(day, [], in_90_days) == 0


@pytest.mark.parametrize(
    ("first", "second", "together"),
    [
        (date(2026, 3, 1), date(2026, 5, 31), True),  # 91 days, inside 3 months: 90 days left it out
        (date(2026, 3, 1), date(2026, 6, 1), True),  # 3 months to the day (the toxin rule counts it too)
        (date(2026, 3, 1), date(2026, 6, 2), False),
        (date(2026, 2, 1), date(2026, 5, 1), True),  # 89 days
        (date(2026, 2, 1), date(2026, 5, 2), False),  # 90 days, but past 3 months
        (date(2026, 11, 30), date(2027, 2, 28), True),  # 30 November + 3 months: the end of February
        (date(2026, 11, 30), date(2027, 3, 1), False),
    ],
)
def test_botox_cosmetics_3_months_are_calendar_months(first: date, second: date, together: bool) -> None:
    """DOMAIN: "400 U cumulative in 3 months", on the clinic's calendar dates, whichever session is charted
    first."""
    from functools import partial

    from clinicrec.domain.safety import most_in_a_period, period_end

    three_months = partial(period_end, BOTOX)
    assert most_in_a_period(second, [(first, 300.0)], three_months) == (300 if together else 0)
    assert most_in_a_period(first, [(second, 300.0)], three_months) == (300 if together else 0)
