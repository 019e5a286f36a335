"""Sign-in: lockout after repeated failures, every attempt audited, bounded growth for unknown names,
a wrong name costing as long as a wrong password, and Argon2id hashes upgraded on sign-in."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from sqlalchemy import func, select

from clinicrec.db.models import AuditRow, FailedSignInRow, UserRow
from clinicrec.domain.enums import AuditAction
from clinicrec.domain.errors import AuthenticationError, PermissionDenied, ValidationError
from clinicrec.services import auth as auth_mod
from clinicrec.services.auth import (
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    SIGN_IN_REFUSED,
    AuthService,
    password_hasher,
)
from tests.conftest import PASSWORD, World

T0 = datetime(2026, 3, 10, 9, 15, tzinfo=UTC)
#: OWASP Password Storage Cheat Sheet: Argon2id with at least m=19 MiB, t=2, p=1.
OWASP_MIN_MEMORY_KIB, OWASP_MIN_TIME_COST, OWASP_MIN_PARALLELISM = 19 * 1024, 2, 1
TIMING_SAMPLES = 15

attempts_tried = 0


def attempt(world: World, username: str, password: str) -> Exception | None:
    """One sign-in; the error it raised (None if it succeeded)."""
    global attempts_tried
    attempts_tried += 1
    try:
        world.services.auth.sign_in(username, password)
    except AuthenticationError as e:
        return e
    return None


def audit_rows(world: World, after: int = 0) -> list[AuditRow]:
    with world.services.db.read() as s:
        return list(s.execute(select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id)).scalars())


def last_audit_id(world: World) -> int:
    with world.services.db.read() as s:
        return int(s.execute(select(func.max(AuditRow.id))).scalar() or 0)


def user_row(world: World, username: str) -> UserRow:
    with world.services.db.read() as s:
        row = s.execute(select(UserRow).where(UserRow.username == username)).scalar_one()
        s.expunge(row)
        return row


def reason(row: AuditRow) -> str:
    return json.loads(row.changes).get("reason", [None, ""])[1]


# -- lockout ----------------------------------------------------------------------------------------
def test_account_locks_after_repeated_failures_and_unlocks_after_the_lockout(world: World) -> None:
    world.clock.set(T0)
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        assert type(attempt(world, "nurse", "wrong password")) is AuthenticationError
    assert attempt(world, "nurse", PASSWORD) is None  # success resets the count
    assert user_row(world, "nurse").failed_attempts == 0

    for _ in range(MAX_FAILED_ATTEMPTS):
        assert type(attempt(world, "nurse", "wrong password")) is AuthenticationError
    locked = attempt(world, "nurse", PASSWORD)  # even the right password is refused while locked
    assert type(locked) is AuthenticationError and str(locked) == SIGN_IN_REFUSED
    assert reason(audit_rows(world)[-1]) == "account locked"  # the reason is for the audit trail only
    assert user_row(world, "nurse").locked_until == T0 + LOCKOUT

    world.clock.advance(seconds=LOCKOUT.total_seconds() - 1)
    assert str(attempt(world, "nurse", PASSWORD)) == SIGN_IN_REFUSED
    world.clock.advance(seconds=2)
    assert attempt(world, "nurse", PASSWORD) is None
    assert world.services.actor is not None and world.services.actor.username == "nurse"


def test_the_message_does_not_tell_a_wrong_name_from_a_wrong_password(world: World) -> None:
    wrong_name = attempt(world, "nobody-here", PASSWORD)
    wrong_password = attempt(world, "nurse", "not the password")
    assert str(wrong_name) == str(wrong_password) == SIGN_IN_REFUSED


def test_after_lockout_an_existing_account_and_an_unknown_name_get_the_same_answer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same words, same exception type, and the same work: exactly one Argon2 computation each."""
    world.clock.set(T0)
    for _ in range(MAX_FAILED_ATTEMPTS):
        attempt(world, "nurse", "wrong password")
    computations: list[str] = []
    hasher = AuthService.hasher
    monkeypatch.setattr(AuthService, "hasher", _CountingHasher(hasher, computations))
    answers = {}
    for name in ("nurse", "nobody-at-all", "nurse2"):
        computations.clear()
        password = PASSWORD if name != "nurse2" else "wrong password"
        error = attempt(world, name, password)
        answers[name] = (type(error), str(error), len(computations))
    assert answers["nurse"] == answers["nobody-at-all"] == answers["nurse2"]
    assert answers["nurse"] == (AuthenticationError, SIGN_IN_REFUSED, 1)


