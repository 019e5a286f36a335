"""Bad input is rejected with a message that names the field and says what is allowed."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from clinicrec.domain.enums import (
    AdditiveKind,
    DiluentKind,
    Gais,
    Indication,
    Role,
    Sex,
    TimePoint,
    WarningKind,
    Zone,
)
from clinicrec.domain.errors import FieldError, ValidationError
from clinicrec.domain.models import (
    Acknowledgement,
    Additive,
    AdverseEvent,
    Assessment,
    ClinicSettings,
    Consent,
    InjectionPoint,
    Patient,
    Product,
    SafetyScreening,
    TreatmentSession,
    User,
    Vial,
)
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.domain.validation import (
    require_reason,
    validate_adverse_event,
    validate_assessment,
    validate_clinic,
    validate_for_signing,
    validate_password,
    validate_patient,
    validate_points,
    validate_product,
    validate_session,
    validate_user,
    validate_vial,
)

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
BAD_NUMBERS = [0, -1, math.nan, math.inf, -math.inf, 1e9, True, "5", None]


def rejected(check: Callable[[], None], field: str, *expected: str) -> str:
    """``check`` must raise ValidationError for ``field``, its message containing every ``expected``."""
    with pytest.raises(ValidationError) as info:
        check()
    message = info.value.for_field(field)
    assert message is not None, f"no error for {field!r}: {info.value.errors}"
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert field in str(info.value)
    return message


# -- patients -------------------------------------------------------------------------------------
def patient(**kw: object) -> Patient:
    values: dict[str, object] = dict(
        first_name="Ada",
        last_name="Lovelace",
        date_of_birth=date(1985, 3, 14),
        chart_number="CR-000001",
        sex=Sex.FEMALE,
        phone="+1 555 0101",
    )
    values.update(kw)
    return Patient(**values)  # type: ignore[arg-type]


def check_patient(p: Patient) -> Callable[[], None]:
    return lambda: validate_patient(p, today=TODAY)


def test_a_good_patient_passes() -> None:
    validate_patient(
        patient(
            email="ada@example.com",
            address="1 Road\nTown",
            fitzpatrick_type=3,
            notes="Line one\nLine two\tindented",
        ),
        today=TODAY,
    )


def test_future_birth_date() -> None:
    rejected(
        check_patient(patient(date_of_birth=TODAY + timedelta(days=1))),
        "date_of_birth",
        "Date of birth",
        "cannot be in the future",
    )
    validate_patient(patient(date_of_birth=TODAY), today=TODAY)  # born today is possible


def test_birth_date_before_1900() -> None:
    rejected(
        check_patient(patient(date_of_birth=date(1899, 12, 31))),
        "date_of_birth",
        "Date of birth",
        "on or after 1900-01-01",
    )


def test_birth_date_must_be_a_date() -> None:
    rejected(
        check_patient(patient(date_of_birth=datetime(1985, 3, 14, tzinfo=UTC))),
        "date_of_birth",
        "Date of birth",
        "must be a date",
    )


@pytest.mark.parametrize(
    ("field", "label", "limit"),
    [
        ("first_name", "First name", 100),
        ("last_name", "Last name", 100),
        ("chart_number", "Chart number", 40),
        ("phone", "Phone", 40),
        ("address", "Address", 300),
        ("allergies", "Allergies", 4000),
        ("notes", "Notes", 4000),
    ],
)
def test_patient_text_over_its_length(field: str, label: str, limit: int) -> None:
    fill = "1" if field in ("phone", "chart_number") else "a"
    validate_patient(patient(**{field: fill * limit}), today=TODAY)  # exactly at the limit is fine
    rejected(
        check_patient(patient(**{field: fill * (limit + 1)})), field, label, f"at most {limit} characters"
    )


def test_screening_other_over_its_length() -> None:
    p = patient(screening=SafetyScreening(other="x" * 201))
    rejected(check_patient(p), "screening.other", "Other screening finding", "at most 200 characters")


@pytest.mark.parametrize("bad", ["Ann\x00", "Ann\x1b[31m", "Ann\nMarie", "Ann\r", "Ann\x7f", "\tAnn"])
def test_single_line_text_refuses_control_characters(bad: str) -> None:
    rejected(check_patient(patient(first_name=bad)), "first_name", "First name", "control characters")


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "esc\x1b", "del\x7f", "vt\x0b"])
def test_multiline_text_refuses_control_characters_but_not_line_breaks(bad: str) -> None:
    validate_patient(patient(notes="one\r\ntwo\n\tthree"), today=TODAY)
    rejected(check_patient(patient(notes=bad)), "notes", "Notes", "control characters")


def test_required_names_and_surrounding_spaces() -> None:
    rejected(check_patient(patient(first_name="")), "first_name", "First name", "required")
    rejected(check_patient(patient(last_name="   ")), "last_name", "Last name", "required")
    rejected(check_patient(patient(first_name=" Ada")), "first_name", "First name", "spaces")


def test_text_must_be_text() -> None:
    rejected(check_patient(patient(first_name=42)), "first_name", "First name", "must be text")


def test_chart_number_phone_and_email_formats() -> None:
    rejected(check_patient(patient(chart_number="-12")), "chart_number", "Chart number", "letters, digits")
    rejected(check_patient(patient(chart_number="CR 12")), "chart_number", "Chart number", "letters, digits")
    rejected(check_patient(patient(phone="call me")), "phone", "Phone", "digits")
    rejected(check_patient(patient(email="ada.example.com")), "email", "Email", "name@example.com")


@pytest.mark.parametrize("bad", [0, 7, -1, True, 2.5, "3"])
def test_fitzpatrick_type_range(bad: object) -> None:
    rejected(
        check_patient(patient(fitzpatrick_type=bad)),
        "fitzpatrick_type",
        "Fitzpatrick skin type",
        "from 1 to 6",
    )


def test_sex_outside_the_vocabulary() -> None:
    rejected(check_patient(patient(sex="robot")), "sex", "Sex", "female")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        validate_patient(
            patient(first_name="", date_of_birth=TODAY + timedelta(days=3), email="x", fitzpatrick_type=9),
            today=TODAY,
        )
    assert info.value.fields == {"first_name", "date_of_birth", "email", "fitzpatrick_type"}
    assert all(isinstance(e, FieldError) and e.message for e in info.value.errors)


# -- vials ----------------------------------------------------------------------------------------
def vial(**kw: object) -> Vial:
    values: dict[str, object] = dict(
        product_id=1,
        lot_number="C1234AB",
        expiry_date=date(2027, 1, 1),
        vial_units=100,
        reconstituted_at=NOW,
        diluent_kind=DiluentKind.SALINE_PRESERVED,
        diluent_ml=2.5,
        id=1,
    )
    values.update(kw)
    return Vial(**values)  # type: ignore[arg-type]


def test_a_good_vial_passes() -> None:
    validate_vial(vial(additives=(Additive(AdditiveKind.LIDOCAINE, 0.5, "1% plain"),)))
    validate_vial(vial(vial_units=1, diluent_ml=0.1))  # both lower bounds are allowed
    validate_vial(vial(vial_units=1000, diluent_ml=20))  # both upper bounds are allowed


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_vial_units(bad: object) -> None:
    rejected(
        lambda: validate_vial(vial(vial_units=bad)),
        "vial_units",
        "Vial units",
        "at least 1",
        "at most 1000 U",
    )


@pytest.mark.parametrize("bad", [*BAD_NUMBERS, 0.05])
def test_diluent_volume(bad: object) -> None:
    rejected(
        lambda: validate_vial(vial(diluent_ml=bad)),
        "diluent_ml",
        "Diluent volume",
        "at least 0.1",
        "at most 20 mL",
    )


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_additive_volume(bad: object) -> None:
    v = vial(additives=(Additive(AdditiveKind.LIDOCAINE, 0.5), Additive(AdditiveKind.HYALURONIC_ACID, bad)))
    rejected(
        lambda: validate_vial(v), "additives[1].volume_ml", "Additive volume", "more than 0", "at most 10 mL"
    )


def test_additive_kind_and_description() -> None:
    v = vial(additives=(Additive("botox", 0.5, "x" * 201),))  # type: ignore[arg-type]
    rejected(lambda: validate_vial(v), "additives[0].kind", "Additive", "lidocaine")
    rejected(lambda: validate_vial(v), "additives[0].description", "Additive description", "at most 200")


def test_total_volume_counts_additives() -> None:
    v = vial(diluent_ml=15, additives=(Additive(AdditiveKind.LIDOCAINE, 6),))
    rejected(lambda: validate_vial(v), "additives", "Total volume", "at most 20 mL")


def test_a_vial_reconstituted_after_its_printed_expiry_is_recorded_as_it_is() -> None:
    """Issue 11: the real (expired) lot is charted; using it is a warning with a reason, not a refusal."""
    validate_vial(vial(expiry_date=date(2026, 3, 9), reconstituted_at=NOW))
    validate_vial(vial(expiry_date=date(2026, 3, 10), reconstituted_at=NOW))
    rejected(lambda: validate_vial(vial(expiry_date=date(1999, 3, 9))), "expiry_date", "Expiry date", "2000")


def test_reconstitution_needs_its_time_zone() -> None:
    rejected(
        lambda: validate_vial(vial(reconstituted_at=datetime(2026, 3, 10, 9))),
        "reconstituted_at",
        "Reconstitution time",
        "time zone",
    )


@pytest.mark.parametrize(
    "when",
    [
        datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5))),
        datetime(1890, 5, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2101, 1, 1, tzinfo=UTC),
    ],
)
def test_absurd_reconstitution_times(when: datetime) -> None:
    """Refused, and so never reaching the conversion to UTC (which overflows at the calendar's ends)."""
    rejected(
        lambda: validate_vial(vial(reconstituted_at=when, expiry_date=when.date())),
        "reconstituted_at",
        "Reconstitution time",
        "2000",
        "2100",
    )


def test_expiry_must_be_a_date_not_a_date_and_time() -> None:
    rejected(
        lambda: validate_vial(vial(expiry_date=datetime(2027, 1, 1, tzinfo=UTC))),
        "expiry_date",
        "Expiry date",
        "must be a date",
    )


def test_lot_number_and_diluent() -> None:
    rejected(lambda: validate_vial(vial(lot_number="")), "lot_number", "Lot number", "required")
    rejected(lambda: validate_vial(vial(lot_number="L" * 41)), "lot_number", "Lot number", "at most 40")
    rejected(
        lambda: validate_vial(vial(lot_number="C12\x00")), "lot_number", "Lot number", "control characters"
    )
    rejected(lambda: validate_vial(vial(diluent_kind="water")), "diluent_kind", "Diluent", "saline_preserved")


# -- points ---------------------------------------------------------------------------------------
VIAL = vial(id=1)  # 100 U in 2.5 mL: 40 U/mL
SMALL = vial(id=2, lot_number="SMALL10", vial_units=10, diluent_ml=0.1)  # 10 U in 0.1 mL: 100 U/mL
STRONG = vial(id=3, lot_number="STRONG", vial_units=1000, diluent_ml=0.1)  # 10000 U/mL
VIALS = {1: VIAL, 2: SMALL, 3: STRONG}


def session_with(*points: InjectionPoint, **kw: object) -> TreatmentSession:
    values: dict[str, object] = dict(patient_id=1, performed_at=NOW, injector_id=1, points=tuple(points))
    values.update(kw)
    return TreatmentSession(**values)  # type: ignore[arg-type]


def point(**kw: object) -> InjectionPoint:
    values: dict[str, object] = dict(zone=Zone.FOREHEAD, x=0.5, y=0.3, vial_id=1, units=0.4, volume_ml=0.01)
    values.update(kw)
    return InjectionPoint(**values)  # type: ignore[arg-type]


def test_good_points_pass() -> None:
    validate_points(
        session_with(
            point(),
            InjectionPoint.from_volume(Zone.NOSE, 0, 1, VIAL, 0.5),
            InjectionPoint.from_units(Zone.CHIN, 1, 0, VIAL, 20),
        ),
        VIALS,
    )


@pytest.mark.parametrize("bad", [*BAD_NUMBERS, 25.5])
def test_point_units(bad: object) -> None:
    rejected(
        lambda: validate_points(session_with(point(), point(units=bad)), VIALS),
        "points[1].units",
        "Dose",
        "more than 0",
        "at most 25 U",
    )


@pytest.mark.parametrize("bad", [*BAD_NUMBERS, 0.51])
def test_point_volume(bad: object) -> None:
    rejected(
        lambda: validate_points(session_with(point(volume_ml=bad)), VIALS),
        "points[0].volume_ml",
        "Volume",
        "more than 0",
        "at most 0.5 mL",
    )


def test_point_dose_larger_than_its_vial_holds() -> None:
    p = InjectionPoint.from_units(Zone.NOSE, 0.5, 0.5, SMALL, 20)  # 20 U = 0.2 mL of a 10 U vial
    rejected(lambda: validate_points(session_with(p), VIALS), "points[0].units", "Dose", "SMALL10", "10 U")


def test_point_volume_larger_than_its_vial_holds() -> None:
    p = point(vial_id=3, units=2000, volume_ml=0.2)  # 0.2 mL from a vial of 0.1 mL
    rejected(
        lambda: validate_points(session_with(p), VIALS), "points[0].volume_ml", "Volume", "STRONG", "0.1 mL"
    )


def test_point_units_must_match_volume_at_the_vials_concentration() -> None:
    rejected(
        lambda: validate_points(session_with(point(units=0.4, volume_ml=0.02)), VIALS),
        "points[0].units",
        "Dose",
        "0.02 mL",
        "4 U/0.1 mL (40 U/mL)",
        "expected 0.8 U",
    )


@pytest.mark.parametrize("bad", [-0.01, 1.01, math.nan, math.inf, True])
def test_point_position_on_the_map(bad: object) -> None:
    rejected(
        lambda: validate_points(session_with(point(x=bad)), VIALS),
        "points[0].x",
        "Map position x",
        "at least 0",
        "at most 1",
    )
    rejected(
        lambda: validate_points(session_with(point(y=bad)), VIALS),
        "points[0].y",
        "Map position y",
        "at least 0",
        "at most 1",
    )


def test_point_zone_basis_and_vial() -> None:
    rejected(
        lambda: validate_points(session_with(point(zone="ear")), VIALS), "points[0].zone", "Zone", "forehead"
    )
    rejected(
        lambda: validate_points(session_with(point(basis="drops")), VIALS),
        "points[0].basis",
        "Dose entry",
        "units, volume",
    )
    rejected(
        lambda: validate_points(session_with(point(vial_id=99)), VIALS),
        "points[0].vial_id",
        "not part of this session",
    )


# -- sessions -------------------------------------------------------------------------------------
def test_session_fields() -> None:
    def check(**kw: object) -> Callable[[], None]:
        return lambda: validate_session(session_with(point(), **kw), VIALS)

    rejected(check(performed_at=datetime(2026, 3, 10, 9)), "performed_at", "time zone")
    rejected(
        check(performed_at=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))),
        "performed_at",
        "Session date and time",
        "between 2000 and 2100",
    )
    rejected(check(needle_gauge=40), "needle_gauge", "Needle gauge", "from 25 to 34")
    rejected(check(needle_gauge=True), "needle_gauge", "Needle gauge", "from 25 to 34")
    rejected(check(depth="skin"), "depth", "Depth", "intradermal")
    rejected(check(indications=frozenset({"pores", "glow"})), "indications", "Indication", "fine_lines")
    rejected(check(prescriber="P" * 101), "prescriber", "Prescriber", "at most 100")
    rejected(
        check(consent=Consent("", NOW, "Nina")), "consent.form_version", "Consent form version", "required"
    )
    rejected(check(consent=Consent("F1", datetime(2026, 3, 10), "Nina")), "consent.consented_at", "time zone")
    rejected(
        check(acknowledgements=(Acknowledgement(WarningKind.EXPIRED_LOT, "vial:1", " "),)),
        "acknowledgements[0].reason",
        "Reason",
        "required",
    )
    bad_baseline = Assessment(TimePoint.BASELINE, TODAY, 5, 1, 1, CURRENT_SCALE_VERSION)
    rejected(check(baseline=bad_baseline), "baseline.pores", "Pores rating", "from 0 to 4")


