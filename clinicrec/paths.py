"""Where ClinicRec finds its shipped files and keeps its data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable

APP_NAME = "ClinicRec"


def resource(*parts: str) -> Traversable:
    """A file shipped in ``resources/`` (installed as the ``clinicrec.resources`` package)."""
    from importlib import resources  # here: every start imports this module, few need a resource

    node: Traversable = resources.files("clinicrec.resources")
    for part in parts:
        node = node.joinpath(part)
    return node


def resource_path(*parts: str) -> Path:
    """A real filesystem path to a shipped resource (for APIs that need one, such as font loaders)."""
    node = resource(*parts)
    return Path(str(node))


def data_dir() -> Path:
    import platformdirs  # here: the start's sign-in dialog is painted without it (some 4 ms)

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_path() -> Path:
    return data_dir() / "clinicrec.sqlite3"


def backup_dir_for(db_path: Path) -> Path:
    return db_path.parent / "backups"
