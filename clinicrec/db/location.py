"""Where the database is, worked out without SQLAlchemy (start-up reads this before loading it).

``resolve_url`` picks the database; ``sqlite_file`` names the file behind a plain SQLite URL so that
the start-up integrity check can begin while the rest of the application loads. It answers only the
plain forms (``sqlite:///path``); for anything else it returns None and the check waits for
``engine.sqlite_path``, which is the authority (and is compared with it before a result is used).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..paths import default_database_path

ENV_URL = "CLINICREC_DATABASE_URL"


def resolve_url(cli_value: str | None = None) -> str:
    """The command-line option wins, then the environment variable, then the default file.

    A plain path is accepted as a SQLite file.
    """
    value = cli_value or os.environ.get(ENV_URL)
    if not value:
        path = default_database_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    return value


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL; None for any other URL (or one this cannot read)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            database = url[len(prefix) :]
            if not database or database == ":memory:" or any(c in database for c in "?#%"):
                return None
            return Path(database)
    return None
