"""``clinicrec backup``, ``restore`` and ``check``: the same jobs as the menu items, for scripts.

    clinicrec backup [-o FILE] [--list]    back up now (safe while ClinicRec is in use), or list backups
    clinicrec restore FILE                 replace the database with a checked backup; the old one kept aside
    clinicrec check [--full]               integrity check (read-only); exit status 1 if damaged

Like the other command-line jobs these act as --user (default: the first active administrator). When the
database is damaged or missing nobody can be looked up in it, so ``restore`` asks for an administrator's
password as it was in the backup (from the terminal, or one line on standard input).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

MAINTENANCE_COMMANDS = frozenset({"backup", "restore", "check"})


def add_maintenance_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    b = subparsers.add_parser("backup", help="back up the database now (safe while ClinicRec is in use)")
    b.add_argument("-o", "--output", help="file to write (default: a new file in the backup folder)")
    b.add_argument("--list", action="store_true", help="list the backups in the backup folder instead")
    r = subparsers.add_parser("restore", help="replace the database with a backup, after checking the backup")
    r.add_argument("file", help="the backup file to restore")
    c = subparsers.add_parser("check", help="check the database's integrity without changing it")
    c.add_argument(
        "--full",
        action="store_true",
        help="also the slower checks: every index, foreign keys and the audit trail",
    )


def run_maintenance(args: argparse.Namespace) -> int:
    from .db.engine import resolve_url

    url = resolve_url(_db_option(args))
    if args.command == "check":
        return _check(url, full=args.full)
    if args.command == "backup":
        return _backup(url, args)
    return _restore(url, args)


def _db_option(args: argparse.Namespace) -> str | None:
    if getattr(args, "demo", False) and not getattr(args, "db", None):
        from .cli import demo_path

        return f"sqlite:///{demo_path()}"
    return getattr(args, "db", None)


def _maintenance(url: str, username: str | None):  # type: ignore[no-untyped-def]
    """The maintenance service acting as ``username`` (or the first active administrator); no migration."""
    from sqlalchemy import select

    from .db.models import UserRow
    from .domain.errors import AuthenticationError
    from .services.app import open_services
    from .services.auth import actor_of
    from .services.maintenance import MaintenanceService

    services = open_services(url, migrate=False)
    with services.db.read() as s:
        stmt = select(UserRow).where(UserRow.active.is_(True))
        stmt = stmt.where(UserRow.username == username) if username else stmt.where(UserRow.role == "admin")
        row = s.execute(stmt.order_by(UserRow.id).limit(1)).scalar_one_or_none()
    if row is None:
        services.db.dispose()
        raise AuthenticationError(
            f"no active user {username!r}" if username else "no administrator account yet"
        )
    services.act_as(actor_of(row))
    return MaintenanceService(services.ctx)


def _check(url: str, *, full: bool) -> int:
    from sqlalchemy import create_engine

    from .db import integrity
    from .db.engine import sqlite_path
    from .services.maintenance import check_database

    result = check_database(url)
    print(result.message)
    for problem in result.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if not result.ok:
        return 1
    path = sqlite_path(url)
    if not full or (path is not None and not path.exists()):
        return 0
    if path is not None:
        report = integrity.check_file(path, full=True)
        if not report.ok:
            for problem in report.problems:
                print(f"PROBLEM: {problem}", file=sys.stderr)
            return 1
        print("Every index and foreign key checked: no problems.")
        engine = create_engine("sqlite://", creator=lambda: integrity.connect_read_only(path))
    else:
        engine = create_engine(url)
    return _verify_audit(engine, url)


def _verify_audit(engine, url: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    from .db.engine import sqlite_path
    from .services import audit, audit_anchor
    from .services.audit_log import verify_report
    from .services.maintenance import default_backup_dir

    path = sqlite_path(url)
    key = str(path.resolve()) if path is not None else engine.url.render_as_string(hide_password=True)
    anchors = audit_anchor.AnchorBook().anchors(key)
    if path is not None:
        anchors += audit_anchor.backup_anchors(default_backup_dir(path))
    try:
        with Session(engine) as s:
            result = audit.verify(s, anchors)
    finally:
        engine.dispose()
    out, err = verify_report(result)
    print("\n".join(out))
    if err:
        print("\n".join(err), file=sys.stderr)
    return 0 if result.ok else 1


def _backup(url: str, args: argparse.Namespace) -> int:
    maintenance = _maintenance(url, args.user)
    try:
        if args.list:
            backups = maintenance.list_backups()
            for b in backups:
                print(f"{b.path}\t{b.label}")
            if not backups:
                print(f"No backups in {maintenance.backup_dir}.")
            return 0
        info = maintenance.backup_now(Path(args.output) if args.output else None)
        print(
            f"Backed up to {info.path} ({info.size_bytes / 1_000_000:.1f} MB); "
            "the copy passed its integrity check."
        )
        return 0
    finally:
        maintenance.db.dispose()


def _restore(url: str, args: argparse.Namespace) -> int:
    from .services.maintenance import check_database, restore_damaged

    file = Path(args.file)
    state = check_database(url)
    from .db.engine import sqlite_path

    live = sqlite_path(url)
    if state.ok and live is not None and live.exists():
        maintenance = _maintenance(url, args.user)
        try:
            result = maintenance.restore(file)
        finally:
            maintenance.db.dispose()
    else:
        print(state.message if not state.ok else "There is no database yet.", file=sys.stderr)
        print("Sign in as an administrator as you were when the backup was made.", file=sys.stderr)
        username = args.user or _ask("User name: ")
        result = restore_damaged(url, file, username=username, password=_ask("Password: ", secret=True))
    print(result.message)
    return 0


def _ask(prompt: str, *, secret: bool = False) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt) if secret else input(prompt)
    print(prompt, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().rstrip("\n")
