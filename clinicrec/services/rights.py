"""Rights as they are now: each service action re-reads the acting user's role and active flag.

Signing in hands the workstation an ``Actor`` with the role of that moment. An administrator may
deactivate the user or change their role while their windows are open (here or on another
workstation); from the user's next action on, the change holds. The check is one primary-key lookup of
two columns, cheap beside any real action; on PostgreSQL, where a statement of its own would be one more
round trip to the server, the patient search carries it in its first statement (``FoldedRights``).
A refused action publishes ``Change(USER, id, RIGHTS_CHANGED)`` so that the application locks the
user's windows with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, case, select

from ..db.models import UserRow
from ..domain.enums import Role
from .changes import Change, ChangeEntity, ChangeKind
from .permissions import Actor, RightsChanged

if TYPE_CHECKING:
    from .base import Context

RIGHTS_CHANGED = ChangeKind.RIGHTS_CHANGED

#: The acting user's role while their account is active, else NULL: one column a hot statement can carry
#: (``FoldedRights``), so that on PostgreSQL the check rides on that statement's round trip.
ROLE_NOW_SQL = "(SELECT CASE WHEN users.active THEN users.role END FROM users WHERE users.id = :rights_uid)"


def deactivated_message(actor: Actor) -> str:
    return (
        f"{actor.full_name}'s account was deactivated by an administrator: nothing more can be done "
        "with it. Your windows are locked; sign out, or ask an administrator."
    )


def role_changed_message(actor: Actor, now: Role) -> str:
    return (
        f"An administrator changed {actor.full_name}'s role from {actor.role.label} to {now.label}: "
        "nothing was done. Enter your password to go on with the rights of the new role."
    )


#: The acting user's role and active flag (built once: every action checks them).
_RIGHTS = select(UserRow.role, UserRow.active).where(UserRow.id == bindparam("uid"))


def rights_problem(ctx: Context, actor: Actor) -> str | None:
    """Why ``actor`` may no longer act as signed in (None while their account is as it was).

    An access token acts with the greatest role within both its own role and its creator's role of now
    (``tokens.acting_role``): it stops when its creator is deactivated, it is revoked, or no role lies
    within both, and narrows when the creator is demoted."""
    from .tokens import TOKEN_USER_PREFIX

    if actor.username.startswith(TOKEN_USER_PREFIX):
        return _token_problem(ctx, actor)
    with ctx.db.reader.connect() as conn:
        row = conn.execute(_RIGHTS, {"uid": actor.user_id}).first()
    return problem_of(actor, row.role if row is not None and row.active else None)


def problem_of(actor: Actor, role_now: str | None) -> str | None:
    """Why ``actor`` may no longer act, given their role of now (None: deactivated or gone)."""
    if role_now is None:
        return deactivated_message(actor)
    if Role(role_now) != actor.role:
        return role_changed_message(actor, Role(role_now))
    return None


def _token_problem(ctx: Context, actor: Actor) -> str | None:
    from ..db.models import AccessTokenRow
    from .tokens import TOKEN_USER_PREFIX, acting_role, beyond_creator

    name = actor.username.removeprefix(TOKEN_USER_PREFIX)
    with ctx.db.reader.connect() as conn:
        creator = conn.execute(
            select(UserRow.role, UserRow.active, UserRow.full_name).where(UserRow.id == actor.user_id)
        ).first()
        token = conn.execute(
            select(AccessTokenRow.role, AccessTokenRow.revoked_at).where(AccessTokenRow.name == name)
        ).first()
    if token is None or token.revoked_at is not None:
        return f"The access token {name!r} was revoked: nothing was done."
    if creator is None or not creator.active:
        return f"The access token {name!r} was made by an account that is no longer active: nothing was done."
    now = acting_role(Role(token.role), Role(creator.role))
    if now is None:
        return (
            beyond_creator(name, Role(token.role), creator.full_name, Role(creator.role))
            + ": nothing was done."
        )
    if now != actor.role:
        return f"The access token {name!r} now acts as {now.label}, not {actor.role.label}: nothing was done."
    return None


def require_current(ctx: Context, actor: Actor) -> None:
    """Refuse (and announce) when ``actor``'s account changed since they signed in."""
    _refuse_if(ctx, actor, rights_problem(ctx, actor))


def _refuse_if(ctx: Context, actor: Actor, problem: str | None) -> None:
    if problem is not None:
        ctx.publish([Change(ChangeEntity.USER, actor.user_id, RIGHTS_CHANGED)])
        raise RightsChanged(problem)


class FoldedRights:
    """The check of ``require_current``, carried by the action's own first statement rather than run
    before it (on PostgreSQL each statement is a round trip to the server; a keystroke's search is two).

    The statement selects ``column()`` (or ``ROLE_NOW_SQL`` with ``params``) and the caller hands its
    value to ``verify`` before using anything else the statement returned; a statement that may return
    no row is instead gated by ``gate()`` (it returns nothing unless the rights hold). Nothing read may
    leave the service before ``settle()`` (or ``ensure()``), which checks separately unless the rights
    were verified, or a gated statement returned rows (an empty answer proves nothing). Access tokens
    are checked the ordinary way when this is made (their check reads two tables)."""

    def __init__(self, ctx: Context, actor: Actor, *, checked: bool = False) -> None:
        """``checked``: the caller has just run ``require_current`` itself."""
        from .tokens import TOKEN_USER_PREFIX

        self._ctx, self.actor = ctx, actor
        self.checked = checked
        self._gated = False
        if not checked and actor.username.startswith(TOKEN_USER_PREFIX):
            self.ensure()

    @property
    def params(self) -> dict[str, int]:
        return {"rights_uid": self.actor.user_id}

    def column(self) -> ScalarSelect[Any]:
        """The user's role of now (NULL when deactivated), as a scalar subquery."""
        return (
            select(case((UserRow.active, UserRow.role), else_=None))
            .where(UserRow.id == self.actor.user_id)
            .scalar_subquery()
        )

    def gate(self) -> ColumnElement[bool]:
        """True while the rights hold: a condition with no column of the statement's own rows, which
        PostgreSQL checks once before reading any (a one-time filter)."""
        self._gated = True
        return self.column() == self.actor.role.value

    @staticmethod
    def bound_gate() -> ColumnElement[bool]:
        """``gate()`` with parameters for the user and the role (``gate_values``), for a statement kept
        and run again for any user."""
        role_now = (
            select(case((UserRow.active, UserRow.role), else_=None))
            .where(UserRow.id == bindparam("rights_uid"))
            .scalar_subquery()
        )
        return role_now == bindparam("rights_role")

    def gate_values(self) -> dict[str, Any]:
        """The values of ``bound_gate``'s parameters for this user (the statement is then gated)."""
        self._gated = True
        return {"rights_uid": self.actor.user_id, "rights_role": self.actor.role.value}

    def verify(self, role_now: str | None) -> None:
        """Refuse (and announce) unless ``role_now``, read by the statement, is the role signed in."""
        _refuse_if(self._ctx, self.actor, problem_of(self.actor, role_now))
        self.checked = True

    def settle(self, rows: int) -> None:
        """Last, before anything read leaves the service: ``rows`` came back from the statement gated by
        ``gate()`` (if any), which proves the rights held when it ran; else they are checked now."""
        if rows and self._gated:
            self.checked = True
        self.ensure()

    def ensure(self) -> None:
        """The rights checked, by the statement or now, separately."""
        if not self.checked:
            require_current(self._ctx, self.actor)
            self.checked = True
