"""Every input is either rejected with the field named, or stored and read back exactly.

Each property drives the real services on a real SQLite file (one per test function, from the
``world`` fixture); examples that pass validation are saved, read back through the services and
compared field by field (dataclass equality), ignoring only what the store assigns (ids, versions,
who opened or assessed).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, select

from clinicrec.db.models import AssessmentRow, PatientRow, PointRow, VialAdditiveRow, VialRow
from clinicrec.domain.enums import (
    AdditiveKind,
    AllergyStatus,
    DiluentKind,
    DoseBasis,
    Gais,
    Indication,
    Language,
    Sex,
    TimePoint,
    Zone,
)
from clinicrec.domain.errors import ValidationError
from clinicrec.domain.models import (
    Additive,
    Assessment,
    Consent,
    InjectionPoint,
    Patient,
    SafetyScreening,
    TreatmentSession,
    Vial,
)
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.domain.validation import (
    ADDRESS_MAX,
    LINE_MAX,
    NAME_MAX,
    SHORT_MAX,
    TEXT_MAX,
    validate_assessment,
    validate_patient,
    validate_vial,
)
from tests.conftest import PASSWORD, World, make_patient, make_vial

#: Modest example counts keep the suite fast; each property reuses one database for all its examples.
PROPERTY = settings(max_examples=60, deadline=None)


def outcome(what: str) -> None:
    """Tally for ``--hypothesis-show-statistics`` (the mix is checked deterministically at the end)."""
    event(what)


# -- strategies -----------------------------------------------------------------------------------
# Each record is drawn as a valid one in which a few fields (often none) are replaced by wild values:
# zero, negatives, NaN, infinities, absurd sizes, bools, control characters, lengths at and over the
# limit. Wild values may happen to be valid too; the property holds either way.
PRINTABLE = st.characters(exclude_categories=("Cc", "Cs"))
WILD_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 0.0, -0.0, -1, 1e9, 1e308, math.nan, math.inf, -math.inf, True, False, "5", None]),
    st.integers(-5, 5000),
)


def line(max_len: int, *, required: bool = False) -> st.SearchStrategy[str]:
    nice = st.text(PRINTABLE, min_size=1 if required else 0, max_size=min(max_len, 30)).map(str.strip)
    if required:
        nice = nice.filter(bool)
    # At the limit, in characters that fold to longer search keys ("ﬃ" -> "ffi", "ß" -> "ss").
    return st.one_of(nice, st.sampled_from(["é" * max_len, "ﬃ" * max_len, "ß" * max_len]))


def wild_line(max_len: int) -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=20), st.just("é" * (max_len + 1)), st.just(" padded "), st.just(""))


def lines(max_len: int) -> st.SearchStrategy[str]:
    exact = ("a\r\n" * max_len)[:max_len]
    return st.one_of(st.lists(st.text(PRINTABLE, max_size=20), max_size=4).map("\n".join), st.just(exact))


def wild_lines(max_len: int) -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=20), st.just("b" * (max_len + 1)))


def fixed_offsets() -> st.SearchStrategy[timezone]:
    return st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


SENSIBLE_MOMENT = st.datetimes(datetime(2015, 1, 1), datetime(2035, 1, 1), timezones=fixed_offsets())
WILD_MOMENT = st.one_of(st.datetimes(timezones=fixed_offsets()), st.datetimes())


def wild_int(low: int, high: int) -> st.SearchStrategy[object]:
    return st.one_of(st.integers(low - 3, high + 3), st.booleans(), st.floats(low, high))


@st.composite
def record(
    draw: st.DrawFn, spec: dict[str, tuple[st.SearchStrategy, st.SearchStrategy]]
) -> dict[str, object]:
    """Values for ``spec``'s fields: good ones, except up to two fields drawn from their wild strategy."""
    wild = draw(st.sets(st.sampled_from(sorted(spec)), max_size=2))
    return {name: draw(bad if name in wild else good) for name, (good, bad) in spec.items()}


def rejected_fields(error: ValidationError, allowed: set[str]) -> None:
    """A rejection names at least one field, each of them a real field (maybe scoped: 'points[2].units')."""
    assert error.errors
    for e in error.errors:
        root = e.field.split(".")[0].split("[")[0]
        assert root in allowed, f"{e.field!r} is not a field ({e.message})"
        assert e.message and e.message[0].isupper()


