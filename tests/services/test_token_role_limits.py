"""An access token never does what its creator's role of now may not, and never becomes its creator.

The roles' permissions do not nest: a prescriber orders and co-signs charts, which no administrator may.
A token's role is therefore compared with its creator's by what each grants, not by rank: at creation,
and at every use against the creator's role of now (services/tokens.py). A token has no password, so
what re-confirms one (signing, co-signing, orders, witnessed consents) is refused to it, even with its
creator's password: that would make the session act, and be audited, as the creator.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from clinicrec.db.models import AccessTokenRow, AuditRow
from clinicrec.domain.enums import AuditAction, Role
from clinicrec.domain.errors import AuthenticationError, PermissionDenied, ValidationError
from clinicrec.services.permissions import Action, Actor, RightsChanged
from tests.conftest import PASSWORD, World, make_patient

from .oversight_helpers import drawn

NEXT_MONTH = date.today() + timedelta(days=30)


def _make_token(world: World, name: str, role: Role) -> str:
    return world.as_(world.admin).tokens.create(name, role, NEXT_MONTH).secret


def _change_role(world: World, actor: Actor, role: Role) -> None:
    admin = world.as_(world.admin)
    admin.auth.update_user(replace(admin.auth.get_user(actor.user_id), role=role))


def _newest_entry(world: World) -> AuditRow:
    with world.services.db.read() as s:
        return s.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).scalar_one()


def test_an_administrator_may_not_make_a_prescriber_token(world: World) -> None:
    admin = world.as_(world.admin)
    with pytest.raises(ValidationError) as refused:
        admin.tokens.create("md-stand-in", Role.PRESCRIBER, NEXT_MONTH)
    (error,) = refused.value.errors
    assert error.field == "role"
    assert "review and co-sign charts" in error.message and "write prescriber orders" in error.message
    assert error.message.endswith("choose Injector, Manager or Administrator")
    with world.services.db.read() as s:
        assert s.execute(select(AccessTokenRow.name)).scalars().all() == []
    for role in (Role.INJECTOR, Role.MANAGER, Role.ADMIN):  # what an administrator grants, they may pass on
        assert admin.tokens.create(f"job-{role.value}", role, NEXT_MONTH).info.role is role


def test_a_token_whose_creator_became_a_prescriber_may_not_act(world: World) -> None:
    """Ranked, manager > prescriber made this manager token a prescriber's: it could co-sign charts."""
    secret = _make_token(world, "weekly-report", Role.MANAGER)
    _change_role(world, world.admin, Role.PRESCRIBER)
    with pytest.raises(AuthenticationError) as refused:
        world.services.tokens.sign_in(secret)
    message = str(refused.value)
    assert message.startswith("The access token 'weekly-report' (Manager) may ")
    assert (
        "which its creator Alex Admin (Prescriber / medical director) may not, so it may not act" in message
    )
    failed = _newest_entry(world)
    assert (failed.action, failed.username) == (AuditAction.SIGN_IN_FAILED.value, "token:weekly-report")


def test_a_signed_in_token_is_stopped_at_its_next_action_when_its_creator_becomes_a_prescriber(
    world: World,
) -> None:
    secret = _make_token(world, "nightly", Role.ADMIN)
    token = world.services.tokens.sign_in(secret)
    assert token.role is Role.ADMIN
    _change_role(world, world.admin, Role.PRESCRIBER)
    world.as_(token)  # the job still holds the actor of its sign-in
    before = _newest_entry(world).id
    with pytest.raises(RightsChanged, match="'nightly' .* so it may not act .*: nothing was done"):
        world.services.review.queue()  # a prescriber's right, which the token's creator now has
    assert _newest_entry(world).id == before


def test_a_token_narrows_with_its_creator_along_injector_manager_administrator(world: World) -> None:
    secret = _make_token(world, "backup", Role.ADMIN)
    _change_role(world, world.admin, Role.MANAGER)
    token = world.services.tokens.sign_in(secret)
    assert token.role is Role.MANAGER and token.can(Action.BACKUP) and not token.can(Action.MANAGE_USERS)


def test_a_tokens_password_check_is_refused_and_never_makes_it_its_creator(world: World) -> None:
    """Verifying the creator's password used to swap the token for its creator's whole account: the
    consent was witnessed, and the rest of the job acted and was audited, as the administrator."""
    patient = make_patient(world.services)
    token = world.services.tokens.sign_in(_make_token(world, "prints", Role.INJECTOR))
    before = _newest_entry(world).id
    with pytest.raises(PermissionDenied, match="access token: it has no password"):
        world.services.auth.verify_password(PASSWORD)  # the creator's password
    assert world.services.actor == token
    consents = world.services.consents
    prepared = consents.prepare(
        patient.id, "microbotox_treatment", product="Botox Cosmetic", areas="Forehead"
    )
    with pytest.raises(PermissionDenied, match="access token: it has no password"):
        consents.record(prepared, drawn(), PASSWORD)
    assert world.services.actor == token
    assert _newest_entry(world).id == before  # no consent, nothing done as anyone
