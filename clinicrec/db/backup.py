"""Online backups with SQLite's backup API: consistent even while the application is writing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine


def backup_sqlite(engine: Engine, target: Path) -> Path:
    """Copy the live database to ``target`` page by page (sqlite3 backup API), then fsync it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    if tmp.exists():
        tmp.unlink()
    raw = engine.raw_connection()
    try:
        src = raw.driver_connection
        assert isinstance(src, sqlite3.Connection)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        raw.close()
    with open(tmp, "rb+") as fh:
        import os

        os.fsync(fh.fileno())
    tmp.replace(target)
    return target
