"""``clinicrec demo [--patients N] [--seed N] [--force]``: build a realistic demo database.

The database is built under a temporary name in the target's folder and moved into place only when it
is complete, so a failed or interrupted build leaves nothing behind. Replacing an existing database
(``--force``) needs an administrator of that database.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ...domain.errors import ClinicRecError
from ..options import count

if TYPE_CHECKING:
    from ...demo import DemoSummary
    from ..app import CliApp

NAME = "demo"
HELP = "build a realistic demo database"
DEMO_PATIENTS = 2500
MAX_PATIENTS = 500_000
MAX_PHOTO_SESSIONS = 48  # each photo takes about two seconds to paint and measure
_SIDE_FILES = ("-wal", "-shm", "-journal")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=count(1, MAX_PATIENTS), default=DEMO_PATIENTS)
    parser.add_argument("--seed", type=count(0, 2**31 - 1), default=7)
    parser.add_argument("--force", action="store_true", help="replace an existing database file")
    parser.add_argument(
        "--photo-sessions", type=count(0, MAX_PHOTO_SESSIONS), default=None,
        help="followed-up sessions given measured synthetic before-and-after photos (default 10; 0: none)",
    )  # fmt: skip


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...demo import DEMO_PASSWORD, DEMO_USERS, build_demo
    from ...demo.photos import DEMO_PHOTO_SESSIONS
    from ...services.opening import locate
    from ...services.permissions import Action
    from ..app import demo_path

    url = app.url if args.db else f"sqlite:///{demo_path()}"
    photo_sessions = DEMO_PHOTO_SESSIONS if args.photo_sessions is None else args.photo_sessions
    where = locate(url)
    if where.backend != "sqlite":
        summary = build_demo(url, patients=args.patients, seed=args.seed, photo_sessions=photo_sessions)
        label = where.label
    else:
        if where.file is None or where.read_only:
            raise ClinicRecError("the demo database must be a SQLite file that can be written")
        path = where.file.absolute()
        if path.exists():
            if not args.force:
                raise ClinicRecError(f"{path} exists; use --force to replace it")
            app.signed_in(Action.MANAGE_SETTINGS)  # only an administrator of that database replaces it
            app.close()
        if not args.db:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        summary = build_in_place(path, patients=args.patients, seed=args.seed, photo_sessions=photo_sessions)
        label = str(path)
        if summary.recovery_key:
            print(f"  Encrypted; its recovery key (shown once): {summary.recovery_key}")
    print(f"Demo database: {label}")
    print(
        f"  {summary.patients} patients, {summary.sessions} sessions, {summary.points} injection points, "
        f"{summary.follow_ups} follow-ups, {summary.adverse_events} adverse events, {summary.vials} vials, "
        f"{summary.photos} measured photos "
        f"({summary.seconds:.1f} s)"
    )
    print(f"  Sign in as any of {', '.join(u[0] for u in DEMO_USERS)} with the password {DEMO_PASSWORD!r}")
    return 0


def build_in_place(path: Path, *, patients: int, seed: int, photo_sessions: int | None = None) -> DemoSummary:
    """Build the demo at a temporary name beside ``path``, then move it into place (all or nothing),
    encrypted like every ClinicRec database file (db/encryption.py ``encrypt_new``), its photo files
    sealed under the encrypted file's key. ``photo_sessions``: None for the demo's default."""
    from dataclasses import replace

    from ...demo import build_demo
    from ...demo.photos import DEMO_PHOTO_SESSIONS, seal_photo_folder
    from ...services.photos.store import photo_folder
    from ...services.unlock import encrypt_new

    if not path.parent.is_dir():
        raise ClinicRecError(f"the folder {path.parent} does not exist")
    building = path.with_name(f".{path.name}.building-{os.getpid()}")
    _remove(building)
    try:
        sessions = DEMO_PHOTO_SESSIONS if photo_sessions is None else photo_sessions
        summary = build_demo(f"sqlite:///{building}", patients=patients, seed=seed, photo_sessions=sessions)
        key, recovery = encrypt_new(building, path)
        seal_photo_folder(photo_folder(building), photo_folder(path), key)
        summary = replace(summary, recovery_key=recovery)
    finally:
        _remove(building)
        shutil.rmtree(photo_folder(building), ignore_errors=True)
    return summary


def _remove(path: Path) -> None:
    for suffix in ("", *_SIDE_FILES):
        with contextlib.suppress(OSError):
            Path(str(path) + suffix).unlink()
