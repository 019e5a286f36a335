"""Builds everything once at start-up and hands it out: no global singletons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..db.engine import Database, make_engine, resolve_url, sqlite_path
from ..db.migrate import upgrade
from ..db.types import utcnow
from .audit_log import AuditLogService
from .auth import AuthService
from .base import ChangeListener, Context
from .catalogue import ClinicService, ProductService, VialService
from .charting import ChartingService
from .maintenance import MaintenanceService
from .patients import PatientService
from .permissions import Actor
from .records import RecordService
from .reports import ReportService


@dataclass
class Services:
    ctx: Context
    auth: AuthService = field(init=False)
    clinic: ClinicService = field(init=False)
    products: ProductService = field(init=False)
    vials: VialService = field(init=False)
    patients: PatientService = field(init=False)
    charting: ChartingService = field(init=False)
    records: RecordService = field(init=False)
    audit_log: AuditLogService = field(init=False)
    reports: ReportService = field(init=False)

    def __post_init__(self) -> None:
        self.auth = AuthService(self.ctx)
        self.clinic = ClinicService(self.ctx)
        self.products = ProductService(self.ctx)
        self.vials = VialService(self.ctx)
        self.patients = PatientService(self.ctx)
        self.charting = ChartingService(self.ctx)
        self.records = RecordService(self.ctx)
        self.audit_log = AuditLogService(self.ctx)
        self.reports = ReportService(self.ctx)
        self.maintenance = MaintenanceService(self.ctx)
        from .printing import PrintService

        self.printing = PrintService(self.ctx)

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
        upgrade(db.engine)
    return Services(Context(db, clock))