class _CountingHasher:
    """The real hasher, counting each Argon2 computation (hash or verify)."""

    def __init__(self, real: object, log: list[str]) -> None:
        self._real, self._log = real, log

    def hash(self, password: str) -> str:
        self._log.append("hash")
        return self._real.hash(password)  # type: ignore[attr-defined]

    def verify(self, stored: str, password: str) -> bool:
        self._log.append("verify")
        return self._real.verify(stored, password)  # type: ignore[attr-defined]

    def check_needs_rehash(self, stored: str) -> bool:
        return self._real.check_needs_rehash(stored)  # type: ignore[attr-defined]


def test_an_inactive_account_cannot_sign_in(world: World) -> None:
    svc = world.as_(world.admin)
    user = next(u for u in svc.auth.list_users() if u.username == "nurse2")
    svc.auth.update_user(replace(user, active=False))
    assert str(attempt(world, "nurse2", PASSWORD)) == SIGN_IN_REFUSED


def test_an_admin_reset_clears_the_lock(world: World) -> None:
    world.clock.set(T0)
    for _ in range(MAX_FAILED_ATTEMPTS):
        attempt(world, "nurse", "wrong password")
    assert str(attempt(world, "nurse", PASSWORD)) == SIGN_IN_REFUSED
    world.as_(world.admin).auth.reset_password(world.injector.user_id, "a brand new passphrase")
    assert attempt(world, "nurse", "a brand new passphrase") is None


# -- every attempt audited ---------------------------------------------------------------------------
def test_every_attempt_on_an_account_is_audited(world: World) -> None:
    world.clock.set(T0)
    mark = last_audit_id(world)
    typed = "Tr0ub4dor&3-typo"
    outcomes = [attempt(world, "nurse", typed) for _ in range(MAX_FAILED_ATTEMPTS)]
    outcomes.append(attempt(world, "nurse", PASSWORD))  # locked
    world.clock.advance(seconds=LOCKOUT.total_seconds() + 1)
    outcomes.append(attempt(world, "nurse", PASSWORD))  # signed in
    rows = audit_rows(world, mark)
    assert len(rows) == len(outcomes) == MAX_FAILED_ATTEMPTS + 2
    assert [r.action for r in rows] == [AuditAction.SIGN_IN_FAILED.value] * (MAX_FAILED_ATTEMPTS + 1) + [
        AuditAction.SIGN_IN.value
    ]
    assert all(r.username == "nurse" and r.entity == "user" for r in rows)
    assert all(r.entity_id == str(world.injector.user_id) for r in rows)
    assert {reason(r) for r in rows[: MAX_FAILED_ATTEMPTS - 1]} == {"wrong password"}
    assert reason(rows[MAX_FAILED_ATTEMPTS - 1]) == "wrong password; account locked"
    assert reason(rows[MAX_FAILED_ATTEMPTS]) == "account locked"
    assert rows[-1].user_id == world.injector.user_id
    assert all(r.user_id is None for r in rows[:-1])  # nobody was signed in for a failure
    assert not any(typed in r.changes or PASSWORD in r.changes for r in rows)  # no password is ever stored


def test_sign_out_is_audited(world: World) -> None:
    attempt(world, "nurse", PASSWORD)
    mark = last_audit_id(world)
    world.services.auth.sign_out()
    [row] = audit_rows(world, mark)
    assert (row.action, row.user_id) == (AuditAction.SIGN_OUT.value, world.injector.user_id)
    assert world.services.actor is None


# -- bounded growth for unknown names ------------------------------------------------------------------
def test_unknown_names_do_not_grow_the_database_without_bound(world: World) -> None:
    world.clock.set(T0)
    mark = last_audit_id(world)
    tries = 300
    for i in range(tries):
        attempt(world, f"guess-{i}-" + "x" * 5000, "some password")  # a different, very long name each time
    rows = audit_rows(world, mark)
    assert len(rows) == 1  # one entry for the hour, however many tries
    assert rows[0].action == AuditAction.SIGN_IN_FAILED.value and reason(rows[0]) == "unknown user name"
    assert len(rows[0].username) <= 40
    with world.services.db.read() as s:
        counters = s.execute(select(FailedSignInRow)).scalars().all()
    assert [(c.hour, c.count) for c in counters] == [(T0.replace(minute=0), tries)]

    world.clock.advance(hours=1)
    for i in range(50):
        attempt(world, f"another-{i}", "some password")
    assert len(audit_rows(world, mark)) == 2  # one more entry for the next hour
    with world.services.db.read() as s:
        assert s.execute(select(func.count(FailedSignInRow.id))).scalar_one() == 2
        assert s.execute(select(func.sum(FailedSignInRow.count))).scalar_one() == tries + 50