def fits_its_columns(row: object) -> None:
    """What was stored fits the declared column lengths (PostgreSQL enforces them; SQLite does not)."""
    for col in row.__table__.columns:  # type: ignore[attr-defined]
        value = getattr(row, col.key)
        if isinstance(col.type, String) and col.type.length and isinstance(value, str):
            assert len(value) <= col.type.length, f"{col.key}: {len(value)} > {col.type.length}"


# -- patients -------------------------------------------------------------------------------------
_chart_numbers = itertools.count(1)


@st.composite
def patients(draw: st.DrawFn) -> Patient:
    today = datetime.now(UTC).date()
    v = draw(
        record(
            {
                "first_name": (line(NAME_MAX, required=True), wild_line(NAME_MAX)),
                "last_name": (line(NAME_MAX, required=True), wild_line(NAME_MAX)),
                "date_of_birth": (
                    st.dates(date(1900, 1, 1), today),
                    st.dates(date(1800, 1, 1), date(2200, 1, 1)),
                ),
                "chart_number": (st.just(None), wild_line(SHORT_MAX)),  # None: a fresh unique chart number
                "sex": (st.sampled_from(Sex), st.sampled_from(["robot", "", "F"])),
                "phone": (
                    st.one_of(st.just(""), st.from_regex(r"\A\+?[0-9][0-9 ()\-./x]{0,30}[0-9]\Z")),
                    wild_line(SHORT_MAX),
                ),
                "email": (
                    st.one_of(
                        st.just(""), st.from_regex(r"\A[a-z0-9._+]{1,20}@[a-z0-9-]{1,10}\.[a-z]{2,5}\Z")
                    ),
                    st.one_of(st.emails(), wild_line(254)),
                ),
                "address": (lines(ADDRESS_MAX), wild_lines(ADDRESS_MAX)),
                "fitzpatrick_type": (st.one_of(st.none(), st.integers(1, 6)), wild_int(1, 6)),
                "allergies": (lines(TEXT_MAX), wild_lines(TEXT_MAX)),
                "screening_other": (lines(LINE_MAX), wild_lines(LINE_MAX)),
                "notes": (lines(TEXT_MAX), wild_lines(TEXT_MAX)),
            }
        )
    )
    answers = draw(st.lists(st.booleans(), min_size=6, max_size=6))
    v["screening"] = SafetyScreening(*answers, other=v.pop("screening_other"))  # type: ignore[arg-type,misc]
    if v["chart_number"] is None:
        v["chart_number"] = f"P-{next(_chart_numbers):06d}"
    return Patient(**v)  # type: ignore[arg-type]


TEXT_FIELDS = ["first_name", "last_name", "chart_number", "phone", "email", "address", "allergies", "notes"]
ODD_TEXT = st.sampled_from(
    ["", " ", "a ", " a", "a\tb", "a\nb", "a\r\n", "\x0b", "a\x7f", "\u2028", "\u00a0x", "\ud800", "x" * 4001]
)


@settings(max_examples=400, deadline=None)
@given(
    p=patients(),
    odd=st.dictionaries(
        st.sampled_from(TEXT_FIELDS),
        ODD_TEXT,
        max_size=3,
    ),
    status=st.sampled_from([*AllergyStatus, "listed", "none_known", "maybe"]),
    language=st.sampled_from([*Language, "en", "xx"]),
    born=st.none() | st.sampled_from([date(1899, 12, 31), date(1900, 1, 1), datetime(1980, 1, 1), "1980"]),
)
def test_the_quick_patient_check_gives_what_the_full_check_gives(
    p: Patient, odd: dict[str, str], status: object, language: object, born: object
) -> None:
    """validate_patient accepts the usual patient in a few C calls a field (an import checks 100,000):
    it must refuse exactly what the full checks refuse, with the same errors, and never pass one they
    would refuse."""
    from clinicrec.domain.validation import _check_patient_fully, _usual_patient

    p = replace(p, **odd, allergy_status=status, preferred_language=language)  # type: ignore[arg-type]
    if born is not None:
        p = replace(p, date_of_birth=born)  # type: ignore[arg-type]
    today = datetime.now(UTC).date()

    def errors(check: Callable[[], None]) -> list[object] | None:
        try:
            check()
        except ValidationError as e:
            return list(e.errors)
        return None

    full = errors(lambda: _check_patient_fully(p, today))
    assert errors(lambda: validate_patient(p, today=today)) == full
    if _usual_patient(p, today):
        outcome("quick")
        assert full is None
    else:
        outcome("full")


