"""Who a command-line job acts as: a person who signed in with their password, or a named access token.

Access tokens are for unattended jobs (the nightly backup, a scheduled report). An administrator makes
one with a role and an expiry (``clinicrec token create NAME --role manager --expires 2027-01-31``); its
secret (256 random bits) is shown once and only its SHA-256 is stored. A token is audited under its own
name (``token:NAME``), and stops working when it expires or is revoked, or when its creator is deactivated.

A token never grants what its creator's role does not. The roles' permission sets do not nest (a
prescriber orders and co-signs, which no administrator may; an administrator manages users, which no
prescriber may), so the rule compares them, not ranks:

- at creation, the token's role must grant nothing the creator's role grants not (``roles_within``): an
  administrator makes injector, manager or administrator tokens, never a prescriber's;
- at each use, the token acts with the greatest role whose permissions lie within both its own role's
  and its creator's role *of now* (``acting_role``): its own role while the creator keeps theirs, the
  lesser one when the creator is demoted along the injector < manager < administrator line, and none at
  all (refused, with the reason) when no role fits in both, as for a prescriber token whose creator is
  not a prescriber.

A token has no password: signing, co-signing, orders and consents, which re-confirm the signer's
password, are refused to it (``AuthService.verify_password``); they are the act of a person.
On an encrypted database the token also gets its own copy of the database key in the key file, wrapped
with its secret (db/crypto.py), so an unattended job opens the file with no one's password; revoking the
token removes that copy.

``sign_in_for_command`` is the one "act as this user" helper every command goes through.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db.models import AccessTokenRow, UserRow
from ..domain.enums import AuditAction, Role
from ..domain.errors import AuthenticationError, NotFoundError, PermissionDenied, ValidationError
from ..domain.validation import FieldError
from . import audit
from .base import ServiceBase
from .permissions import PERMISSIONS, Action, Actor

TOKEN_PREFIX = "crt_"
TOKEN_USER_PREFIX = "token:"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,29}$")


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: Role
    created_by: str  # user name
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


@dataclass(frozen=True)
class NewToken:
    info: TokenInfo
    secret: str  # shown once; never stored


@dataclass(frozen=True)
class Credentials:
    """What a command was given to prove who runs it: a user name and password, or a token's secret."""

    username: str | None = None
    password: str | None = None
    token: str | None = None


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()


def roles_within(creator: Role) -> tuple[Role, ...]:
    """The roles a token made by someone of role ``creator`` may have: those granting nothing it does not."""
    return tuple(r for r in Role if PERMISSIONS[r] <= PERMISSIONS[creator])


def acting_role(token: Role, creator: Role) -> Role | None:
    """The role a token of role ``token`` acts with while its creator's role is ``creator``: the greatest
    role whose permissions lie within both; None when no role does (the token may not act)."""
    both = PERMISSIONS[token] & PERMISSIONS[creator]
    fits = [r for r in Role if PERMISSIONS[r] <= both]
    best = max(fits, key=lambda r: len(PERMISSIONS[r]), default=None)
    if best is None or any(not PERMISSIONS[r] <= PERMISSIONS[best] for r in fits):
        return None  # no role, or no single greatest one: nothing to act with
    return best


def beyond_creator(name: str, token: Role, creator_name: str, creator: Role) -> str:
    """Why the token ``name`` may not act: its role grants what its creator's role of now does not, and
    no role lies within both (``acting_role`` is None)."""
    extra = ", ".join(sorted(a.value for a in PERMISSIONS[token] - PERMISSIONS[creator]))
    return (
        f"The access token {name!r} ({token.label}) may {extra}, which its creator {creator_name} "
        f"({creator.label}) may not, so it may not act (a token of {creator_name}'s may be "
        f"{_either(roles_within(creator))})"
    )


def is_token_actor(actor: Actor) -> bool:
    return actor.username.startswith(TOKEN_USER_PREFIX)


def _either(roles: tuple[Role, ...]) -> str:
    """'Injector, Manager or Administrator'."""
    names = [r.label for r in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _expiry(expires_on: date) -> datetime:
    """A token is valid through the whole of its expiry date (UTC)."""
    return datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=UTC)


