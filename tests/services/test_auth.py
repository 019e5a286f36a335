"""Users, Argon2id passwords, sign-in with lockout, bounded failure logging, permissions."""

from __future__ import annotations

import json
import random
import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import Type, extract_parameters
from sqlalchemy import func, select, update

from clinicrec.db.models import AuditRow, FailedSignInRow, UserRow
from clinicrec.domain.enums import Role
from clinicrec.domain.errors import AuthenticationError, PermissionDenied, ValidationError
from clinicrec.domain.models import ClinicSettings, Product, User
from clinicrec.services import auth
from clinicrec.services.auth import (
    ARGON2_MEMORY_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    SIGN_IN_REFUSED,
    AuthService,
    password_hasher,
)
from tests.conftest import PASSWORD, World

T0 = datetime(2026, 3, 10, 10, 5, tzinfo=UTC)
NEW_PASSWORD = "a much longer passphrase"


def audit_rows(world: World) -> list[AuditRow]:
    with world.services.db.read() as s:
        return list(s.execute(select(AuditRow).order_by(AuditRow.id)).scalars())


def user_row(world: World, username: str) -> UserRow:
    with world.services.db.read() as s:
        return s.execute(select(UserRow).where(UserRow.username == username)).scalar_one()


# -- Argon2id -------------------------------------------------------------------------------------
def test_production_parameters_meet_owasps_minimum() -> None:
    """OWASP Password Storage Cheat Sheet: Argon2id with m >= 19 MiB (19456 KiB), t >= 2, p >= 1."""
    assert ARGON2_MEMORY_KIB >= 19456 and ARGON2_TIME_COST >= 2 and ARGON2_PARALLELISM >= 1
    hashed = password_hasher().hash(PASSWORD)  # the defaults are the production parameters
    assert hashed.startswith("$argon2id$")
    params = extract_parameters(hashed)
    assert params.type is Type.ID
    assert (params.memory_cost, params.time_cost, params.parallelism) == (
        ARGON2_MEMORY_KIB,
        ARGON2_TIME_COST,
        ARGON2_PARALLELISM,
    )
    assert params.salt_len >= 16 and params.hash_len >= 32


def test_stored_hashes_are_argon2id_and_not_the_password(world: World) -> None:
    row = user_row(world, "nurse")
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert user_row(world, "nurse2").password_hash != row.password_hash  # salted


@pytest.mark.postgres
def test_the_hash_is_upgraded_on_sign_in_when_parameters_rise(world: World) -> None:
    weak = password_hasher(time_cost=1, memory_kib=1024, parallelism=1).hash(PASSWORD)
    with world.services.db.write() as s, s.begin():
        s.execute(update(UserRow).where(UserRow.username == "nurse").values(password_hash=weak))
    world.services.auth.sign_in("nurse", PASSWORD)
    upgraded = user_row(world, "nurse").password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    current = AuthService.hasher
    assert extract_parameters(upgraded) == extract_parameters(current.hash("x"))
    assert not current.check_needs_rehash(upgraded)
    world.services.auth.sign_in("nurse", PASSWORD)  # the new hash verifies the same password
    assert user_row(world, "nurse").password_hash == upgraded  # and is not rewritten again


# -- sign-in --------------------------------------------------------------------------------------
def test_sign_in_and_out(world: World) -> None:
    svc = world.services
    svc.act_as(None)
    actor = svc.auth.sign_in("nurse", PASSWORD)
    assert (actor.username, actor.role, svc.actor) == ("nurse", Role.INJECTOR, actor)
    svc.auth.sign_out()
    assert svc.actor is None
    assert [(r.action, r.username) for r in audit_rows(world)[-2:]] == [
        ("sign_in", "nurse"),
        ("sign_out", "nurse"),
    ]