@pytest.mark.postgres
def test_patients_are_rejected_or_stored_exactly(world: World) -> None:
    svc = world.services

    @PROPERTY
    @given(p=patients())
    def prop(p: Patient) -> None:
        try:
            saved = svc.patients.create(p)
        except ValidationError as e:
            rejected_fields(e, {f.name for f in fields(Patient)})
            outcome("rejected")
            return
        outcome("stored")
        got = svc.patients.get(saved.id)  # type: ignore[arg-type]
        assert replace(got, id=None, version=0) == p
        assert got.sex == Sex(p.sex) and isinstance(got.sex, Sex)
        with svc.db.read() as s:
            fits_its_columns(s.get(PatientRow, saved.id))

    prop()


# -- vials ----------------------------------------------------------------------------------------
def additives(good: bool) -> st.SearchStrategy[tuple[Additive, ...]]:
    if good:
        one = st.builds(
            Additive,
            kind=st.sampled_from(AdditiveKind),
            volume_ml=st.floats(0.001, 5),
            description=line(LINE_MAX),
        )
        return st.lists(one, max_size=2).map(tuple)
    one = st.builds(
        Additive,
        kind=st.sampled_from([*AdditiveKind, "epinephrine"]),
        volume_ml=WILD_NUMBER,
        description=st.one_of(line(LINE_MAX), wild_line(LINE_MAX)),
    )
    return st.lists(one, min_size=1, max_size=2).map(tuple)


@st.composite
def vials(draw: st.DrawFn, product_ids: list[int], ready_to_use_ids: list[int]) -> Vial:
    v = draw(
        record(
            {
                "product_id": (st.sampled_from(product_ids), st.sampled_from([9999, *ready_to_use_ids])),
                "lot_number": (st.from_regex(r"\A[A-Z0-9][A-Z0-9-]{0,15}\Z"), wild_line(SHORT_MAX)),
                "expiry_date": (
                    st.dates(date(2036, 1, 1), date(2040, 1, 1)),
                    st.dates(date(2014, 1, 1), date(2040, 1, 1)),
                ),
                "vial_units": (
                    st.one_of(st.sampled_from([50, 100, 200, 300]), st.floats(1, 1000)),
                    WILD_NUMBER,
                ),
                "reconstituted_at": (SENSIBLE_MOMENT, WILD_MOMENT),
                "diluent_kind": (st.sampled_from(DiluentKind), st.just("water")),
                "diluent_ml": (st.floats(0.1, 10), WILD_NUMBER),
                "additives": (additives(True), additives(False)),
            }
        )
    )
    return Vial(**v)  # type: ignore[arg-type]


@pytest.mark.postgres
def test_vials_are_rejected_or_stored_exactly(world: World) -> None:
    svc = world.services
    products = svc.products.list()
    strategy = vials(
        [p.id for p in products if not p.ready_to_use_units_per_ml],  # type: ignore[misc]
        [p.id for p in products if p.ready_to_use_units_per_ml],
    )  # type: ignore[misc]

    @PROPERTY
    @given(v=strategy)
    def prop(v: Vial) -> None:
        try:
            opened = svc.vials.open_vial(v)
        except ValidationError as e:
            rejected_fields(e, {f.name for f in fields(Vial)})
            outcome("rejected")
            return
        outcome("stored")
        got = svc.vials.status([opened.vial.id])[opened.vial.id].vial  # type: ignore[list-item,index]
        assert got.opened_by_id == world.injector.user_id
        assert replace(got, id=None, opened_by_id=None) == v
        assert got.reconstituted_at.utcoffset() == timedelta(0)  # read back in UTC, the same instant
        assert got.concentration == v.concentration
        with svc.db.read() as s:
            fits_its_columns(s.get(VialRow, got.id))
            for a in s.execute(select(VialAdditiveRow).where(VialAdditiveRow.vial_id == got.id)).scalars():
                fits_its_columns(a)

    prop()


