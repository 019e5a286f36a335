"""What every service shares: the database, the clock, the acting user, the unit of work.

A write goes through ``ServiceBase.writing()``: one transaction, whose changes (read from the audit
entries it wrote, see ``changes``) are published to the listeners after it commits, never before and
never on a rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ..db.engine import Database
from ..db.models import AuditRow
from ..domain.errors import NotFoundError, PermissionDenied, StorageError
from .audit import CHANGES_KEY
from .changes import Change, ChangeEntity, ChangeKind, ChangeListener, change_of_audit, unique
from .permissions import Action, Actor
from .rights import FoldedRights, require_current

__all__ = ["Change", "ChangeEntity", "ChangeKind", "ChangeListener", "Context", "ServiceBase"]

TOO_LARGE = "No such record: an id is a whole number from 1 to 9223372036854775807"


class Context:
    """Shared state handed to each service. Built once at start-up; no global singletons."""

    def __init__(self, db: Database, clock: Callable[[], datetime], actor: Actor | None = None) -> None:
        self.db = db
        self.clock = clock
        self.actor = actor
        self.listeners: list[ChangeListener] = []

    def publish(self, changes: list[Change]) -> None:
        """Tell every listener, once per change (called by the unit of work after a commit)."""
        for change in changes:
            for listener in list(self.listeners):
                listener(change)


class ServiceBase:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    @property
    def db(self) -> Database:
        return self._ctx.db

    def now(self) -> datetime:
        return self._ctx.clock()

    def actor(self, action: Action | None = None) -> Actor:
        actor = self._ctx.actor
        if actor is None:
            raise PermissionDenied("Sign in first")
        require_current(self._ctx, actor)  # the rights of now, not of the sign-in (services/rights.py)
        if action is not None:
            actor.require(action)
        return actor

    def actor_folded(self, action: Action) -> FoldedRights:
        """The acting user for a read whose first statement carries the check of their rights of now
        (``FoldedRights``: on PostgreSQL it saves a round trip). Checked at once as ``actor`` does on
        SQLite (a read there costs no round trip), and when the role they signed in with may not take
        ``action`` (the reason they are refused is then the same as ``actor`` gives)."""
        actor = self._ctx.actor
        if actor is None or not actor.can(action) or self.db.is_sqlite:
            return FoldedRights(self._ctx, self.actor(action), checked=True)
        return FoldedRights(self._ctx, actor)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One write transaction: all or nothing. Storage failures become a plain StorageError.

        What it changed is published after the commit; nothing is published if it rolls back.
        """
        changes: list[Change] = []
        try:
            with self.db.write() as s:
                s.info[CHANGES_KEY] = changes  # audit.record notes the change of each entry it writes
                event.listen(s, "before_flush", _collector(changes))
                with s.begin():
                    yield s
        except OperationalError as e:
            raise StorageError(_storage_message(e)) from e
        except OverflowError as e:  # an id larger than any row's (SQLite refuses to bind it)
            raise NotFoundError(TOO_LARGE) from e
        self._ctx.publish(unique(changes))

    @contextmanager
    def reading(self) -> Iterator[Session]:
        try:
            with self.db.read() as s, s.begin():
                yield s
        except OverflowError as e:
            raise NotFoundError(TOO_LARGE) from e


def _collector(changes: list[Change]) -> Callable[..., None]:
    """A before_flush hook that notes the change each new audit entry records."""

    def collect(session: Session, _flush: Any, _instances: Any) -> None:
        for obj in session.new:
            if isinstance(obj, AuditRow):
                change = change_of_audit(obj.action, obj.entity, obj.entity_id, obj.patient_id)
                if change is not None:
                    changes.append(change)

    return collect


def _storage_message(e: DBAPIError) -> str:
    text = str(e.orig).lower()
    code = getattr(e.orig, "sqlite_errorname", "") or ""
    if code == "SQLITE_FULL" or "database or disk is full" in text or "no space" in text:
        return (
            "The record could not be saved: the disk is full. Nothing was changed. Free some space "
            "and save again."
        )
    if "locked" in text or "busy" in text:
        return (
            "The record could not be saved: another workstation is writing. Nothing was changed. "
            "Try again in a moment."
        )
    if code.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return (
            "The record could not be saved: the disk could not be written (an input/output error). "
            "Nothing was changed. Check the drive, then save again."
        )
    if "readonly" in text or "read-only" in text:
        return "The record could not be saved: the database is read-only. Nothing was changed."
    return f"The record could not be saved: {e.orig}. Nothing was changed."
