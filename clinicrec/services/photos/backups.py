"""Backups and restores carry the photo files of a SQLite clinic.

A backup folder keeps one content-addressed photo folder (``<database name>.photos``) shared by all its
backups: each backup copies only the photos that folder lacks, after the database's snapshot is taken
(every photo the snapshot refers to was on disk before its record committed), so the daily backup's
time grows with the day's new photos only. A restore brings back any photo the live folder lacks from
the photo folder beside the chosen backup.
"""

from __future__ import annotations

from pathlib import Path

from .store import copy_missing, photo_folder, photo_key, seal_folder


def backup_photo_folder(live: Path, backup_file: Path) -> Path:
    return backup_file.parent / (live.stem + ".photos")


def copy_to_backup(live: Path, backup_file: Path) -> int:
    """After the database's snapshot is written: the photos its backup folder lacks."""
    return copy_missing(photo_folder(live), backup_photo_folder(live, backup_file))


def restore_from_backup(live: Path, backup_file: Path, database_key: bytes | None = None) -> int:
    """After a restore: the photos the live photo folder lacks, from beside the backup (sealed as they
    are copied when the live database is encrypted with ``database_key``: a plain backup's photos)."""
    seal_key = None if database_key is None else photo_key(database_key)
    return copy_missing(backup_photo_folder(live, backup_file), photo_folder(live), seal_key=seal_key)


def seal_photo_folders(live: Path, backup_dir: Path, database_key: bytes) -> int:
    """A plain clinic just encrypted with ``database_key``: seal its photo files, beside the database
    and in its backup folder's shared photo folder (``seal_folder``); returns how many were sealed."""
    key = photo_key(database_key)
    return seal_folder(photo_folder(live), key) + seal_folder(backup_dir / (live.stem + ".photos"), key)