# -- points ---------------------------------------------------------------------------------------
def _point_world(world: World) -> tuple[int, dict[int, Vial]]:
    """One patient and three vials per test function (kept on the world between examples)."""
    svc = world.services
    if "patient" not in world.made:
        world.made["patient"] = make_patient(svc).id  # type: ignore[assignment]
        for name, kw in {
            "botox": dict(units=100, diluent_ml=2.5, lot="BTX100"),  # 40 U/mL
            "dysport": dict(brand="Dysport", units=300, diluent_ml=1.5, lot="DYS300"),  # 200 U/mL
            "small": dict(units=10, diluent_ml=0.2, lot="SMALL10"),  # 50 U/mL, holds only 10 U
        }.items():
            world.made[name] = make_vial(svc, **kw).id  # type: ignore[arg-type,assignment]
    vials = svc.charting.vials_for(
        TreatmentSession(
            0, world.clock(), 0, vial_ids=(world.made["botox"], world.made["dysport"], world.made["small"])
        )
    )
    return world.made["patient"], vials


@st.composite
def points(draw: st.DrawFn, vials: dict[int, Vial]) -> InjectionPoint:
    """Doses entered as the UI enters them (units or volume, the other derived), or raw wild values."""
    vial = draw(st.sampled_from(list(vials.values())))
    conc = vial.concentration
    max_units = min(25.0, vial.vial_units, 0.5 * conc.units_per_ml)
    max_volume = min(0.5, vial.total_volume_ml, 25.0 / conc.units_per_ml)
    v = draw(
        record(
            {
                "zone": (st.sampled_from(Zone), st.just("ear")),
                "x": (st.floats(0, 1), WILD_NUMBER),
                "y": (st.floats(0, 1), WILD_NUMBER),
                "dose": (
                    st.one_of(
                        st.tuples(st.just("units"), st.floats(0.01, max_units)),
                        st.tuples(st.just("volume"), st.floats(0.001, max_volume)),
                    ),
                    st.tuples(
                        st.sampled_from(["raw", "unknown vial"]),
                        WILD_NUMBER,
                        WILD_NUMBER,
                        st.sampled_from([*DoseBasis, "drops"]),
                    ),
                ),
            }
        )
    )
    how, *dose = v["dose"]  # type: ignore[misc]
    if how == "units":
        return InjectionPoint.from_units(v["zone"], v["x"], v["y"], vial, dose[0])  # type: ignore[arg-type]
    if how == "volume":
        return InjectionPoint.from_volume(v["zone"], v["x"], v["y"], vial, dose[0])  # type: ignore[arg-type]
    units, volume, basis = dose
    return InjectionPoint(
        v["zone"],
        v["x"],
        v["y"],
        vial.id if how == "raw" else 424242,  # type: ignore[arg-type]
        units,
        volume,
        basis,
    )


@pytest.mark.postgres
def test_points_are_rejected_or_stored_exactly(world: World) -> None:
    svc = world.services
    patient_id, vials = _point_world(world)

    @PROPERTY
    @given(pts=st.lists(points(vials), min_size=1, max_size=4).map(tuple))
    def prop(pts: tuple[InjectionPoint, ...]) -> None:
        draft = TreatmentSession(patient_id, world.clock(), world.injector.user_id, points=pts)
        try:
            saved = svc.charting.save_draft(draft)
        except ValidationError as e:
            rejected_fields(e, {"points"})
            outcome("rejected")
            return
        outcome("stored")
        got = svc.charting.get(saved.id)  # type: ignore[arg-type]
        assert tuple(replace(p, id=None) for p in got.points) == pts
        assert all(p.id is not None for p in got.points)
        assert got.all_vial_ids == tuple(dict.fromkeys(p.vial_id for p in pts))
        with svc.db.read() as s:
            for row in s.execute(select(PointRow).where(PointRow.session_id == saved.id)).scalars():
                fits_its_columns(row)

    prop()


