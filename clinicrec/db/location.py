"""Where the database is, worked out without SQLAlchemy (start-up reads this before loading it).

``resolve_url`` picks the database; ``locate`` reads a URL once, for every door (the start-up check,
the engine, the command line): which backend, which file, read-only or not. It is the one reader of a
SQLite URL, so the integrity check and the engine always look at the same file, whatever form the URL
takes (``sqlite:///path``, ``sqlite:///file:path?uri=true``, ``sqlite:///path?mode=ro&uri=true``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from ..domain.errors import StorageError
from ..paths import default_database_path

ENV_URL = "CLINICREC_DATABASE_URL"
SUPPORTED = ("sqlite", "postgresql")
#: Options a SQLite URL may carry (SQLAlchemy's and SQLite's own URI parameters that make sense here).
_SQLITE_OPTIONS = {"uri", "mode", "timeout", "cache", "check_same_thread"}


class DatabaseRefused(StorageError):
    """The database named cannot be used as it is (missing, empty, damaged, unsupported); nothing was
    written. ``damaged`` carries the integrity check's verdict when the file failed it."""

    def __init__(self, message: str, *, damaged: object | None = None) -> None:
        super().__init__(message)
        self.damaged = damaged


@dataclass(frozen=True)
class Location:
    """A database URL, read: ``file`` is the SQLite file (None for a server or an in-memory database)."""

    url: str
    backend: str  # "sqlite" or "postgresql"
    file: Path | None = None
    read_only: bool = False
    in_memory: bool = False

    @property
    def label(self) -> str:
        return str(self.file) if self.file is not None else _without_password(self.url)


def resolve_url(cli_value: str | None = None) -> str:
    """The command-line option wins, then the environment variable, then the default file.

    A plain path is accepted as a SQLite file. Nothing is created here: the default folder is made
    only when a database is created there (``ensure_default_folder``).
    """
    value = cli_value or os.environ.get(ENV_URL)
    if not value:
        return f"sqlite:///{default_database_path()}"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    return value


def ensure_default_folder(file: Path) -> None:
    """Create the user's data folder (0700) for the default database; any other folder must exist."""
    default = default_database_path()
    if Path(file).parent == default.parent:
        default.parent.mkdir(parents=True, exist_ok=True, mode=0o700)


def locate(url: str) -> Location:
    """Read ``url``; ``DatabaseRefused`` (one line, naming the problem) for anything ClinicRec cannot use."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        raise DatabaseRefused(f"{url!r} is not a database URL or file path")
    backend = scheme.split("+", 1)[0].lower()
    if backend not in SUPPORTED:
        raise DatabaseRefused(
            f"ClinicRec keeps its records in SQLite or PostgreSQL; a {backend!r} database is not supported"
        )
    if backend == "postgresql":
        return Location(url, backend)
    if rest == "":
        return Location(url, backend, in_memory=True)  # sqlite://
    if not rest.startswith("/"):
        raise DatabaseRefused(f"{url!r} names no host for SQLite: write sqlite:///path/to/file.sqlite3")
    database, _, query = rest[1:].partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - _SQLITE_OPTIONS)
    if unknown:
        raise DatabaseRefused(f"unknown option {unknown[0]!r} in the database URL {url!r}")
    uri = options.get("uri", "").lower() in ("true", "1", "yes")
    if uri and database.startswith("file:"):
        database, _, inner = database[len("file:") :].partition("?")
        options.update(parse_qsl(inner, keep_blank_values=True))
        if database.startswith("//"):  # file:///abs/path
            database = database[2:]
    database = unquote(database)
    mode = options.get("mode", "").lower()
    if mode not in ("", "ro", "rw", "rwc", "memory"):
        raise DatabaseRefused(f"unknown SQLite mode {mode!r} in {url!r} (ro, rw or rwc)")
    if not database or database == ":memory:" or mode == "memory":
        return Location(url, backend, in_memory=True)
    return Location(url, backend, Path(database), read_only=mode == "ro")


def sqlite_file(url: str) -> Path | None:
    """The SQLite file behind ``url``; None for a server, an in-memory database or an unusable URL."""
    try:
        return locate(url).file
    except DatabaseRefused:
        return None


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}@{host}"
