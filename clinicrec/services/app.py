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

from ..db.engine import Database, make_engine, resolve_url, sqlite_path
from ..db.migrate import upgrade_if_needed
from ..db.types import utcnow
from .auth import AuthService
from .base import ChangeListener, Context
from .catalogue import ClinicService
from .patients import PatientService
from .permissions import Actor

if TYPE_CHECKING:
    from .audit_log import AuditLogService
    from .catalogue import ProductService, VialService
    from .charting import ChartingService
    from .maintenance import MaintenanceService
    from .printing import PrintService
    from .records import RecordService
    from .reports.service import ReportService


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
    def charting(self) -> ChartingService:
        from .charting import ChartingService

        return ChartingService(self.ctx)

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
    def printing(self) -> PrintService:
        from .printing import PrintService

        return PrintService(self.ctx)

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


def open_services(
    url: str | None = None, *, clock: Callable[[], datetime] = utcnow, migrate: bool = True
) -> Services:
    """Open (and migrate) the database named by ``url`` / the environment / the default file."""
    db = Database(make_engine(resolve_url(url)))
    if migrate:
        upgrade_if_needed(db.engine)
    return Services(Context(db, clock))