def test_a_password_hashed_again_at_sign_in_is_an_audited_change_and_verify_still_proves_the_user(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An account made with older Argon2 parameters (an older version's, or the demo's) is hashed again
    with this version's at its next sign-in. The user's stored form is proven by ``audit verify``: the new
    hash used to be written under the sign-in's entry alone, and the account was then named as changed
    outside ClinicRec."""
    svc = world.as_(world.admin)
    older = password_hasher(time_cost=1, memory_kib=4 * 1024, parallelism=1)
    with monkeypatch.context() as m:
        m.setattr(AuthService, "hasher", older)
        svc.auth.create_user(User("olderhash", "Old Hash", "RN", Role.INJECTOR), PASSWORD)
    svc.act_as(None)
    svc.auth.sign_in("olderhash", PASSWORD)
    with svc.db.read() as s:
        stored = s.execute(select(UserRow.password_hash).where(UserRow.username == "olderhash")).scalar_one()
    assert not AuthService.hasher.check_needs_rehash(stored)  # hashed again, with this version's parameters
    assert [(r.action, json.loads(r.changes or "{}")) for r in audit_rows(world)[-2:]] == [
        ("update", {"password": ["***", "hashed again"]}),
        ("sign_in", {}),
    ]
    svc.act_as(world.admin)
    result = svc.audit_log.verify_chain()
    assert result.ok, [p.message for p in result.problems]


def test_a_sign_in_before_the_files_check_records_its_new_hash_the_same_way(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sign-in while the start-up's check still runs writes its entry once the check has passed
    (services/early_sign_in.py); a password hashed again then is recorded as above."""
    from clinicrec.services.auth import actor_of
    from clinicrec.services.early_sign_in import _record_sign_in

    svc = world.as_(world.admin)
    with monkeypatch.context() as m:
        m.setattr(AuthService, "hasher", password_hasher(time_cost=1, memory_kib=4 * 1024, parallelism=1))
        svc.auth.create_user(User("earlyhash", "Early Hash", "RN", Role.INJECTOR), PASSWORD)
    with svc.db.read() as s:
        row = s.execute(select(UserRow).where(UserRow.username == "earlyhash")).scalar_one()
        actor = actor_of(row)
    _record_sign_in(svc.auth, actor, AuthService.hasher.hash(PASSWORD), world.clock())
    assert [r.action for r in audit_rows(world)[-2:]] == ["update", "sign_in"]
    result = svc.audit_log.verify_chain()
    assert result.ok, [p.message for p in result.problems]


def test_a_wrong_password_is_refused_and_audited(world: World) -> None:
    svc = world.services
    before = len(audit_rows(world))
    with pytest.raises(AuthenticationError) as e:
        svc.auth.sign_in("nurse", "not the password")
    assert str(e.value) == SIGN_IN_REFUSED  # the same words as for an unknown name
    [entry] = audit_rows(world)[before:]
    assert (entry.action, entry.entity, entry.entity_id, entry.username, entry.user_id) == (
        "sign_in_failed",
        "user",
        str(user_row(world, "nurse").id),
        "nurse",
        None,
    )
    assert json.loads(entry.changes) == {"reason": [None, "wrong password"]}
    assert "not the password" not in entry.changes
    assert user_row(world, "nurse").failed_attempts == 1


@pytest.mark.postgres
def test_lockout_after_repeated_failures(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError):
            svc.auth.sign_in("nurse", "guess guess guess")
    row = user_row(world, "nurse")
    assert row.locked_until == T0 + LOCKOUT
    assert "account locked" in json.loads(audit_rows(world)[-1].changes)["reason"][1]
    with pytest.raises(AuthenticationError) as refused:
        svc.auth.sign_in("nurse", PASSWORD)  # even the right password, while locked
    assert str(refused.value) == SIGN_IN_REFUSED
    assert json.loads(audit_rows(world)[-1].changes) == {"reason": [None, "account locked"]}
    world.clock.set(T0 + LOCKOUT - timedelta(seconds=1))
    with pytest.raises(AuthenticationError):
        svc.auth.sign_in("nurse", PASSWORD)
    world.clock.set(T0 + LOCKOUT + timedelta(seconds=1))
    assert svc.auth.sign_in("nurse", PASSWORD).username == "nurse"
    assert user_row(world, "nurse").locked_until is None


def test_a_successful_sign_in_resets_the_failure_count(world: World) -> None:
    svc = world.services
    for _ in range(2):
        for _ in range(MAX_FAILED_ATTEMPTS - 1):
            with pytest.raises(AuthenticationError):
                svc.auth.sign_in("nurse", "guess guess guess")
        svc.auth.sign_in("nurse", PASSWORD)
        assert user_row(world, "nurse").failed_attempts == 0


@pytest.mark.postgres
def test_unknown_user_names_do_not_grow_the_database(world: World) -> None:
    """50 tries with random unknown names within an hour: one counter row and at most one audit entry."""
    svc = world.services
    world.clock.set(T0)
    rng = random.Random(20260310)
    before = len(audit_rows(world))
    for i in range(50):
        world.clock.set(T0 + timedelta(minutes=i))  # spread over 10:05-10:54
        name = "".join(rng.choices(string.ascii_letters + string.digits, k=rng.randint(1, 60 if i else 5000)))
        with pytest.raises(AuthenticationError, match="^Sign-in refused"):
            svc.auth.sign_in(name, "whatever password")
    added = audit_rows(world)[before:]
    assert len(added) <= 1
    assert all(len(r.username) <= 40 for r in added)
    with svc.db.read() as s:
        counters = s.execute(select(FailedSignInRow)).scalars().all()
        assert s.execute(select(func.count()).select_from(UserRow)).scalar_one() == 4
    assert [(c.hour, c.count) for c in counters] == [(T0.replace(minute=0), 50)]
    world.clock.set(
        T0 + timedelta(hours=1)
    )  # the next hour starts a new counter (and at most one more entry)
    with pytest.raises(AuthenticationError):
        svc.auth.sign_in("nobody-at-all", "whatever password")
    assert len(audit_rows(world)) - before <= 2
    with svc.db.read() as s:
        assert s.execute(select(func.count()).select_from(FailedSignInRow)).scalar_one() == 2


def test_an_inactive_account_cannot_sign_in(world: World) -> None:
    svc = world.as_(world.admin)
    nurse = svc.auth.get_user(world.injector.user_id)
    svc.auth.update_user(replace(nurse, active=False))
    with pytest.raises(AuthenticationError, match="^Sign-in refused"):
        svc.auth.sign_in("nurse", PASSWORD)


def test_the_staff_list_is_for_those_who_manage_users_or_read_the_audit_trail(world: World) -> None:
    """Usernames and roles are half of what an attacker needs: an injector or a prescriber reads their own
    record, not everyone's (before, any signed-in user could list every account)."""
    from tests.services.oversight_helpers import prescriber

    for actor in (world.injector, prescriber(world)):
        svc = world.as_(actor)
        with pytest.raises(PermissionDenied, match="may not see the list of users"):
            svc.auth.list_users()
        with pytest.raises(PermissionDenied, match="may not see the list of users"):
            svc.auth.get_user(world.admin.user_id)
        assert svc.auth.get_user(actor.user_id).username == actor.username
    for actor in (world.manager, world.admin):  # the audit trail's filter by user; the users screen
        svc = world.as_(actor)
        assert {"admin", "nurse"} <= {u.username for u in svc.auth.list_users()}
        assert svc.auth.get_user(world.injector.user_id).username == "nurse"
    world.services.act_as(None)
    with pytest.raises(PermissionDenied, match="Sign in first"):
        world.services.auth.list_users()


# -- passwords ------------------------------------------------------------------------------------
def test_change_own_password(world: World) -> None:
    svc = world.services
    svc.auth.sign_in("nurse", PASSWORD)
    with pytest.raises(ValidationError) as e:
        svc.auth.change_own_password("not my password", NEW_PASSWORD)
    assert e.value.fields == {"old_password"}
    with pytest.raises(ValidationError) as e:
        svc.auth.change_own_password(PASSWORD, "short")
    assert e.value.fields == {"password"} and "at least 10" in str(e.value)
    svc.auth.change_own_password(PASSWORD, NEW_PASSWORD)
    assert svc.auth.verify_password(NEW_PASSWORD) and not svc.auth.verify_password(PASSWORD)
    with pytest.raises(AuthenticationError):
        svc.auth.sign_in("nurse", PASSWORD)
    assert svc.auth.sign_in("nurse", NEW_PASSWORD).username == "nurse"
    texts = [r.changes for r in audit_rows(world)]
    assert any('"password":["***","changed"]' in t for t in texts)
    assert not any(PASSWORD in t or NEW_PASSWORD in t for t in texts)


def test_an_administrator_resets_a_password_and_clears_the_lock(world: World) -> None:
    svc = world.services
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError):
            svc.auth.sign_in("nurse", "guess guess guess")
    world.as_(world.injector2)
    with pytest.raises(PermissionDenied):
        svc.auth.reset_password(world.injector.user_id, NEW_PASSWORD)
    world.as_(world.manager)
    with pytest.raises(PermissionDenied):
        svc.auth.reset_password(world.injector.user_id, NEW_PASSWORD)
    world.as_(world.admin)
    svc.auth.reset_password(world.injector.user_id, NEW_PASSWORD)
    entry = audit_rows(world)[-1]
    assert (entry.action, entry.entity_id, entry.username) == ("update", str(world.injector.user_id), "admin")
    assert svc.auth.sign_in("nurse", NEW_PASSWORD).username == "nurse"  # not locked any more


