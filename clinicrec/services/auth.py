"""Users, passwords (Argon2id) and sign-in with lockout."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db.models import FailedSignInRow, UserRow
from ..domain.enums import AuditAction, Role
from ..domain.errors import AccountLocked, AuthenticationError, NotFoundError, ValidationError
from ..domain.models import User
from ..domain.validation import FieldError, validate_password, validate_user
from . import audit
from .base import ServiceBase
from .mapping import to_user
from .permissions import Action, Actor

#: Argon2id parameters. OWASP's minimum is m=19 MiB, t=2, p=1; these are above it.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 2
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)


def password_hasher(
    time_cost: int = ARGON2_TIME_COST,
    memory_kib: int = ARGON2_MEMORY_KIB,
    parallelism: int = ARGON2_PARALLELISM,
) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def actor_of(row: UserRow) -> Actor:
    return Actor(row.id, row.username, row.full_name, row.credentials, Role(row.role))


class AuthService(ServiceBase):
    hasher = password_hasher()
    _dummy_hash: str | None = None

    # -- accounts --------------------------------------------------------------------------------
    def has_users(self) -> bool:
        with self.reading() as s:
            return bool(s.execute(select(func.count(UserRow.id))).scalar_one())

    def create_first_admin(self, user: User, password: str) -> User:
        """The setup step on an empty database: only allowed while there are no users."""
        if self.has_users():
            raise AuthenticationError("The first administrator already exists; sign in instead")
        user = replace(user, role=Role.ADMIN)
        return self._create(user, password, actor=None)

    def create_user(self, user: User, password: str) -> User:
        actor = self.actor(Action.MANAGE_USERS)
        return self._create(user, password, actor=actor)

    def _create(self, user: User, password: str, actor: Actor | None) -> User:
        validate_user(user)
        validate_password(password)
        with self.writing() as s:
            if s.execute(select(UserRow.id).where(UserRow.username == user.username)).first():
                raise ValidationError(FieldError("username", f"User name {user.username!r} is already taken"))
            row = UserRow(
                username=user.username,
                full_name=user.full_name,
                credentials=user.credentials,
                role=Role(user.role).value,
                password_hash=self.hasher.hash(password),
                active=user.active,
                created_at=self.now(),
                password_changed_at=self.now(),
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor or actor_of(row),
                AuditAction.CREATE,
                "user",
                row.id,
                changes=audit.diff(
                    {},
                    {
                        "username": row.username,
                        "full_name": row.full_name,
                        "credentials": row.credentials,
                        "role": row.role,
                        "active": row.active,
                    },
                ),
            )
            result = to_user(row)
        return result

    def update_user(self, user: User) -> User:
        actor = self.actor(Action.MANAGE_USERS)
        validate_user(user)
        with self.writing() as s:
            row = s.get(UserRow, user.id)
            if row is None:
                raise NotFoundError(f"No user with id {user.id}")
            old = {
                "full_name": row.full_name,
                "credentials": row.credentials,
                "role": row.role,
                "active": row.active,
            }
            row.full_name, row.credentials, row.role, row.active = (
                user.full_name,
                user.credentials,
                Role(user.role).value,
                user.active,
            )
            new = {
                "full_name": row.full_name,
                "credentials": row.credentials,
                "role": row.role,
                "active": row.active,
            }
            audit.record(s, actor, AuditAction.UPDATE, "user", row.id, changes=audit.diff(old, new))
            result = to_user(row)
        return result

    def list_users(self) -> list[User]:
        with self.reading() as s:
            return [to_user(r) for r in s.execute(select(UserRow).order_by(UserRow.full_name)).scalars()]

    def get_user(self, user_id: int) -> User:
        with self.reading() as s:
            row = s.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"No user with id {user_id}")
            return to_user(row)

    # -- passwords -------------------------------------------------------------------------------
    def change_own_password(self, old_password: str, new_password: str) -> None:
        actor = self.actor()
        validate_password(new_password)
        with self.writing() as s:
            row = s.get(UserRow, actor.user_id)
            assert row is not None
            if not self._verify(row.password_hash, old_password):
                raise ValidationError(FieldError("old_password", "Current password is not correct"))
            row.password_hash = self.hasher.hash(new_password)
            row.password_changed_at = self.now()
            audit.record(
                s, actor, AuditAction.UPDATE, "user", row.id, changes={"password": ["***", "changed"]}
            )

    def reset_password(self, user_id: int, new_password: str) -> None:
        actor = self.actor(Action.MANAGE_USERS)
        validate_password(new_password)
        with self.writing() as s:
            row = s.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"No user with id {user_id}")
            row.password_hash = self.hasher.hash(new_password)
            row.password_changed_at = self.now()
            row.failed_attempts = 0
            row.locked_until = None
            audit.record(s, actor, AuditAction.UPDATE, "user", row.id, changes={"password": ["***", "reset"]})

    def verify_password(self, password: str) -> bool:
        """Re-check the signed-in user's password (signing, unlocking the idle lock)."""
        actor = self.actor()
        with self.reading() as s:
            row = s.get(UserRow, actor.user_id)
            return row is not None and row.active and self._verify(row.password_hash, password)

    def record_lock(self, locked: bool) -> None:
        """The idle lock covered (True) or uncovered (False) the signed-in user's windows."""
        actor = self.actor()
        with self.writing() as s:
            audit.record(s, actor, AuditAction.LOCK if locked else AuditAction.UNLOCK, "user", actor.user_id)

    def record_unlock_failed(self) -> None:
        """A wrong password at the idle lock: audited like a failed sign-in."""
        actor = self.actor()
        with self.writing() as s:
            audit.record(
                s,
                None,
                AuditAction.SIGN_IN_FAILED,
                "user",
                actor.user_id,
                username=actor.username,
                changes={"reason": [None, "wrong password at the idle lock"]},
            )

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _burn_time(self, password: str) -> None:
        """Spend one real hash check so an unknown name takes as long as a wrong password."""
        if AuthService._dummy_hash is None:
            AuthService._dummy_hash = self.hasher.hash("not-a-real-password-0")
        self._verify(AuthService._dummy_hash, password)

    # -- sign-in ---------------------------------------------------------------------------------
    def sign_in(self, username: str, password: str) -> Actor:
        now = self.now()
        with self.writing() as s:
            row = s.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
            if row is None or not row.active:
                self._burn_time(password)
                self._count_unknown(s, username, now, known=row is not None)
                failure = "Unknown user name or wrong password"
            elif row.locked_until is not None and row.locked_until > now:
                self._burn_time(password)
                audit.record(
                    s,
                    None,
                    AuditAction.SIGN_IN_FAILED,
                    "user",
                    row.id,
                    username=username,
                    changes={"reason": [None, "account locked"]},
                )
                failure = f"This account is locked after repeated failures until {row.locked_until:%H:%M} UTC"
                s.commit()
                raise AccountLocked(failure)
            elif not self._verify(row.password_hash, password):
                row.failed_attempts += 1
                locked = row.failed_attempts >= MAX_FAILED_ATTEMPTS
                if locked:
                    row.locked_until = now + LOCKOUT
                    row.failed_attempts = 0
                audit.record(
                    s,
                    None,
                    AuditAction.SIGN_IN_FAILED,
                    "user",
                    row.id,
                    username=username,
                    changes={"reason": [None, "wrong password" + ("; account locked" if locked else "")]},
                )
                failure = "Unknown user name or wrong password"
            else:
                row.failed_attempts = 0
                row.locked_until = None
                if self.hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = self.hasher.hash(password)
                actor = actor_of(row)
                audit.record(s, actor, AuditAction.SIGN_IN, "user", row.id)
                self._ctx.actor = actor
                return actor
        raise AuthenticationError(failure)

    def sign_out(self) -> None:
        actor = self._ctx.actor
        if actor is None:
            return
        with self.writing() as s:
            audit.record(s, actor, AuditAction.SIGN_OUT, "user", actor.user_id)
        self._ctx.actor = None

    def _count_unknown(self, s: Session, username: str, now: datetime, *, known: bool) -> None:
        """Unknown names: one counter row per hour and one audit entry per hour, however many tries."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        row = s.execute(select(FailedSignInRow).where(FailedSignInRow.hour == hour)).scalar_one_or_none()
        if row is None:
            try:
                with s.begin_nested():  # another workstation may add this hour's row at the same moment
                    s.add(FailedSignInRow(hour=hour, count=1))
            except IntegrityError:
                row = s.execute(select(FailedSignInRow).where(FailedSignInRow.hour == hour)).scalar_one()
                row.count += 1
                return
            audit.record(
                s,
                None,
                AuditAction.SIGN_IN_FAILED,
                "user",
                "",
                username=username[:40],
                changes={"reason": [None, "inactive account" if known else "unknown user name"]},
            )
        else:
            row.count += 1
