"""Builds everything once at start-up and hands it out: no global singletons.

The services the first screen needs (sign-in, the clinic's name, the patient list) are built with
``Services``; the others, and the modules behind them (reports, printing, backups, the audit trail...),
on first use, so that starting the application does not wait for what it does not show yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from ..db.engine import Database, database_key, gate_writes, make_engine, sqlite_path
from ..db.migrate import stamped_revision, upgrade_if_needed
from ..db.migrations import HEAD
from ..db.types import utcnow
from ..domain.errors import ClinicRecError, PermissionDenied
from .auth import AuthService
from .base import ChangeListener, Context
from .catalogue import ClinicService
from .opening import DatabaseRefused, inspect, resolve_url, setup_key
from .patients import PatientService
from .permissions import Action, Actor

if TYPE_CHECKING:
    from ..db.integrity import BackgroundCheck
    from .audit_log import AuditLogService
    from .catalogue import ProductService, VialService
    from .charting import ChartingService
    from .consents import ConsentService
    from .lookups import LookupService
    from .maintenance import MaintenanceService
    from .orders import OrderService
    from .photos import PhotoService
    from .photos.measurements import MeasurementService
    from .printing import PrintService
    from .records import RecordService
    from .reports.service import ReportService
    from .review import ReviewService
    from .screening import ScreeningService
    from .tokens import TokenService


@dataclass
class Services:
    ctx: Context
    auth: AuthService = field(init=False)
    clinic: ClinicService = field(init=False)
    patients: PatientService = field(init=False)

    def __post_init__(self) -> None:
        self.auth = AuthService(self.ctx)
        self.clinic = ClinicService(self.ctx)
        self.patients = PatientService(self.ctx)

    @cached_property
    def products(self) -> ProductService:
        from .catalogue import ProductService

        return ProductService(self.ctx)

    @cached_property
    def vials(self) -> VialService:
        from .catalogue import VialService

        return VialService(self.ctx)

    @cached_property
    def consents(self) -> ConsentService:
        from .consents import ConsentService

        return ConsentService(self.ctx)

    @cached_property
    def orders(self) -> OrderService:
        from .orders import OrderService

        return OrderService(self.ctx)

    @cached_property
    def review(self) -> ReviewService:
        from .review import ReviewService

        return ReviewService(self.ctx)

    @cached_property
    def charting(self) -> ChartingService:
        from .charting import ChartingService

        return ChartingService(self.ctx)

    @cached_property
    def screening(self) -> ScreeningService:
        from .screening import ScreeningService

        return ScreeningService(self.ctx)

    @cached_property
    def records(self) -> RecordService:
        from .records import RecordService

        return RecordService(self.ctx)

    @cached_property
    def audit_log(self) -> AuditLogService:
        from .audit_log import AuditLogService

        return AuditLogService(self.ctx)

    @cached_property
    def reports(self) -> ReportService:
        from .reports.service import ReportService

        return ReportService(self.ctx)

    @cached_property
    def maintenance(self) -> MaintenanceService:
        from .maintenance import MaintenanceService

        return MaintenanceService(self.ctx)

    @cached_property
    def lookups(self) -> LookupService:
        from .lookups import LookupService

        return LookupService(self.ctx)

    @cached_property
    def tokens(self) -> TokenService:
        from .tokens import TokenService

        return TokenService(self.ctx)

    @cached_property
    def printing(self) -> PrintService:
        from .printing import PrintService

        return PrintService(self.ctx)

    @cached_property
    def photos(self) -> PhotoService:
        from .photos import PhotoService

        return PhotoService(self.ctx)

    @cached_property
    def measurements(self) -> MeasurementService:
        """Skin-analysis figures measured on stored photos (issue 19)."""
        from .photos.measurements import MeasurementService

        return MeasurementService(self.ctx)

    @property
    def db(self) -> Database:
        return self.ctx.db

    @property
    def actor(self) -> Actor | None:
        return self.ctx.actor

    def act_as(self, actor: Actor | None) -> None:
        """Used by the command line and tests; the application signs in through ``auth.sign_in``."""
        self.ctx.actor = actor

    def subscribe(self, listener: ChangeListener) -> None:
        self.ctx.listeners.append(listener)

    @property
    def database_file(self) -> Path | None:
        return sqlite_path(self.db.url)

    def close(self, *, remember_check: bool = False) -> None:
        """Close the database's connections (the last one folds the WAL into the file).

        ``remember_check`` (the application's exit, once everything is written): then check the SQLite
        file, read-only, and remember a clean verdict beside it, so that the next start, finding the file
        unchanged, need not read it again (``db.integrity.check_remembering``)."""
        file = self.database_file
        key = database_key(self.db.engine)
        self.auth.wait_for_sign_in_entry()
        self.db.dispose()
        if remember_check and file is not None and file.is_file():
            from ..db.integrity import check_remembering

            if key is None:
                check_remembering(file)
            else:
                from .unlock import encrypted_check

                check_remembering(file, encrypted_check(key))

    def has_accounts(self) -> bool:
        """False for a database with no ClinicRec schema or no user yet (a new server database)."""
        return stamped_revision(self.db.engine) is not None and self.auth.has_users()

    def upgrade_schema(self) -> tuple[str | None, str | None, Path | None]:
        """Bring the schema to this version (an administrator's job): before, after, pre-migration backup."""
        from ..db.migrate import current_revision, upgrade
        from .audit_upgrade import proven_before, rehash_after_upgrade

        self._require_if_accounts(Action.MANAGE_SETTINGS)
        before = current_revision(self.db.engine)
        proven = proven_before(self.db, before)  # the trail's proof, read before the upgrade changes it
        backup = upgrade(self.db.engine)
        after = current_revision(self.db.engine)
        if before is not None and after is not None and before != after:
            # As the upgrade at start-up does: the records whose stored form changed get their entry.
            rehash_after_upgrade(self.db, before, after, proven)
        return before, after, backup

    def _require_if_accounts(self, action: Action) -> None:
        """Schema jobs on a database with accounts need a signed-in user with ``action``; a new database
        (no schema or no user yet) is set up by whoever holds the server's owner credentials."""
        if self.ctx.actor is None:
            if self.has_accounts():
                raise PermissionDenied("Sign in first")
            return
        self.ctx.actor.require(action)

    @property
    def encrypted(self) -> bool:
        """The database is an encrypted SQLite file (SQLCipher)."""
        from ..db.engine import database_key

        return database_key(self.db.engine) is not None

    def grant_pg_role(self, role: str) -> list[str]:
        """PostgreSQL: grant the workstations' role what ClinicRec needs; returns the statements run."""
        from ..db.pg_roles import grant_app_role

        self._require_if_accounts(Action.MANAGE_USERS)
        try:
            return grant_app_role(self.db.engine, role)
        except ValueError as e:
            raise ClinicRecError(str(e)) from e


def open_services(
    url: str | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
    migrate: bool = True,
    create: bool = False,
    started: BackgroundCheck | None = None,
    key: bytes | None = None,
    encrypt_new_database: bool = True,
    defer_check: bool = False,
) -> Services:
    """Open the database named by ``url`` / the environment / the default file, the one careful way.

    It is checked first (``opening.inspect``: refused, unwritten, when missing, empty, damaged or not
    ClinicRec's; an encrypted file is refused without its ``key``, which the sign-in unwraps:
    ``services.unlock``); created only when ``create`` (the first-start setup, ``--new``), encrypted
    unless ``encrypt_new_database`` is False; then migrated.
    ``started``: an integrity check of the file already running (start-up begins it early);
    ``defer_check``: do not wait for its verdict: reads go on at once, writes wait for it (a write gate),
    and a schema upgrade (a write) waits for it before it begins.
    """
    url = resolve_url(url)
    if key is None:
        key = setup_key(url)  # a new encrypted database whose setup was never finished
    found = inspect(url, create=create, started=started, key=key, defer=defer_check)
    if found.new and found.where.file is not None and encrypt_new_database:
        from ..db.encryption import create_encrypted

        # Every new clinic database is encrypted from its first page; the recovery key the setup
        # shows is made when the first administrator exists (AuthService.new_recovery_key).
        key, _ = create_encrypted(found.where.file.absolute())
    db = Database(make_engine(found.url, create=found.new and key is None, key=key))
    if found.gate is not None:
        gate_writes(db.engine, found.gate)
    try:
        if found.where.read_only:
            if stamped_revision(db.engine) != HEAD:
                raise DatabaseRefused(
                    f"{found.where.label} is opened read-only and its schema is not this version's: "
                    "open it read-write once to upgrade it"
                )
        elif migrate:
            before = stamped_revision(db.engine)
            if found.gate is not None and before != HEAD:
                found.gate.wait()
            if before is not None and before != HEAD:
                from .audit_upgrade import proven_before, rehash_after_upgrade

                proven = proven_before(db, before)  # the trail's proof, read before the upgrade changes it
                upgrade_if_needed(db.engine)
                rehash_after_upgrade(db, before, HEAD, proven)
            else:
                upgrade_if_needed(db.engine)
    except DBAPIError as e:
        db.dispose()
        reason = str(e.orig).strip().splitlines()[0] if str(e.orig).strip() else type(e.orig).__name__
        raise DatabaseRefused(f"{found.where.label} could not be opened: {reason}") from e
    except BaseException:
        db.dispose()
        raise
    return Services(Context(db, clock))