# -- accounts and permissions ---------------------------------------------------------------------
def test_user_accounts(world: World) -> None:
    svc = world.as_(world.admin)
    with pytest.raises(AuthenticationError):
        svc.auth.create_first_admin(User("second", "Second Admin", "", Role.ADMIN), NEW_PASSWORD)
    made = svc.auth.create_user(User("pat", "Pat Injector", "RN", Role.INJECTOR), NEW_PASSWORD)
    assert svc.auth.get_user(made.id) == made  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as e:
        svc.auth.create_user(User("pat", "Another Pat", "RN", Role.INJECTOR), NEW_PASSWORD)
    assert e.value.fields == {"username"}
    with pytest.raises(ValidationError) as e:
        svc.auth.create_user(User("pat2", "Pat Two", "RN", Role.INJECTOR), "short")
    assert e.value.fields == {"password"}
    assert svc.auth.sign_in("pat", NEW_PASSWORD).role == Role.INJECTOR


def _forbidden_calls(world: World) -> dict[str, object]:
    svc = world.services
    botox = next(p for p in svc.products.list() if p.brand == "Botox Cosmetic")
    nurse = svc.auth.get_user(world.injector.user_id)
    return {
        "create a user": lambda: svc.auth.create_user(User("eve", "Eve", "", Role.ADMIN), NEW_PASSWORD),
        "change a user": lambda: svc.auth.update_user(replace(nurse, role=Role.ADMIN)),
        "reset a password": lambda: svc.auth.reset_password(world.injector2.user_id, NEW_PASSWORD),
        "edit a product": lambda: svc.products.save(replace(botox, in_use_hours=24 * 28)),
        "add a product": lambda: svc.products.save(Product("Homebrew", "toxin", (100,), 24)),
        "change clinic settings": lambda: svc.clinic.update(replace(svc.clinic.get(), name="Renamed Clinic")),
        "set up the clinic": lambda: svc.clinic.setup(ClinicSettings(name="Second Clinic")),
    }


