"""Users, passwords (Argon2id) and sign-in with lockout."""

from __future__ import annotations

import hmac
import threading
from dataclasses import replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db.crypto import RECOVERY, KeyFile, key_file_for, parse_password_hash
from ..db.engine import Database, pending_write_gate, sqlite_path
from ..db.engine import database_key as engine_key
from ..db.models import ClinicRow, FailedSignInRow, UserRow
from ..domain.enums import AuditAction, Role
from ..domain.errors import AuthenticationError, NotFoundError, PermissionDenied, ValidationError
from ..domain.models import User
from ..domain.validation import FieldError, validate_user
from . import audit
from .base import Change, ChangeEntity, ChangeKind, ServiceBase
from .mapping import to_user
from .passwords import check_password
from .permissions import Action, Actor, RightsChanged
from .pg_accounts import sync_login_role
from .rights import deactivated_message, rights_problem
from .stale import bump, check_version
from .tokens import is_token_actor

#: Argon2id parameters. OWASP's minimum is m=19 MiB, t=2, p=1; these are above it.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 2
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
#: The one answer to every refused sign-in: an unknown name, a wrong password, an inactive account and
#: a locked one read the same, so the answer never tells which user names exist.
SIGN_IN_REFUSED = (
    "Sign-in refused: the user name or password is wrong, or the account is locked after repeated "
    "failures (try again in 15 minutes or ask an administrator)"
)


def password_hasher(
    time_cost: int = ARGON2_TIME_COST,
    memory_kib: int = ARGON2_MEMORY_KIB,
    parallelism: int = ARGON2_PARALLELISM,
) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def actor_of(row: UserRow) -> Actor:
    return Actor(row.id, row.username, row.full_name, row.credentials, Role(row.role))


def record_rehash(s: Session, actor: Actor, row: UserRow, rehashed: str) -> None:
    """A password hashed with older parameters, hashed again with this version's at sign-in: stored with an
    entry of its own, as any change to an account is (``audit verify`` proves the user's stored form)."""
    row.password_hash = rehashed
    audit.record(s, actor, AuditAction.UPDATE, "user", row.id, changes={"password": ["***", "hashed again"]})