def test_signing_needs_a_complete_chart() -> None:
    with pytest.raises(ValidationError) as info:
        validate_for_signing(session_with())
    assert info.value.fields == {"consent", "points", "indications", "baseline"}
    complete = session_with(
        point(),
        consent=Consent("F1", NOW, "Nina"),
        indications=frozenset({Indication.OIL}),
        baseline=Assessment(TimePoint.BASELINE, TODAY, 1, 2, 3, CURRENT_SCALE_VERSION),
    )
    validate_for_signing(complete)
    partial = replace(complete, baseline=replace(complete.baseline, oil=None))  # type: ignore[type-var]
    rejected(lambda: validate_for_signing(partial), "baseline", "Baseline ratings", "pores, oil and redness")


# -- assessments ----------------------------------------------------------------------------------
def follow_up(**kw: object) -> Assessment:
    values: dict[str, object] = dict(
        time_point=TimePoint.WEEK_4,
        assessed_on=TODAY,
        pores=2,
        oil=1,
        redness=1,
        scale_version=CURRENT_SCALE_VERSION,
    )
    values.update(kw)
    return Assessment(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["pores", "oil", "redness"])
@pytest.mark.parametrize("bad", [-1, 5, 100, True, 2.5, "3"])
def test_ratings_outside_0_to_4(name: str, bad: object) -> None:
    rejected(
        lambda: validate_assessment(follow_up(**{name: bad}), baseline=False, session_date=TODAY),
        name,
        f"{name.capitalize()} rating",
        "from 0 to 4",
    )