@pytest.mark.parametrize("who", ["injector", "manager"])
def test_injectors_and_managers_cannot_administer(world: World, who: str) -> None:
    calls = _forbidden_calls(world)
    world.as_(getattr(world, who))
    before = len(audit_rows(world))
    for what, call in calls.items():
        with pytest.raises(PermissionDenied) as e:
            call()  # type: ignore[operator]
        assert "may not" in str(e.value), what
    assert len(audit_rows(world)) == before  # nothing was written
    svc = world.services
    assert svc.clinic.get().name == "Test Clinic"
    assert next(p for p in svc.products.list() if p.brand == "Botox Cosmetic").in_use_hours == 24
    assert svc.auth.get_user(world.injector.user_id).role == Role.INJECTOR


def test_the_administrator_can(world: World) -> None:
    calls = _forbidden_calls(world)
    world.as_(world.admin)
    for what in ("create a user", "change a user", "edit a product", "change clinic settings"):
        calls[what]()  # type: ignore[operator]
    assert world.services.clinic.get().name == "Renamed Clinic"
    assert world.services.auth.get_user(world.injector.user_id).role == Role.ADMIN


def test_module_constants_are_used_by_the_default_hasher() -> None:
    """Raising ARGON2_* raises what new hashes use (so a release can strengthen them)."""
    import inspect

    defaults = {k: v.default for k, v in inspect.signature(auth.password_hasher).parameters.items()}
    assert defaults == {
        "time_cost": ARGON2_TIME_COST,
        "memory_kib": ARGON2_MEMORY_KIB,
        "parallelism": ARGON2_PARALLELISM,
    }
