"""Clinic settings, the product catalogue and vials through the services."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from clinicrec.db.models import AuditRow
from clinicrec.domain.catalogue import SEED_PRODUCTS
from clinicrec.domain.enums import AdditiveKind, DiluentKind, PaperSize, WarningKind
from clinicrec.domain.errors import ValidationError
from clinicrec.domain.models import Additive, ClinicSettings, Product, Vial
from tests.conftest import World, make_patient, make_vial, product_id
from tests.services.test_charting import chart, grid, signed

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def last_audit(world: World) -> AuditRow:
    with world.services.db.read() as s:
        return s.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).scalar_one()


# -- clinic ---------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_clinic_settings_are_stored_and_audited(world: World) -> None:
    svc = world.as_(world.admin)
    assert svc.clinic.is_set_up() and svc.clinic.get().name == "Test Clinic"
    new = ClinicSettings(
        name="Glow Clinic",
        address="2 High St\nTown",
        phone="+1 555 0100",
        email="hello@glow.example",
        website="https://glow.example",
        paper_size=PaperSize.LETTER,
        review_days=21,
        logo_png=b"\x89PNG\r\n\x1a\nfake",
        consent_form_version="MB-CONSENT-2",
        idle_lock_minutes=5,
        backups_kept=30,
    )
    new = replace(new, version=svc.clinic.get().version)  # an edit of the settings as read
    saved = svc.clinic.update(new)
    assert svc.clinic.get() == saved == replace(new, version=new.version + 1)
    new = saved
    entry = last_audit(world)
    assert (entry.action, entry.entity, entry.username) == ("update", "clinic", "admin")
    changes = json.loads(entry.changes)
    assert changes["name"] == ["Test Clinic", "Glow Clinic"] and changes["review_days"] == [14, 21]
    assert "phone" not in changes  # unchanged fields are not listed
    with pytest.raises(ValidationError) as e:
        svc.clinic.setup(new)
    assert e.value.fields == {"name"}
    with pytest.raises(ValidationError) as e:
        svc.clinic.update(replace(new, review_days=0, email="nope"))
    assert e.value.fields == {"review_days", "email"}
    assert svc.clinic.get() == new


# -- products -------------------------------------------------------------------------------------
def test_the_catalogue_is_seeded_from_the_labels(world: World) -> None:
    listed = {p.brand: replace(p, id=None, version=0) for p in world.services.products.list()}
    assert listed == {p.brand: p for p in SEED_PRODUCTS}


def test_the_clinic_sets_a_products_in_use_window(world: World) -> None:
    """Labels say 24 h; a clinic following the consensus may allow 4 weeks; warnings follow it."""
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc)
    vial = make_vial(svc, when=T0 - timedelta(hours=30))
    draft = chart(world, patient, grid(vial, 0.4, 3))
    assert [w.kind for w in svc.charting.warnings(draft)] == [WarningKind.OLD_RECONSTITUTION]

    world.as_(world.admin)
    botox = svc.products.get(vial.product_id)
    saved = svc.products.save(replace(botox, in_use_hours=24 * 28))
    assert svc.products.get(vial.product_id) == saved and saved.in_use_hours == 672
    entry = last_audit(world)
    assert (entry.action, entry.entity, entry.entity_id) == ("update", "product", str(botox.id))
    assert json.loads(entry.changes) == {"in_use_hours": [24, 672]}
    world.as_(world.injector)
    assert svc.charting.warnings(draft) == []


def test_products_are_added_renamed_and_retired(world: World) -> None:
    svc = world.as_(world.admin)
    made = svc.products.save(
        Product("Alluzience", "abobotulinumtoxinA (liquid)", (125,), 24, ready_to_use_units_per_ml=200.0)
    )
    assert svc.products.get(made.id) == made  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as e:
        svc.products.save(Product("Dysport", "again", (300,), 24))
    assert e.value.fields == {"brand"}
    with pytest.raises(ValidationError) as e:
        svc.products.save(replace(made, vial_sizes=(), in_use_hours=0))
    assert e.value.fields == {"vial_sizes", "in_use_hours"}
    svc.products.save(replace(made, active=False))
    assert made.id not in {p.id for p in svc.products.list()}
    assert made.id in {p.id for p in svc.products.list(include_inactive=True)}


# -- vials ----------------------------------------------------------------------------------------
def test_opening_a_vial_stores_it_exactly(world: World) -> None:
    svc = world.services
    v = Vial(
        product_id=product_id(svc),
        lot_number="C3709C3",
        expiry_date=date(2027, 6, 30),
        vial_units=100,
        reconstituted_at=T0,
        diluent_kind=DiluentKind.SALINE_PRESERVED,
        diluent_ml=2.5,
        additives=(Additive(AdditiveKind.LIDOCAINE, 1.0, "1% plain"),),
    )
    status = svc.vials.open_vial(v)
    assert replace(status.vial, id=None, opened_by_id=None) == v
    assert status.vial.opened_by_id == world.injector.user_id
    assert status.units_drawn == 0 and status.remaining_units == 100
    assert status.use_by == T0 + timedelta(hours=24)
    assert (
        "4 U/0.1 mL" not in status.label and "2.857 U/0.1 mL (28.571 U/mL)" in status.label
    )  # lidocaine counts
    assert svc.vials.status([status.vial.id])[status.vial.id] == status  # type: ignore[list-item,index]


def test_vials_refuse_unknown_products_and_mismatched_diluent(world: World) -> None:
    svc = world.services
    base = Vial(
        product_id=987654,
        lot_number="L1",
        expiry_date=date(2027, 1, 1),
        vial_units=100,
        reconstituted_at=T0,
        diluent_kind=DiluentKind.SALINE_PRESERVED,
        diluent_ml=2.5,
    )
    with pytest.raises(ValidationError) as e:
        svc.vials.open_vial(base)
    assert e.value.fields == {"product_id"}
    relfydess = replace(base, product_id=product_id(svc, "Relfydess"), diluent_ml=1.0)
    with pytest.raises(ValidationError) as e:
        svc.vials.open_vial(relfydess)
    assert e.value.fields == {"diluent_kind"} and "Ready-to-use" in str(e.value)
    ready = svc.vials.open_vial(replace(relfydess, diluent_kind=DiluentKind.SUPPLIED))
    assert ready.vial.concentration.label() == "10 U/0.1 mL (100 U/mL)"
    with pytest.raises(ValidationError) as e:
        svc.vials.open_vial(
            replace(relfydess, vial_units=0, diluent_ml=-1, diluent_kind=DiluentKind.SUPPLIED)
        )
    assert e.value.fields == {"vial_units", "diluent_ml"}


def test_units_drawn_count_drafts_and_signed_sessions(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    vial = make_vial(svc, units=100, diluent_ml=1.25)  # 80 U/mL
    signed(world, chart(world, make_patient(svc), grid(vial, 10, 3)))  # 30 U
    draft = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 5, 4)))  # 20 U
    status = svc.vials.status([vial.id])[vial.id]  # type: ignore[list-item,index]
    assert (status.units_drawn, status.remaining_units) == (50, 50)
    assert svc.vials.status([vial.id], exclude_session_id=draft.id)[vial.id].units_drawn == 30  # type: ignore[list-item,index]
    svc.charting.delete_draft(draft.id, draft.version)  # type: ignore[arg-type]
    assert svc.vials.status([vial.id])[vial.id].units_drawn == 30  # type: ignore[list-item,index]


def test_vials_open_on_a_day_and_by_lot(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    today = make_vial(svc, lot="LOT-A")
    yesterday = make_vial(svc, lot="LOT-A", when=T0 - timedelta(hours=20))
    last_week = make_vial(svc, lot="LOT-B", when=T0 - timedelta(days=7))
    open_ids = [s.vial.id for s in svc.vials.open_on(T0.date())]
    assert open_ids == [today.id, yesterday.id]  # newest first; last week's vial is past its 24 h
    assert [v.id for v in svc.vials.by_lot("LOT-A")] == [yesterday.id, today.id]  # for a recall
    assert [v.id for v in svc.vials.by_lot("LOT-B")] == [last_week.id]
    assert svc.vials.by_lot("LOT-C") == []