def test_ratings_at_both_ends_pass() -> None:
    validate_assessment(follow_up(pores=0, oil=4, redness=0), baseline=False, session_date=TODAY)


def test_follow_up_rules() -> None:
    rejected(
        lambda: validate_assessment(follow_up(pores=None), baseline=False, session_date=TODAY),
        "ratings",
        "0 to 4",
    )
    rejected(
        lambda: validate_assessment(
            follow_up(assessed_on=TODAY - timedelta(days=1)), baseline=False, session_date=TODAY
        ),
        "assessed_on",
        "before its session",
        "2026-03-10",
    )
    rejected(
        lambda: validate_assessment(
            follow_up(time_point=TimePoint.BASELINE), baseline=False, session_date=TODAY
        ),
        "time_point",
        "follow-up time point",
    )
    rejected(
        lambda: validate_assessment(follow_up(satisfaction=6), baseline=False, session_date=TODAY),
        "satisfaction",
        "Patient satisfaction",
        "from 1 to 5",
    )
    rejected(
        lambda: validate_assessment(follow_up(scale_version=""), baseline=False, session_date=TODAY),
        "scale_version",
        "Scale version",
        "required",
    )
    rejected(
        lambda: validate_assessment(follow_up(gais="better"), baseline=False, session_date=TODAY),
        "gais",
        "GAIS",
        "much_improved",
    )