# -- assessments ----------------------------------------------------------------------------------
def _signed_session(world: World) -> int:
    svc = world.services
    if "signed" not in world.made:
        patient, vial, now = make_patient(svc), make_vial(svc), world.clock()
        draft = svc.charting.save_draft(
            TreatmentSession(
                patient.id,
                now,
                world.injector.user_id,
                consent=Consent("MB-CONSENT-1", now, "Nina Nurse"),  # type: ignore[arg-type]
                indications=frozenset({Indication.PORES}),
                points=(InjectionPoint.from_units(Zone.NOSE, 0.5, 0.5, vial, 0.4),),
                baseline=Assessment(TimePoint.BASELINE, now.date(), 2, 2, 2, CURRENT_SCALE_VERSION),
            )
        )
        world.made["signed"] = svc.charting.sign(draft.id, PASSWORD).id  # type: ignore[arg-type,assignment]
        world.made["patient"] = patient.id  # type: ignore[assignment]
    return world.made["signed"]


@st.composite
def assessments(draw: st.DrawFn, baseline: bool) -> Assessment:
    today = datetime.now(UTC).date()
    follow_ups = [t for t in TimePoint if t != TimePoint.BASELINE]
    rating = st.one_of(st.none(), st.integers(0, 4)) if baseline else st.integers(0, 4)
    wild_rating = st.one_of(st.none(), wild_int(0, 4), st.just("3"))
    v = draw(
        record(
            {
                "time_point": (
                    st.just(TimePoint.BASELINE) if baseline else st.sampled_from(follow_ups),
                    st.sampled_from([*TimePoint, "week_3"]),
                ),
                "assessed_on": (
                    st.dates(date(2000, 1, 1), date(2100, 1, 1))
                    if baseline
                    else st.dates(today + timedelta(days=1), today + timedelta(days=200)),
                    st.dates(date(2000, 1, 1), date(2100, 1, 1)),
                ),
                "pores": (rating, wild_rating),
                "oil": (rating, wild_rating),
                "redness": (rating, wild_rating),
                "scale_version": (
                    st.one_of(st.just(CURRENT_SCALE_VERSION), line(SHORT_MAX, required=True)),
                    wild_line(SHORT_MAX),
                ),
                "sebum_ug_cm2": (st.one_of(st.none(), st.floats(0, 500)), WILD_NUMBER),
                "erythema_index": (st.one_of(st.none(), st.floats(0, 999)), WILD_NUMBER),
                "gais": (
                    st.none() if baseline else st.one_of(st.none(), st.sampled_from(Gais)),
                    st.sampled_from([*Gais, "better"]),
                ),
                "satisfaction": (st.one_of(st.none(), st.integers(1, 5)), wild_int(1, 5)),
                "photos_taken": (st.booleans(), st.booleans()),
                "touch_up_given": (st.booleans(), st.booleans()),
                "notes": (lines(TEXT_MAX), wild_lines(TEXT_MAX)),
            }
        )
    )
    return Assessment(**v)  # type: ignore[arg-type]


def _same_assessment(got: Assessment, sent: Assessment) -> None:
    assert replace(got, id=None, assessor_id=None, assessor_name="") == sent
    assert isinstance(got.time_point, TimePoint)
    assert got.gais is None or isinstance(got.gais, Gais)


@pytest.mark.postgres
def test_follow_ups_are_rejected_or_stored_exactly(world: World) -> None:
    svc = world.services
    signed_id = _signed_session(world)

    @PROPERTY
    @given(a=assessments(baseline=False))
    def prop(a: Assessment) -> None:
        try:
            stored = svc.records.add_follow_up(signed_id, a)
        except ValidationError as e:
            rejected_fields(e, {f.name for f in fields(Assessment)} | {"ratings"})
            outcome("rejected")
            return
        outcome("stored")
        [got] = [f for f in svc.records.record(signed_id).follow_ups if f.id == stored.id]
        _same_assessment(got, a)
        assert got.assessor_id == world.injector.user_id
        with svc.db.read() as s:
            fits_its_columns(s.get(AssessmentRow, stored.id))

    prop()


