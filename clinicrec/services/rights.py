"""Rights as they are now: each service action re-reads the acting user's role and active flag.

Signing in hands the workstation an ``Actor`` with the role of that moment. An administrator may
deactivate the user or change their role while their windows are open (here or on another
workstation); from the user's next action on, the change holds. The check is one primary-key lookup of
two columns, cheap beside any real action. A refused action publishes ``Change(USER, id,
RIGHTS_CHANGED)`` so that the application locks the user's windows with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from ..db.models import UserRow
from ..domain.enums import Role
from .changes import Change, ChangeEntity, ChangeKind
from .permissions import Actor, RightsChanged

if TYPE_CHECKING:
    from .base import Context

RIGHTS_CHANGED = ChangeKind.RIGHTS_CHANGED


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

    An access token acts with the lesser of its role and its creator's role of now: it stops when its
    creator is deactivated or it is revoked, and narrows when the creator is demoted."""
    from .tokens import TOKEN_USER_PREFIX

    if actor.username.startswith(TOKEN_USER_PREFIX):
        return _token_problem(ctx, actor)
    with ctx.db.reader.connect() as conn:
        row = conn.execute(_RIGHTS, {"uid": actor.user_id}).first()
    if row is None or not row.active:
        return deactivated_message(actor)
    if Role(row.role) != actor.role:
        return role_changed_message(actor, Role(row.role))
    return None


def _token_problem(ctx: Context, actor: Actor) -> str | None:
    from ..db.models import AccessTokenRow
    from .tokens import TOKEN_USER_PREFIX, lesser_role

    name = actor.username.removeprefix(TOKEN_USER_PREFIX)
    with ctx.db.reader.connect() as conn:
        creator = conn.execute(
            select(UserRow.role, UserRow.active).where(UserRow.id == actor.user_id)
        ).first()
        token = conn.execute(
            select(AccessTokenRow.role, AccessTokenRow.revoked_at).where(AccessTokenRow.name == name)
        ).first()
    if token is None or token.revoked_at is not None:
        return f"The access token {name!r} was revoked: nothing was done."
    if creator is None or not creator.active:
        return f"The access token {name!r} was made by an account that is no longer active: nothing was done."
    now = lesser_role(Role(token.role), Role(creator.role))
    if now != actor.role:
        return f"The access token {name!r} now acts as {now.label}, not {actor.role.label}: nothing was done."
    return None


def require_current(ctx: Context, actor: Actor) -> None:
    """Refuse (and announce) when ``actor``'s account changed since they signed in."""
    problem = rights_problem(ctx, actor)
    if problem is not None:
        ctx.publish([Change(ChangeEntity.USER, actor.user_id, RIGHTS_CHANGED)])
        raise RightsChanged(problem)
