"""Heads of the audit trail kept outside the database, so a trail cut short or rewritten whole is caught.

A hash chain inside one file proves only that the file agrees with itself: someone holding the file can
delete the newest entries and move ``audit_head`` back, or rewrite history and recompute every hash with
the application's own function. Both leave a valid chain. What they cannot change is a head someone else
already saw. ClinicRec keeps three kinds:

- **backups**: every backup holds its own ``audit_head`` (inside the copy) and a sidecar
  ``<backup>.head.json`` beside it with the head id, its hash and the backup file's SHA-256;
- **workstations**: each computer keeps the highest head it has seen for each database, plus one head a
  day for the last 60 days, in ``audit-anchors.json`` in its local data folder (outside the database);
- **the daily digest**: a short text file (or printout) with the day's head id and hash that a manager
  keeps off the machine; ``audit verify --anchor FILE`` checks it.

``audit verify`` then reports a head that went backwards (an anchor beyond the trail's end) or a history
that forked (an anchored entry whose hash changed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..db.engine import Database, sqlite_path
from .audit import Anchor

ENV_DIR = "CLINICREC_ANCHOR_DIR"
BOOK_NAME = "audit-anchors.json"
DAYS_KEPT = 60
SIDECAR_SUFFIX = ".head.json"
_DIGEST_LINE = re.compile(r"^Head entry:\s*(\d+)\s*$|^Head hash:\s*([0-9a-f]{64})\s*$", re.MULTILINE)


def anchor_dir() -> Path:
    """This workstation's folder for anchors: $CLINICREC_ANCHOR_DIR, else the local data folder."""
    from ..paths import data_dir

    env = os.environ.get(ENV_DIR)
    return Path(env) if env else data_dir()


def database_key(db: Database) -> str:
    """Which database an anchor belongs to: its file, or its server URL without the password."""
    path = sqlite_path(db.url)
    if path is not None:
        return str(path.resolve())
    return db.engine.url.render_as_string(hide_password=True)


def head_of(s: Session) -> tuple[int, str]:
    """(last entry id, its hash) as the database's head row says."""
    cur = s.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
        row = cur.fetchone()
    finally:
        cur.close()
    return (int(row[0]), str(row[1])) if row else (0, "")


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".clinicrec-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class AnchorBook:
    """The heads this workstation has seen, per database (a small JSON file in its data folder)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or anchor_dir()) / BOOK_NAME

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def anchors(self, key: str) -> list[Anchor]:
        entry = self._load().get(key) or {}
        out = []
        for a in [entry.get("highest"), *entry.get("daily", [])]:
            if isinstance(a, dict) and isinstance(a.get("id"), int) and isinstance(a.get("hash"), str):
                out.append(Anchor(a["id"], a["hash"], f"this workstation (seen {a.get('at', '?')})"))
        return out

    def remember(self, key: str, entry_id: int, entry_hash: str, at: datetime) -> bool:
        """Keep the head if it is the highest seen; keep one head a day for the last ``DAYS_KEPT`` days.

        Best effort: False if the data folder cannot be written (the records themselves are unaffected)."""
        if entry_id <= 0:
            return False
        try:
            self._remember(key, entry_id, entry_hash, at)
        except OSError:
            return False
        return True

    def _remember(self, key: str, entry_id: int, entry_hash: str, at: datetime) -> None:
        data = self._load()
        entry = data.setdefault(key, {})
        day = at.isoformat(timespec="seconds")
        seen: dict[str, Any] = {"id": entry_id, "hash": entry_hash, "at": day}
        highest = entry.get("highest")
        if not isinstance(highest, dict) or int(highest.get("id", 0)) <= entry_id:
            entry["highest"] = seen
        daily = [
            d for d in entry.get("daily", []) if isinstance(d, dict) and str(d.get("at", ""))[:10] != day[:10]
        ]
        entry["daily"] = sorted([*daily, seen], key=lambda d: str(d["at"]))[-DAYS_KEPT:]
        _write_private(self.path, json.dumps(data, indent=1, sort_keys=True))

    def reset(self, key: str, entry_id: int, entry_hash: str, at: datetime) -> None:
        """After a restore on this workstation: the replaced history's heads no longer apply."""
        data = self._load()
        data.pop(key, None)
        try:
            _write_private(self.path, json.dumps(data, indent=1, sort_keys=True))
        except OSError:
            return
        self.remember(key, entry_id, entry_hash, at)


