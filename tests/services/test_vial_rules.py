"""Issue 11: vials charted truthfully, the catalogue enforced by the services, live vial draws."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from clinicrec.domain.enums import AdditiveKind, AllergyStatus, DiluentKind, SessionStatus, WarningKind
from clinicrec.domain.errors import UnacknowledgedWarnings, ValidationError
from clinicrec.domain.models import Additive, Vial
from tests.conftest import PASSWORD, World, make_patient, make_vial, product_id
from tests.services.test_charting import chart, grid, signed

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def vial(world: World, brand: str = "Botox Cosmetic", **kw: object) -> Vial:
    values: dict[str, object] = dict(
        product_id=product_id(world.services, brand),
        lot_number="L1",
        expiry_date=date(2030, 1, 1),
        vial_units=100,
        reconstituted_at=T0 - timedelta(minutes=30),
        diluent_kind=DiluentKind.SALINE_PRESERVED,
        diluent_ml=2.5,
    )
    values.update(kw)
    return Vial(**values)  # type: ignore[arg-type]


def refused(world: World, v: Vial) -> dict[str, str]:
    with pytest.raises(ValidationError) as e:
        world.services.vials.open_vial(v)
    return {f.field: f.message for f in e.value.errors}


def test_an_expired_lot_is_recorded_and_charted_with_the_expired_lot_acknowledgement(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    expired = svc.vials.open_vial(vial(world, lot_number="OLD-LOT", expiry_date=date(2026, 3, 1))).vial
    assert expired.lot_number == "OLD-LOT" and expired.expiry_date == date(2026, 3, 1)
    draft = svc.charting.save_draft(
        chart(world, make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN), grid(expired, 0.4, 3))
    )
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    [w] = e.value.warnings
    assert w.kind == WarningKind.EXPIRED_LOT
    draft = svc.charting.save_draft(svc.charting.acknowledge(draft, w, "Recall check: lot still released"))
    assert svc.charting.sign(draft.id, PASSWORD).status == SessionStatus.SIGNED  # type: ignore[arg-type]
    assert [v.lot_number for v in svc.vials.by_lot("OLD-LOT")] == ["OLD-LOT"]


def test_a_ready_to_use_liquid_has_its_fixed_concentration_and_nothing_added(world: World) -> None:
    liquid = dict(vial_units=100, diluent_kind=DiluentKind.SUPPLIED, diluent_ml=1.0)  # 10 U/0.1 mL
    assert "diluent_kind" in refused(
        world, vial(world, "Relfydess", **{**liquid, "diluent_kind": DiluentKind.SALINE_PRESERVED})
    )
    assert "diluent_ml" in refused(world, vial(world, "Relfydess", **{**liquid, "diluent_ml": 2.0}))
    errors = refused(
        world, vial(world, "Relfydess", **liquid, additives=(Additive(AdditiveKind.LIDOCAINE, 0.2),))
    )
    assert "nothing may be added" in errors["additives"]
    opened = world.services.vials.open_vial(vial(world, "Relfydess", **liquid))
    assert opened.vial.concentration.units_per_ml == pytest.approx(100.0)


def test_a_powder_needs_a_diluent(world: World) -> None:
    errors = refused(world, vial(world, diluent_kind=DiluentKind.SUPPLIED))
    assert "powder" in errors["diluent_kind"]


def test_a_vial_size_not_in_the_catalogue_needs_other_size_with_a_reason(world: World) -> None:
    errors = refused(world, vial(world, vial_units=150))
    assert "50 U, 100 U, 200 U" in errors["other_size_reason"] and "other size" in errors["other_size_reason"]
    opened = world.services.vials.open_vial(vial(world, vial_units=150, other_size_reason="Trial pack"))
    assert opened.vial.other_size_reason == "Trial pack"


def test_drafts_show_live_draws_and_never_block_each_other(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    shared = make_vial(svc, units=100, diluent_ml=2.5, lot="SHARED")  # 40 U/mL
    ada = make_patient(svc, first_name="Ada", last_name="Draft", allergy_status=AllergyStatus.NONE_KNOWN)
    bea = make_patient(svc, first_name="Bea", last_name="Other", allergy_status=AllergyStatus.NONE_KNOWN)
    first = svc.charting.save_draft(chart(world, ada, grid(shared, 10, 6)))  # 60 U
    second = svc.charting.save_draft(chart(world, bea, grid(shared, 10, 5)))  # 50 U: both saved
    [draw] = svc.charting.vial_draws(second)
    assert (draw.signed_units, draw.draft_units, draw.this_session_units) == (
        0,
        pytest.approx(60),
        pytest.approx(50),
    )
    assert draw.warning is not None
    assert "Draft, Ada by Nina Nurse" in draw.warning and "10 U short" in draw.warning
    assert svc.charting.shortfalls(second) == []  # drafts are not authoritative
    signed(world, first)
    [draw] = svc.charting.vial_draws(second)
    assert draw.signed_units == pytest.approx(60) and draw.drafts == ()
    assert "signing is refused" in (draw.warning or "")
    with pytest.raises(ValidationError) as e:
        svc.charting.sign(second.id, PASSWORD)  # type: ignore[arg-type]
    assert "SHARED has 40 U left" in str(e.value)
    svc.charting.save_draft(replace(second, points=second.points[:4]))  # still saves; 40 U fits


def test_the_chart_pdf_of_an_amendment_names_the_session_it_amends(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    original = signed(world, chart(world, patient, grid(make_vial(svc), 0.4, 3)))
    amendment = svc.charting.start_amendment(original.id, "Notes corrected")  # type: ignore[arg-type]
    amendment = svc.charting.sign(
        svc.charting.save_draft(replace(amendment, notes="Corrected")).id,
        PASSWORD,  # type: ignore[arg-type]
    )
    record = svc.records.record(amendment.id)  # type: ignore[arg-type]
    assert record.amends is not None and record.amends.session_id == original.id
    data = svc.printing.chart_bytes(amendment.id)  # type: ignore[arg-type]
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())
    assert f"This record amends session #{original.id}" in text
    assert f"amends session #{amendment.id}" not in text


@pytest.mark.postgres
def test_a_reconstitution_in_the_future_is_refused_naming_the_field(world: World) -> None:
    """A day and a month swapped (3 April typed for 4 March) would make a week-old vial look fresh and
    silence the in-use window's warning for its whole life: refused, nothing recorded."""
    world.clock.set(T0)
    errors = refused(
        world, vial(world, lot_number="SWAP", reconstituted_at=datetime(2026, 4, 3, 14, 0, tzinfo=UTC))
    )
    assert "in the future (now 2026-03-10 10:00)" in errors["reconstituted_at"]
    assert "check the day and the month" in errors["reconstituted_at"]
    assert world.services.vials.by_lot("SWAP") == []
    # a clock a little behind the other computer's is not a slip
    world.services.vials.open_vial(vial(world, reconstituted_at=T0 + timedelta(minutes=4)))
    errors = refused(world, vial(world, reconstituted_at=T0 + timedelta(minutes=6)))
    assert set(errors) == {"reconstituted_at"}
