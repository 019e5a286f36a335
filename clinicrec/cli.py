"""The ``clinicrec`` command: starts the application, and does the same jobs for automation.

    clinicrec [--db URL] [--demo]          start the application (demo: the demo database)
    clinicrec demo [--patients N] [--db URL] [--force]
    clinicrec handout SESSION_ID -o FILE.pdf
    clinicrec chart-pdf SESSION_ID -o FILE.pdf
    clinicrec audit verify [--anchor DIGEST]... | audit digest -o FILE
    clinicrec report --kind summary|breakdown|safety|product-use|recall|gaps [filters] [-o FILE.csv]
    clinicrec backup [-o FILE] | restore FILE | check [--full]     (see maintenance_cli.py)

The database is chosen by --db (a SQLAlchemy URL or a file path), else $CLINICREC_DATABASE_URL,
else the default file in the user's data folder. Commands that read or write clinical data act as
--user (default: the first active administrator) and are audited under that name.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .domain.errors import ClinicRecError
from .maintenance_cli import MAINTENANCE_COMMANDS, add_maintenance_parsers, run_maintenance
from .paths import data_dir
from .report_cli import add_report_parser, run_report

DEMO_PATIENTS = 2500


def demo_path() -> Path:
    return data_dir() / "demo.sqlite3"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="clinicrec", description="Charting for aesthetic nurse injectors.")
    p.add_argument(
        "--db",
        help="database: a SQLAlchemy URL or a SQLite file path "
        "(default: $CLINICREC_DATABASE_URL, else the file in your data folder)",
    )
    p.add_argument("--demo", action="store_true", help="open the demo database (built on first use)")
    p.add_argument(
        "--user", help="act as this user name for command-line jobs (default: first administrator)"
    )
    sub = p.add_subparsers(dest="command")

    d = sub.add_parser("demo", help="build a realistic demo database")
    d.add_argument("--patients", type=int, default=DEMO_PATIENTS)
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--force", action="store_true", help="replace an existing demo database file")

    for name, what in (("handout", "the patient's aftercare handout"), ("chart-pdf", "the chart PDF")):
        h = sub.add_parser(name, help=f"write {what} for a session")
        h.add_argument("session_id", type=int)
        h.add_argument("-o", "--output", required=True, help="PDF file to write")

    a = sub.add_parser("audit", help="audit trail tools")
    a.add_argument("action", choices=["verify", "digest"], help="verify the trail, or write today's digest")
    a.add_argument("--anchor", action="append", type=Path, default=[], help="a digest file to check against")
    a.add_argument("-o", "--output", type=Path, help="digest: the file to write")

    m = sub.add_parser("migrate", help="bring the database schema up to date (run as the schema owner)")
    m.set_defaults(command="migrate")
    g = sub.add_parser(
        "pg-grant",
        help="PostgreSQL: grant an application role what ClinicRec needs (audit entries: read and add only)",
    )
    g.add_argument("role", help="the role workstations connect as")
    add_maintenance_parsers(sub)
    add_report_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _cmd_demo(args)
        if args.command in ("handout", "chart-pdf"):
            return _cmd_pdf(args)
        if args.command == "audit":
            return _cmd_audit(args)
        if args.command == "migrate":
            return _cmd_migrate(args)
        if args.command == "pg-grant":
            return _cmd_pg_grant(args)
        if args.command == "report":
            return run_report(args, _services_as_user(args))
        if args.command in MAINTENANCE_COMMANDS:
            return run_maintenance(args)
        return _cmd_run(args)
    except ClinicRecError as e:
        print(f"clinicrec: {e}", file=sys.stderr)
        return 2


def _url(args: argparse.Namespace) -> str | None:
    if args.demo and not args.db:
        return f"sqlite:///{demo_path()}"
    return args.db


def _cmd_run(args: argparse.Namespace) -> int:
    credentials = None
    if args.demo and not args.db:
        from .demo import DEMO_PASSWORD, build_demo

        if not demo_path().exists():
            print(f"Building the demo database at {demo_path()} ...", file=sys.stderr)
            build_demo(f"sqlite:///{demo_path()}", patients=DEMO_PATIENTS)
        credentials = ("maria", DEMO_PASSWORD)
    from .db.location import resolve_url
    from .ui.startup import run

    return run(resolve_url(_url(args)), demo_credentials=credentials)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .db.engine import sqlite_path
    from .demo import DEMO_PASSWORD, DEMO_USERS, build_demo

    url = args.db or f"sqlite:///{demo_path()}"
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    path = sqlite_path(url)
    if path is not None and path.exists():
        if not args.force:
            print(f"clinicrec: {path} exists; use --force to replace it", file=sys.stderr)
            return 2
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    summary = build_demo(url, patients=args.patients, seed=args.seed)
    print(f"Demo database: {path or url}")
    print(
        f"  {summary.patients} patients, {summary.sessions} sessions, {summary.points} injection points, "
        f"{summary.follow_ups} follow-ups, {summary.adverse_events} adverse events, {summary.vials} vials "
        f"({summary.seconds:.1f} s)"
    )
    print(f"  Sign in as any of {', '.join(u[0] for u in DEMO_USERS)} with the password {DEMO_PASSWORD!r}")
    return 0


def _services_as_user(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from .db.models import UserRow
    from .domain.errors import AuthenticationError
    from .services.app import open_services
    from .services.auth import actor_of

    services = open_services(_url(args))
    with services.db.read() as s:
        stmt = select(UserRow).where(UserRow.active.is_(True))
        stmt = stmt.where(UserRow.username == args.user) if args.user else stmt.where(UserRow.role == "admin")
        row = s.execute(stmt.order_by(UserRow.id).limit(1)).scalar_one_or_none()
    if row is None:
        raise AuthenticationError(
            f"no active user {args.user!r}" if args.user else "no administrator account yet"
        )
    services.act_as(actor_of(row))
    return services


def _cmd_pdf(args: argparse.Namespace) -> int:
    from .services.printing import PrintService

    services = _services_as_user(args)
    out = Path(args.output)
    printing = PrintService(services.ctx)
    if args.command == "handout":
        printing.handout_pdf(args.session_id, out)
    else:
        printing.chart_pdf(args.session_id, out)
    print(out)
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from .db.engine import make_engine, resolve_url
    from .db.migrate import current_revision, upgrade

    engine = make_engine(resolve_url(_url(args)))
    before = current_revision(engine)
    backup = upgrade(engine)
    print(
        f"Schema {before or 'empty'} -> {current_revision(engine)}"
        + (f" (backup: {backup})" if backup else "")
    )
    engine.dispose()
    return 0


def _cmd_pg_grant(args: argparse.Namespace) -> int:
    from .db.engine import make_engine, resolve_url
    from .db.pg_roles import grant_app_role

    engine = make_engine(resolve_url(_url(args)))
    try:
        for stmt in grant_app_role(engine, args.role):
            print(stmt + ";")
    except ValueError as e:
        print(f"clinicrec: {e}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from .services.audit_log import run_audit_command

    return run_audit_command(_services_as_user(args).audit_log, args.action, args.anchor, args.output)
