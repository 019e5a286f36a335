"""No silent overwrite between workstations for the clinic settings, users and products: an edit made from
a stale view is refused, naming who changed the record, when and what; the stored record is theirs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from clinicrec.domain.enums import Role
from clinicrec.domain.errors import ConcurrentEditError
from clinicrec.domain.models import User
from clinicrec.services.app import Services
from clinicrec.services.auth import actor_of
from tests.conftest import PASSWORD, World
from tests.services.test_patients import other_workstation

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
pytestmark = pytest.mark.postgres


@pytest.fixture
def desks(world: World) -> Iterator[tuple[Services, Services]]:
    """Two administrators at two workstations (two engines on the same database)."""
    world.clock.set(T0)
    svc = world.as_(world.admin)
    second = svc.auth.create_user(User("sam", "Sam Second", "MD", Role.ADMIN), PASSWORD)
    desk_a = other_workstation(world, world.admin)
    from clinicrec.db.models import UserRow

    with svc.db.read() as s:
        desk_a.act_as(actor_of(s.get(UserRow, second.id)))
    try:
        yield desk_a, svc
    finally:
        desk_a.db.dispose()


def _later(world: World) -> datetime:
    world.clock.set(T0 + timedelta(hours=2, minutes=5))
    return world.clock()


def test_two_workstations_editing_the_clinic_settings(world: World, desks) -> None:  # type: ignore[no-untyped-def]
    desk_a, desk_b = desks
    at_a, at_b = desk_a.clinic.get(), desk_b.clinic.get()
    _later(world)
    first = desk_a.clinic.update(replace(at_a, phone="+1 555 0111"))
    with pytest.raises(ConcurrentEditError) as e:
        desk_b.clinic.update(replace(at_b, review_days=21))
    # Who and when come from the audit trail (the entry's own time: when it was written).
    assert "changed by Sam Second at " in str(e.value) and "UTC (phone)" in str(e.value)
    assert e.value.by == "Sam Second" and isinstance(e.value.at, datetime)
    now = desk_b.clinic.get()
    assert now == first and now.phone == "+1 555 0111" and now.review_days == at_b.review_days
    again = desk_b.clinic.update(replace(now, review_days=21))  # reopened: saved
    assert (again.phone, again.review_days) == ("+1 555 0111", 21)


def test_two_workstations_editing_one_user(world: World, desks) -> None:  # type: ignore[no-untyped-def]
    desk_a, desk_b = desks
    at_a = desk_a.auth.get_user(world.injector.user_id)
    at_b = desk_b.auth.get_user(world.injector.user_id)
    _later(world)
    desk_a.auth.update_user(replace(at_a, role=Role.MANAGER))
    with pytest.raises(ConcurrentEditError) as e:  # would have put back "injector" without a word
        desk_b.auth.update_user(replace(at_b, credentials="RN, BSN"))
    assert "Nina Nurse's account was changed by Sam Second" in str(e.value) and "(role)" in str(e.value)
    now = desk_b.auth.get_user(world.injector.user_id)
    assert (now.role, now.credentials) == (Role.MANAGER, at_b.credentials)
    desk_b.auth.update_user(replace(now, credentials="RN, BSN"))
    # Signing in is not an edit of the account: it does not make an open edit stale.
    before = desk_b.auth.get_user(world.injector.user_id)
    desk_a.auth.sign_in("nurse", PASSWORD)
    desk_a.act_as(desk_b.actor)
    desk_b.auth.update_user(replace(before, full_name="Nina N. Nurse"))


def test_two_workstations_editing_one_product(world: World, desks) -> None:  # type: ignore[no-untyped-def]
    desk_a, desk_b = desks
    botox = next(p for p in desk_b.products.list() if p.brand.startswith("Botox"))
    at_a, at_b = desk_a.products.get(botox.id), desk_b.products.get(botox.id)  # type: ignore[arg-type]
    _later(world)
    desk_a.products.save(replace(at_a, in_use_hours=24 * 28))
    with pytest.raises(ConcurrentEditError) as e:
        desk_b.products.save(replace(at_b, notes="Keep in the fridge."))
    assert f"The product {botox.brand} was changed by Sam Second" in str(e.value)
    assert "(in use hours)" in str(e.value)
    now = desk_b.products.get(botox.id)  # type: ignore[arg-type]
    assert (now.in_use_hours, now.notes) == (24 * 28, at_b.notes)
    saved = desk_b.products.save(replace(now, notes="Keep in the fridge."))
    assert saved.version == now.version + 1 and saved.in_use_hours == 24 * 28


def test_a_save_that_changes_nothing_does_not_make_others_stale(world: World, desks) -> None:  # type: ignore[no-untyped-def]
    desk_a, desk_b = desks
    at_b = desk_b.clinic.get()
    desk_a.clinic.update(desk_a.clinic.get())  # OK pressed without a change
    assert desk_b.clinic.update(replace(at_b, review_days=10)).review_days == 10
