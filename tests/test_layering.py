"""Dependencies point one way (STYLE.md, "Layers"): checked by importing each layer in a fresh interpreter."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import clinicrec


def _modules(package: str) -> list[str]:
    """Every module of ``package`` (migration scripts excluded: they only run inside Alembic)."""
    pkg = __import__(package, fromlist=["__path__"])
    names = [package] + [m.name for m in pkgutil.walk_packages(pkg.__path__, package + ".")]
    return [n for n in names if ".migrations" not in n]


def _imported_after(modules: list[str]) -> list[str]:
    """Import ``modules`` in a fresh interpreter; return the PySide6/SQLAlchemy modules they pulled in."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'sqlalchemy'))))\n"
    )
    root = str(Path(clinicrec.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=root
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_domain_imports_neither_qt_nor_sqlalchemy() -> None:
    modules = _modules("clinicrec.domain")
    assert {
        "clinicrec.domain.models",
        "clinicrec.domain.validation",
        "clinicrec.domain.dosing",
        "clinicrec.domain.dilution",
    } <= set(modules)
    assert _imported_after(modules) == []


@pytest.mark.parametrize("layer", ["clinicrec.services", "clinicrec.db", "clinicrec.pdf"])
def test_services_db_and_pdf_import_no_qt(layer: str) -> None:
    modules = _modules(layer)
    assert len(modules) > 1
    assert [m for m in _imported_after(modules) if m.startswith("PySide6")] == []


def test_the_check_itself_sees_qt_when_it_is_imported() -> None:
    """Guard: the subprocess really reports what a module pulls in (else the tests above prove nothing)."""
    assert "PySide6.QtCore" in _imported_after(["PySide6.QtCore"])
    assert any(m.startswith("sqlalchemy") for m in _imported_after(["clinicrec.db.models"]))