# -- backups ---------------------------------------------------------------------------------------------
def sidecar_path(backup: Path) -> Path:
    return backup.with_name(backup.name + SIDECAR_SUFFIX)


def write_sidecar(backup: Path, at: datetime, key: bytes | None = None) -> Anchor:
    """Record beside ``backup`` the head it holds (read from the copy itself; ``key``: an encrypted
    copy's database key) and the file's SHA-256."""
    entry_id, entry_hash = file_head(backup, key) or (0, "")
    digest = hashlib.sha256()
    with backup.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    manifest = {
        "head_entry": entry_id,
        "head_hash": entry_hash,
        "file": backup.name,
        "file_sha256": digest.hexdigest(),
        "taken_at": at.isoformat(timespec="seconds"),
    }
    _write_private(sidecar_path(backup), json.dumps(manifest, indent=1, sort_keys=True))
    return Anchor(entry_id, entry_hash, f"backup {backup.name}")


def _backup_head(backup: Path) -> tuple[int, str]:
    return file_head(backup) or (0, "")


def file_head(path: Path, key: bytes | None = None) -> tuple[int, str] | None:
    """The head row of the SQLite file at ``path`` (read-only; ``key``: it is encrypted under that
    database key), or None if it cannot be read."""
    try:
        if key is not None:
            from ..db import crypto

            conn = crypto.connect(path, key)
        else:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except (sqlite3.Error, OSError):
        return None
    try:
        row = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    except Exception:  # noqa: BLE001 - sqlite3's or sqlcipher3's error: the head cannot be read
        return None
    finally:
        conn.close()
    return (int(row[0]), str(row[1])) if row else None


def backup_anchors(folder: Path | None) -> list[Anchor]:
    """The heads the backups in ``folder`` recorded (their sidecars, else the copies' own head rows)."""
    if folder is None or not folder.is_dir():
        return []
    out: list[Anchor] = []
    for manifest in sorted(folder.glob("*" + SIDECAR_SUFFIX)):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            out.append(Anchor(int(data["head_entry"]), str(data["head_hash"]), f"backup {data['file']}"))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return [a for a in out if a.entry_id > 0]


# -- the daily digest -----------------------------------------------------------------------------------
def digest_text(clinic: str, entry_id: int, entry_hash: str, at: datetime, counts: dict[str, int]) -> str:
    lines = [
        "ClinicRec audit digest: keep this page (or file) away from the computer.",
        "",
        f"Clinic: {clinic}",
        f"Made: {at.astimezone():%Y-%m-%d %H:%M %Z}",
        f"Head entry: {entry_id}",
        f"Head hash: {entry_hash}",
        "",
        "Records in the trail:",
        *(f"  {name}: {n:,}" for name, n in counts.items()),
        "",
        "To check later: clinicrec audit verify --anchor THIS-FILE (or type the two head lines in).",
        "If verify says the trail went backwards or forked, the records were altered after this day.",
    ]
    return "\n".join(lines) + "\n"


def parse_digest(text: str, source: str) -> Anchor:
    """The head recorded in a digest; ValueError if the file is not one."""
    entry_id: int | None = None
    entry_hash: str | None = None
    for m in _DIGEST_LINE.finditer(text):
        if m.group(1):
            entry_id = int(m.group(1))
        if m.group(2):
            entry_hash = m.group(2)
    if entry_id is None or entry_hash is None:
        raise ValueError(f"{source} is not a ClinicRec audit digest (no 'Head entry' and 'Head hash' lines)")
    return Anchor(entry_id, entry_hash, f"digest {source}")


def write_digest(path: Path, text: str) -> None:
    _write_private(path, text)