class TokenService(ServiceBase):
    # -- administration (a person signed in as an administrator) ----------------------------------
    def create(self, name: str, role: Role, expires_on: date) -> NewToken:
        actor = self._administrator()
        name = name.strip()
        if not _NAME.match(name):
            raise ValidationError(
                FieldError("name", "1 to 30 lower-case letters, digits, '.', '_' or '-', starting with one")
            )
        role = Role(role)
        allowed = roles_within(actor.role)
        if role not in allowed:
            extra = ", ".join(sorted(a.value for a in PERMISSIONS[role] - PERMISSIONS[actor.role]))
            raise ValidationError(
                FieldError(
                    "role",
                    f"a token may not do what its maker may not: {role.label} may {extra}, which "
                    f"{actor.role.label} may not; choose {_either(allowed)}",
                )
            )
        now = self.now()
        if _expiry(expires_on) <= now or expires_on <= now.date():
            raise ValidationError(FieldError("expires", f"must be after today ({now.date():%Y-%m-%d})"))
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
        try:
            with self.writing() as s:
                if s.execute(select(AccessTokenRow.id).where(AccessTokenRow.name == name)).first():
                    raise ValidationError(FieldError("name", f"a token called {name!r} already exists"))
                row = AccessTokenRow(
                    name=name,
                    role=role.value,
                    secret_sha256=secret_digest(secret),
                    created_by=actor.user_id,
                    created_at=now,
                    expires_at=_expiry(expires_on),
                )
                s.add(row)
                s.flush()
                audit.record(
                    s,
                    actor,
                    AuditAction.CREATE,
                    "access_token",
                    row.id,
                    changes={
                        "name": [None, name],
                        "role": [None, row.role],
                        "expires_at": [None, row.expires_at.isoformat()],
                    },
                )
                info = self._info(row, actor.username)
                self._wrap_key(name, secret)  # in the transaction: no token without its copy
        except IntegrityError as e:  # made at the same moment on another workstation
            raise ValidationError(FieldError("name", f"a token called {name!r} already exists")) from e
        return NewToken(info, secret)

    def list_tokens(self) -> list[TokenInfo]:
        self._administrator()
        with self.reading() as s:
            rows = s.execute(
                select(AccessTokenRow, UserRow.username)
                .join(UserRow, UserRow.id == AccessTokenRow.created_by)
                .order_by(AccessTokenRow.name)
            ).all()
            return [self._info(row, creator) for row, creator in rows]

    def revoke(self, name: str) -> TokenInfo:
        actor = self._administrator()
        with self.writing() as s:
            row = s.execute(select(AccessTokenRow).where(AccessTokenRow.name == name)).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"No token called {name!r}")
            if row.revoked_at is None:
                row.revoked_at, row.revoked_by = self.now(), actor.user_id
                audit.record(
                    s,
                    actor,
                    AuditAction.UPDATE,
                    "access_token",
                    row.id,
                    changes={"revoked": [False, True], "revoked_at": [None, row.revoked_at.isoformat()]},
                )
            self._wrap_key(name, None)
            creator = s.get(UserRow, row.created_by)
            return self._info(row, creator.username if creator else "?")

    def _administrator(self) -> Actor:
        actor = self.actor(Action.MANAGE_USERS)
        if is_token_actor(actor):
            raise PermissionDenied("Access tokens are managed by an administrator signed in with a password")
        return actor

    def _wrap_key(self, name: str, secret: str | None) -> None:
        """An encrypted database: the token's own copy of the key (None: removed; db/crypto.py)."""
        from .auth import key_file_of

        keys = key_file_of(self.db)
        if keys is None:
            return
        key_file, database_key = keys
        if secret is None:
            key_file.remove_token(name)
        else:
            key_file.set_token(name, secret, database_key)
        key_file.save()

    @staticmethod
    def _info(row: AccessTokenRow, creator: str) -> TokenInfo:
        return TokenInfo(row.name, Role(row.role), creator, row.created_at, row.expires_at, row.revoked_at)

    # -- using a token -------------------------------------------------------------------------------
    def sign_in(self, secret: str) -> Actor:
        """Act as the token whose secret this is; refused (audited) when unknown, expired or revoked."""
        now = self.now()
        digest = secret_digest(secret)
        failure: str | None = None
        with self.writing() as s:
            row = s.execute(
                select(AccessTokenRow).where(AccessTokenRow.secret_sha256 == digest)
            ).scalar_one_or_none()
            creator = s.get(UserRow, row.created_by) if row is not None else None
            if row is None:
                failure, who = "Unknown access token", "token"
            else:
                who = TOKEN_USER_PREFIX + row.name
                if row.revoked_at is not None:
                    failure = f"The access token {row.name!r} was revoked"
                elif row.expires_at <= now:
                    last_day = row.expires_at - timedelta(days=1)
                    failure = f"The access token {row.name!r} expired on {last_day:%Y-%m-%d}"
                elif creator is None or not creator.active:
                    failure = f"The access token {row.name!r} was made by an account that is no longer active"
                elif acting_role(Role(row.role), Role(creator.role)) is None:
                    failure = beyond_creator(row.name, Role(row.role), creator.full_name, Role(creator.role))
            role = acting_role(Role(row.role), Role(creator.role)) if row and creator else None
            if failure is not None or row is None or creator is None or role is None:
                audit.record(
                    s,
                    None,
                    AuditAction.SIGN_IN_FAILED,
                    "access_token",
                    row.id if row is not None else "",
                    username=who,
                    changes={"reason": [None, failure]},
                )
            else:
                actor = Actor(creator.id, who, f"Token {row.name} (made by {creator.full_name})", "", role)
                audit.record(s, actor, AuditAction.SIGN_IN, "access_token", row.id)
                self._ctx.actor = actor
                return actor
        raise AuthenticationError(failure)


def sign_in_for_command(services: object, credentials: Credentials) -> Actor:
    """Act as the person (password) or the token that ``credentials`` prove; ``AuthenticationError`` if
    they prove nobody. ``services`` is a ``services.app.Services``; its acting user is set."""
    from .app import Services

    assert isinstance(services, Services)
    if credentials.token:
        return TokenService(services.ctx).sign_in(credentials.token)
    if credentials.username and credentials.password is not None:
        return services.auth.sign_in(credentials.username, credentials.password)
    raise AuthenticationError(
        "Sign in first: give --user NAME (the password is asked for, or read with --password-stdin), "
        "or an access token in $CLINICREC_TOKEN or --token-file FILE"
    )