@pytest.mark.parametrize("bad", [-0.1, 500.1, math.nan, math.inf, True])
def test_instrument_readings(bad: object) -> None:
    rejected(
        lambda: validate_assessment(follow_up(sebum_ug_cm2=bad), baseline=False, session_date=TODAY),
        "sebum_ug_cm2",
        "Sebumeter reading",
        "at least 0",
        "at most 500",
    )
    rejected(
        lambda: validate_assessment(
            follow_up(erythema_index=bad if bad != 500.1 else 1000), baseline=False, session_date=TODAY
        ),
        "erythema_index",
        "Erythema index",
        "at most 999",
    )


def test_baseline_rules() -> None:
    base = follow_up(time_point=TimePoint.BASELINE, pores=None)
    validate_assessment(base, baseline=True, session_date=None)  # a baseline may be incomplete while drafting
    rejected(
        lambda: validate_assessment(replace(base, gais=Gais.IMPROVED), baseline=True, session_date=None),
        "gais",
        "GAIS",
        "follow-up",
    )
    rejected(
        lambda: validate_assessment(
            replace(base, time_point=TimePoint.WEEK_4), baseline=True, session_date=None
        ),
        "time_point",
        "baseline",
    )


# -- the rest -------------------------------------------------------------------------------------
def test_adverse_event_dates() -> None:
    from clinicrec.domain.enums import AdverseEventKind, Severity

    e = AdverseEvent(AdverseEventKind.BRUISING, TODAY, Severity.MILD)
    validate_adverse_event(e, session_date=TODAY)
    rejected(
        lambda: validate_adverse_event(e, session_date=TODAY + timedelta(days=1)),
        "onset",
        "Onset",
        "before the session",
    )
    rejected(
        lambda: validate_adverse_event(replace(e, resolved_on=TODAY - timedelta(days=1)), session_date=TODAY),
        "resolved_on",
        "Resolution date",
        "before the onset",
    )
    rejected(
        lambda: validate_adverse_event(replace(e, severity="awful"), session_date=TODAY),
        "severity",
        "Severity",
        "mild",
    )