class AuthService(ServiceBase):
    hasher = password_hasher()
    #: The entry of a sign-in made while the file was still being checked, to be written (early_sign_in).
    pending_entry: threading.Thread | None = None

    # -- accounts --------------------------------------------------------------------------------
    def has_users(self) -> bool:
        with self.reading() as s:
            return bool(s.execute(select(func.count(UserRow.id))).scalar_one())

    def create_first_admin(self, user: User, password: str, clinic_name: str = "") -> User:
        """The setup step on an empty database: only allowed while there are no users.

        ``clinic_name`` is the name being set up alongside (not stored yet): no password made of it.
        """
        if self.has_users():
            raise AuthenticationError("The first administrator already exists; sign in instead")
        user = replace(user, role=Role.ADMIN)
        return self._create(user, password, actor=None, clinic_name=clinic_name)

    def create_user(self, user: User, password: str) -> User:
        actor = self.actor(Action.MANAGE_USERS)
        return self._create(user, password, actor=actor)

    def _create(self, user: User, password: str, actor: Actor | None, clinic_name: str = "") -> User:
        validate_user(user)
        check_password(password, *self.password_context(user.username, user.full_name), clinic_name)
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
            if row.active:
                self._wrap_key_for(row.username, row.password_hash)
            sync_login_role(s, row.username, row.role, active=row.active, password=password)
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
            row = s.get(UserRow, user.id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"No user with id {user.id}")
            check_version(s, row, user.version, "user", row.id, f"{row.full_name}'s account")
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
            if old["active"] != row.active:  # a deactivated user's password no longer opens the database
                self._wrap_key_for(row.username, row.password_hash if row.active else None)
            if (old["active"], old["role"]) != (row.active, row.role):
                sync_login_role(s, row.username, row.role, active=row.active)
            changes = audit.diff(old, new)
            if changes:
                bump(row)
                audit.record(s, actor, AuditAction.UPDATE, "user", row.id, changes=changes)
            result = to_user(row)
        return result

    def _require_staff_list(self, user_id: int | None = None) -> None:
        """The staff list (names, usernames, roles) is for those who manage users or read the audit trail
        (its filter by user); anyone signed in may read their own record."""
        actor = self.actor()
        if user_id == actor.user_id or actor.can(Action.MANAGE_USERS) or actor.can(Action.VIEW_AUDIT):
            return
        raise PermissionDenied(
            f"{actor.full_name} ({actor.role.label}) may not see the list of users: "
            f"it needs the right to {Action.MANAGE_USERS.value} or to {Action.VIEW_AUDIT.value}"
        )

    def list_users(self) -> list[User]:
        self._require_staff_list()
        with self.reading() as s:
            return [to_user(r) for r in s.execute(select(UserRow).order_by(UserRow.full_name)).scalars()]

    def get_user(self, user_id: int) -> User:
        self._require_staff_list(user_id)
        with self.reading() as s:
            row = s.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"No user with id {user_id}")
            return to_user(row)

    # -- passwords -------------------------------------------------------------------------------
    def password_context(self, username: str, full_name: str) -> tuple[str, ...]:
        """The words no password may be made of: the user's names and the clinic's."""
        with self.reading() as s:
            clinic = s.execute(select(ClinicRow.name).where(ClinicRow.id == 1)).scalar_one_or_none()
        return (username, full_name, clinic or "")

    def change_own_password(self, old_password: str, new_password: str) -> None:
        actor = self.actor()
        check_password(new_password, *self.password_context(actor.username, actor.full_name))
        with self.writing() as s:
            row = s.get(UserRow, actor.user_id)
            assert row is not None
            if not self._verify(row.password_hash, old_password):
                raise ValidationError(FieldError("old_password", "Current password is not correct"))
            row.password_hash = self.hasher.hash(new_password)
            row.password_changed_at = self.now()
            self._wrap_key_for(row.username, row.password_hash)
            sync_login_role(s, row.username, row.role, active=row.active, password=new_password)
            audit.record(
                s, actor, AuditAction.UPDATE, "user", row.id, changes={"password": ["***", "changed"]}
            )

    def reset_password(self, user_id: int, new_password: str) -> None:
        actor = self.actor(Action.MANAGE_USERS)
        target = self.get_user(user_id)
        check_password(new_password, *self.password_context(target.username, target.full_name))
        with self.writing() as s:
            row = s.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"No user with id {user_id}")
            row.password_hash = self.hasher.hash(new_password)
            row.password_changed_at = self.now()
            self._wrap_key_for(row.username, row.password_hash if row.active else None)
            sync_login_role(s, row.username, row.role, active=row.active, password=new_password)
            row.failed_attempts = 0
            row.locked_until = None
            audit.record(s, actor, AuditAction.UPDATE, "user", row.id, changes={"password": ["***", "reset"]})

    def verify_password(self, password: str) -> bool:
        """Re-check the signed-in user's password (signing, unlocking the idle lock).

        A deactivated account is refused with the reason, whatever the password. After a change of
        role the right password takes up the new role: the workstation acts with the rights of now.

        An access token has no password, and is refused: what re-confirms a password (signing,
        co-signing, an order, a witnessed consent) is a person's act. Its creator's password would not
        do either: it would prove the creator, not the token, and the session would go on acting (and
        be audited) as the creator's full account, beyond the token's role. Verifying never changes
        who acts, only takes up that same person's rights of now.
        """
        actor = self._signed_in()
        if is_token_actor(actor):
            raise PermissionDenied(
                f"{actor.full_name} is an access token: it has no password, so it cannot sign, co-sign, "
                "write an order or witness a consent; a person signed in with their own password does"
            )
        with self.reading() as s:
            row = s.get(UserRow, actor.user_id)
            if row is None or not row.active:
                raise RightsChanged(deactivated_message(actor))
            ok = self._verify(row.password_hash, password)
            current = actor_of(row)
        if ok and current != actor:
            self._ctx.actor = current
            self._ctx.publish([Change(ChangeEntity.USER, actor.user_id, ChangeKind.UPDATED)])
        return ok

    # -- the encrypted database's key file (db/crypto.py) -----------------------------------------------
    def _wrap_key_for(self, username: str, password_hash: str | None) -> None:
        """Re-wrap (or, with None, remove) ``username``'s copy of the database key; only theirs.

        Called inside the transaction that stores the new hash: if the key file cannot be written the
        change is not stored either, so the password and the key file never disagree.
        """
        keys = self._key_file()
        if keys is None:
            return
        key_file, database_key = keys
        if password_hash is None:
            key_file.remove_user(username)
        else:
            key_file.set_user(username, password_hash, database_key)
        key_file.save()

    def _key_file(self) -> tuple[KeyFile, bytes] | None:
        return key_file_of(self.db)

    def has_recovery_key(self) -> bool:
        """False on an encrypted database whose recovery key was never made (or on a plain one: True)."""
        keys = self._key_file()
        return keys is None or keys[0].has(RECOVERY)

    def new_recovery_key(self) -> str:
        """Make a new recovery key (the old one stops working). Shown once; never stored in clear."""
        actor = self.actor(Action.MANAGE_USERS)
        keys = self._key_file()
        if keys is None:
            raise ValidationError(FieldError("recovery_key", "Only an encrypted database has a recovery key"))
        key_file, database_key = keys
        with self.writing() as s:
            recovery = key_file.set_recovery(database_key)
            key_file.save()
            audit.record(
                s, actor, AuditAction.UPDATE, "database", "", changes={"recovery_key": ["***", "new"]}
            )
        return recovery

    def check_rights(self) -> str | None:
        """Why the signed-in user may no longer act as signed in; None when nothing changed."""
        actor = self._ctx.actor
        return None if actor is None else rights_problem(self._ctx, actor)

    def record_lock(self, locked: bool) -> None:
        """The idle lock covered (True) or uncovered (False) the signed-in user's windows."""
        actor = self._signed_in()
        with self.writing() as s:
            audit.record(s, actor, AuditAction.LOCK if locked else AuditAction.UNLOCK, "user", actor.user_id)

    def record_unlock_failed(self) -> None:
        """A wrong password at the idle lock: audited like a failed sign-in."""
        actor = self._signed_in()
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

    def _signed_in(self) -> Actor:
        """The person at the keyboard, whatever their rights now (locking and unlocking need no right)."""
        actor = self._ctx.actor
        if actor is None:
            raise PermissionDenied("Sign in first")
        return actor

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    @staticmethod
    def _proven(stored: str, proof: bytes | None) -> bool:
        if proof is None:
            return False
        try:
            return hmac.compare_digest(parse_password_hash(stored)[1], proof)
        except ValueError:
            return False

    def _burn_time(self, password: str) -> None:
        """Spend one Argon2 computation with the current parameters, as verifying a password does.

        Hashing the typed password (and throwing the hash away) costs what a verification costs, from
        the very first attempt: no dummy hash to compute on first use, which would make that first
        unknown name slower than the rest.
        """
        self.hasher.hash(password)

    # -- sign-in ---------------------------------------------------------------------------------
    def prepare_sign_in(self, username: str) -> None:
        """Read what ``sign_in`` reads first, writing nothing, so that its statement is compiled on this
        engine before "Sign in" is pressed (``services.unlock.open_ahead``)."""
        with self.reading() as s:
            s.execute(user_named(username)).scalar_one_or_none()

    def sign_in(self, username: str, password: str, *, proof: bytes | None = None) -> Actor:
        """Sign in; every refusal raises the same AuthenticationError(SIGN_IN_REFUSED).

        ``proof``: on an encrypted database, the Argon2id digest that just unwrapped this user's copy
        of the key (db/encryption.py ``unlock_with_proof``) from this password; it equals the digest
        of the stored password hash, so it is compared instead of computing Argon2id a second time.

        Each path spends exactly one Argon2 verification, so the time taken does not tell an unknown
        name, an inactive or locked account and a wrong password apart either. Only the audit trail
        (which a manager reads) records the reason.
        """
        now = self.now()
        checked: bool | None = None  # the password already checked (the file still being checked)
        if pending_write_gate(self.db.engine) is not None:
            from .early_sign_in import sign_in_before_check

            actor, checked = sign_in_before_check(self, username, password, proof)
            if actor is not None:
                return actor
        with self.writing() as s:
            row = s.execute(user_named(username)).scalar_one_or_none()
            if row is None or not row.active:
                self._burn_time(password)
                self._count_unknown(s, username, now, known=row is not None)
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
            elif not (
                checked
                if checked is not None
                else self._proven(row.password_hash, proof) or self._verify(row.password_hash, password)
            ):
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
            else:
                row.failed_attempts = 0
                row.locked_until = None
                actor = actor_of(row)
                if self.hasher.check_needs_rehash(row.password_hash):
                    record_rehash(s, actor, row, self.hasher.hash(password))
                audit.record(s, actor, AuditAction.SIGN_IN, "user", row.id)
                self._ctx.actor = actor
                return actor
        raise AuthenticationError(SIGN_IN_REFUSED)

    def sign_out(self) -> None:
        self.wait_for_sign_in_entry()
        actor = self._ctx.actor
        if actor is None:
            return
        with self.writing() as s:
            audit.record(s, actor, AuditAction.SIGN_OUT, "user", actor.user_id)
        self._ctx.actor = None

    def wait_for_sign_in_entry(self) -> None:
        """A sign-in made while the file was still being checked has its entry written once the check
        passes (``early_sign_in``): wait for it (the sign-out's entry follows it; an exit writes it)."""
        pending = self.pending_entry
        if pending is not None:
            pending.join()
            self.pending_entry = None

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


def key_file_of(db: Database) -> tuple[KeyFile, bytes] | None:
    """An encrypted database's key file (loaded) and its key; None for a plain database or a server."""
    database_key = engine_key(db.engine)
    path = sqlite_path(db.url)
    if database_key is None or path is None:
        return None
    file = key_file_for(path)
    return (KeyFile.load(file) if file.exists() else KeyFile(file)), database_key


def user_named(username: str) -> Select[tuple[UserRow]]:
    """The statement every sign-in reads the user's row with (one shape: compiled once per engine)."""
    return select(UserRow).where(UserRow.username == username)