@pytest.mark.postgres
def test_baselines_are_rejected_or_stored_exactly(world: World) -> None:
    svc = world.services
    patient_id, _ = _point_world(world)

    @PROPERTY
    @given(a=assessments(baseline=True))
    def prop(a: Assessment) -> None:
        try:
            saved = svc.charting.save_draft(
                TreatmentSession(patient_id, world.clock(), world.injector.user_id, baseline=a)
            )
        except ValidationError as e:
            rejected_fields(e, {"baseline"})
            outcome("rejected")
            return
        outcome("stored")
        got = svc.charting.get(saved.id).baseline  # type: ignore[arg-type]
        assert got is not None
        _same_assessment(got, a)

    prop()


# -- derived doses --------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(
    vial_units=st.one_of(st.sampled_from([50, 100, 200, 300, 500]), st.floats(1, 1000)),
    diluent_ml=st.one_of(st.sampled_from([1.25, 1.5, 2.5, 5.0, 10.0]), st.floats(0.1, 20)),
    entered=st.floats(0, 1),
    by_units=st.booleans(),
    decimals=st.sampled_from([1, 2, 3, 4]),
)
def test_a_dose_the_app_derives_always_passes_validation(
    vial_units: float, diluent_ml: float, entered: float, by_units: bool, decimals: int
) -> None:
    """What the UI stores (units typed, volume derived, or the other way) is never refused as inconsistent."""
    from clinicrec.domain.validation import POINT_UNITS_MAX, POINT_VOLUME_MAX_ML, validate_points

    vial = Vial(
        1,
        "LOT1",
        date(2030, 1, 1),
        vial_units,
        datetime(2026, 1, 1, tzinfo=UTC),
        DiluentKind.SALINE_PRESERVED,
        diluent_ml,
        id=1,
    )
    conc = vial.concentration
    if by_units:
        top = min(POINT_UNITS_MAX, vial_units, POINT_VOLUME_MAX_ML * conc.units_per_ml)
        units = round(entered * top, decimals)
        assume(units > 0 and conc.volume_for(units) > 0)
        point = InjectionPoint.from_units(Zone.NOSE, 0.5, 0.5, vial, units)
    else:
        top = min(POINT_VOLUME_MAX_ML, diluent_ml, POINT_UNITS_MAX / conc.units_per_ml)
        volume = round(entered * top, decimals + 2)
        assume(volume > 0 and conc.units_for(volume) > 0)
        point = InjectionPoint.from_volume(Zone.NOSE, 0.5, 0.5, vial, volume)
    assume(
        point.units <= min(POINT_UNITS_MAX, vial_units)
        and point.volume_ml <= min(POINT_VOLUME_MAX_ML, diluent_ml)
    )
    validate_points(TreatmentSession(1, datetime(2026, 1, 1, tzinfo=UTC), 1, points=(point,)), {1: vial})


# -- the strategies reach both outcomes -----------------------------------------------------------
@pytest.mark.parametrize("kind", ["patient", "vial", "follow-up", "baseline"])
def test_strategies_produce_both_accepted_and_rejected_input(kind: str) -> None:
    """Properties are only as good as their input: each strategy must yield plenty of both outcomes.

    Checked with the domain validators on a fixed (derandomized) run, so the check cannot flake.
    """
    today = datetime.now(UTC).date()
    strategy, check = {
        "patient": (patients(), lambda p: validate_patient(p, today=today)),
        "vial": (vials([1], [7]), validate_vial),
        "follow-up": (
            assessments(baseline=False),
            lambda a: validate_assessment(a, baseline=False, session_date=today),
        ),
        "baseline": (
            assessments(baseline=True),
            lambda a: validate_assessment(a, baseline=True, session_date=None),
        ),
    }[kind]
    tally: Counter[str] = Counter()

    @settings(max_examples=100, derandomize=True, database=None, deadline=None)
    @given(strategy)
    def count(value: object) -> None:
        try:
            check(value)
        except ValidationError:
            tally["rejected"] += 1
        else:
            tally["accepted"] += 1

    count()
    assert tally["accepted"] >= 15 and tally["rejected"] >= 15, dict(tally)