def test_product_rules() -> None:
    p = Product("Botox Cosmetic", "onabotulinumtoxinA", (50, 100), 24, 400, 90)
    validate_product(p)
    rejected(lambda: validate_product(replace(p, vial_sizes=())), "vial_sizes", "Vial sizes", "at least one")
    rejected(
        lambda: validate_product(replace(p, vial_sizes=(0,))), "vial_sizes[0]", "Vial size", "at least 1"
    )
    rejected(
        lambda: validate_product(replace(p, in_use_hours=0)),
        "in_use_hours",
        "In-use window",
        "from 1 to 1008",
    )
    rejected(
        lambda: validate_product(replace(p, max_dose_units=0)),
        "max_dose_units",
        "Maximum dose",
        "more than 0",
    )
    rejected(
        lambda: validate_product(replace(p, max_dose_units=math.nan)),
        "max_dose_units",
        "Maximum dose",
        "at most 5000",
    )


def test_user_password_clinic_and_reasons() -> None:
    rejected(
        lambda: validate_user(User("nina nurse", "Nina", "RN", Role.INJECTOR)),
        "username",
        "User name",
        "letters, digits",
    )
    rejected(lambda: validate_user(User("nina", "Nina", "RN", "boss")), "role", "Role", "injector")
    rejected(lambda: validate_password("short"), "password", "Password", "at least 10")
    rejected(lambda: validate_password("x" * 257), "password", "Password", "at most 256")
    rejected(
        lambda: validate_clinic(ClinicSettings(name="C", review_days=0)),
        "review_days",
        "Review after",
        "from 1 to 120",
    )
    rejected(lambda: validate_clinic(ClinicSettings(name="")), "name", "Clinic name", "required")
    rejected(lambda: require_reason("  ", "Amendment reason"), "reason", "Amendment reason", "required")
    rejected(lambda: require_reason("x\x00", "Amendment reason"), "reason", "Amendment reason", "control")