# -- timing -------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_wrong_name_takes_about_as_long_as_a_wrong_password(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the production Argon2id parameters (tests/conftest.py makes hashing cheap for everything else)."""
    monkeypatch.setattr(AuthService, "hasher", password_hasher())
    world.as_(world.admin).auth.reset_password(world.injector.user_id, PASSWORD)  # a production-cost hash
    stored = extract_parameters(user_row(world, "nurse").password_hash)
    assert stored.memory_cost == auth_mod.ARGON2_MEMORY_KIB
    world.clock.set(T0)
    attempt(world, "nobody", "warm up")
    attempt(world, "nurse", "warm up")

    wrong_name: list[float] = []
    wrong_password: list[float] = []
    for i in range(TIMING_SAMPLES):  # interleaved, so drift in machine load affects both alike
        world.clock.advance(seconds=LOCKOUT.total_seconds() + 1)  # never hit the lockout path
        for name, samples in (("nobody-" + str(i), wrong_name), ("nurse", wrong_password)):
            started = time.perf_counter()
            error = attempt(world, name, "wrong password")
            samples.append(time.perf_counter() - started)
            assert type(error) is AuthenticationError
    ratio = statistics.median(wrong_name) / statistics.median(wrong_password)
    with capsys.disabled():
        print(
            f"\nsign-in timing: median wrong name {statistics.median(wrong_name) * 1000:.1f} ms, "
            f"wrong password {statistics.median(wrong_password) * 1000:.1f} ms, ratio {ratio:.2f} "
            f"({TIMING_SAMPLES} + {TIMING_SAMPLES} attempts)"
        )
    assert 0.7 <= ratio <= 1.4


# -- password hashing --------------------------------------------------------------------------------
def test_production_parameters_are_argon2id_at_or_above_owasp_minimum() -> None:
    params = extract_parameters(password_hasher().hash("x" * 12))
    assert params.type is Type.ID
    assert params.memory_cost >= OWASP_MIN_MEMORY_KIB
    assert params.time_cost >= OWASP_MIN_TIME_COST
    assert params.parallelism >= OWASP_MIN_PARALLELISM


def test_hash_is_upgraded_on_sign_in_when_parameters_rise(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = user_row(world, "nurse").password_hash
    assert before.startswith("$argon2id$")
    stronger = password_hasher(
        time_cost=extract_parameters(before).time_cost + 1, memory_kib=16 * 1024, parallelism=1
    )
    monkeypatch.setattr(AuthService, "hasher", stronger)
    assert isinstance(attempt(world, "nurse", "wrong password"), AuthenticationError)
    assert user_row(world, "nurse").password_hash == before  # a failure never rewrites the hash
    assert attempt(world, "nurse", PASSWORD) is None
    after = user_row(world, "nurse").password_hash
    assert after != before and not stronger.check_needs_rehash(after)
    assert extract_parameters(after).memory_cost == 16 * 1024
    world.services.auth.sign_out()
    assert attempt(world, "nurse", PASSWORD) is None  # and the new hash still signs in
    assert user_row(world, "nurse").password_hash == after  # no needless rehash


# -- changing and resetting -----------------------------------------------------------------------------
def test_users_change_their_own_password(world: World) -> None:
    svc = world.as_(world.injector)
    with pytest.raises(ValidationError) as e:
        svc.auth.change_own_password("not my password", "another long passphrase")
    assert e.value.fields == {"old_password"}
    with pytest.raises(ValidationError) as e:
        svc.auth.change_own_password(PASSWORD, "short")
    assert e.value.fields == {"password"}
    mark = last_audit_id(world)
    svc.auth.change_own_password(PASSWORD, "another long passphrase")
    [row] = audit_rows(world, mark)
    assert "another long passphrase" not in row.changes and "$argon2" not in row.changes
    svc.auth.sign_out()
    assert isinstance(attempt(world, "nurse", PASSWORD), AuthenticationError)
    assert attempt(world, "nurse", "another long passphrase") is None


def test_only_an_admin_resets_passwords(world: World) -> None:
    for actor in (world.injector, world.manager):
        with pytest.raises(PermissionDenied):
            world.as_(actor).auth.reset_password(world.injector2.user_id, "a reset passphrase")
    world.as_(world.admin).auth.reset_password(world.injector2.user_id, "a reset passphrase")
    assert attempt(world, "nurse2", "a reset passphrase") is None


def test_the_idle_lock_is_audited(world: World) -> None:
    svc = world.as_(world.injector)
    mark = last_audit_id(world)
    svc.auth.record_lock(True)
    svc.auth.record_unlock_failed()
    svc.auth.record_lock(False)
    rows = audit_rows(world, mark)
    assert [r.action for r in rows] == ["lock", "sign_in_failed", "unlock"]
    assert all(r.username == "nurse" and r.entity_id == str(world.injector.user_id) for r in rows)
    assert reason(rows[1]) == "wrong password at the idle lock"


def test_sign_in_attempts_tried(capsys: pytest.CaptureFixture[str]) -> None:
    """Reports how many sign-in attempts this module made (runs last in file order)."""
    with capsys.disabled():
        print(f"\nsign-in attempts tried in test_sign_in.py: {attempts_tried}")
