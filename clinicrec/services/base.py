"""What every service shares: the database, the clock, the acting user, the change notification."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ..db.engine import Database
from ..domain.errors import PermissionDenied, StorageError
from .permissions import Action, Actor
from .rights import require_current


@dataclass(frozen=True)
class Change:
    """What a service call changed: views refresh when a change concerns them."""

    entity: str
    entity_id: int | None
    kind: str  # created | updated | deleted | signed | amended
    patient_id: int | None = None


ChangeListener = Callable[[Change], None]


class Context:
    """Shared state handed to each service. Built once at start-up; no global singletons."""

    def __init__(self, db: Database, clock: Callable[[], datetime], actor: Actor | None = None) -> None:
        self.db = db
        self.clock = clock
        self.actor = actor
        self.listeners: list[ChangeListener] = []

    def announce(self, change: Change) -> None:
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

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One write transaction: all or nothing. Storage failures become a plain StorageError."""
        try:
            with self.db.write() as s, s.begin():
                yield s
        except OperationalError as e:
            raise StorageError(_storage_message(e)) from e

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.db.read() as s, s.begin():
            yield s

    def announce(self, change: Change) -> None:
        self._ctx.announce(change)


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
