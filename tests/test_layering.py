"""Dependencies point one way (STYLE.md, "Layers"): checked by importing each layer in a fresh interpreter."""

from __future__ import annotations

import json
import os
import pkgutil
import shutil
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


def test_skin_analysis_imports_neither_qt_nor_sqlalchemy() -> None:
    modules = _modules("clinicrec.analysis")
    assert "clinicrec.analysis.engine" in modules
    assert _imported_after(modules) == []


def test_the_check_itself_sees_qt_when_it_is_imported() -> None:
    """Guard: the subprocess really reports what a module pulls in (else the tests above prove nothing)."""
    assert "PySide6.QtCore" in _imported_after(["PySide6.QtCore"])
    assert any(m.startswith("sqlalchemy") for m in _imported_after(["clinicrec.db.models"]))


# -- the import-linter contracts (pyproject.toml, [tool.importlinter]) --------------------------------------
ROOT = Path(clinicrec.__file__).resolve().parents[1]


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` with the project's contracts over the package copy in ``tree``."""
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(lint), "--no-cache", str(tree / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=tree,
        env=env,
    )


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("layers")
    shutil.copytree(
        ROOT / "clinicrec", tree / "clinicrec", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_contracts_hold_today(package_copy: Path) -> None:
    out = _lint_imports(package_copy)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Contracts: 7 kept, 0 broken." in out.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("pdf/_violation.py", "from ..services import app", "PDF documents are built from domain objects"),
        ("services/_violation.py", "from ..ui import prompts", "Layers"),
        ("db/_violation.py", "from ..pdf import common", "Layers"),
        ("domain/_violation.py", "import sqlalchemy", "The domain imports neither Qt nor SQLAlchemy"),
        ("services/_violation.py", "import PySide6.QtCore", "Only clinicrec.ui imports Qt"),
        ("ui/_violation.py", "from ..db import models", "The user interface reaches the database only"),
        ("cli/commands/_violation.py", "from ...pdf import chart", "The command line uses services"),
        ("analysis/_violation.py", "import sqlalchemy", "Skin analysis is image arithmetic"),
        ("analysis/_violation.py", "from ..services import app", "Skin analysis is image arithmetic"),
    ],
)
def test_a_broken_rule_fails_the_check(package_copy: Path, module: str, line: str, contract: str) -> None:
    """Each contract catches a violation: a module that breaks it makes ``lint-imports`` fail, naming it."""
    target = package_copy / "clinicrec" / module
    original = target.read_text() if target.exists() else None
    target.write_text((original or "") + f"\n{line}\n")
    try:
        out = _lint_imports(package_copy)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_text(original)
    assert out.returncode != 0
    assert "BROKEN" in out.stdout
    broken = [ln for ln in out.stdout.splitlines() if "BROKEN" in ln or contract in ln]
    assert any(contract in ln for ln in broken), out.stdout
    imported = module.removesuffix(".py").replace("/", ".")
    assert f"clinicrec.{imported}" in out.stdout, out.stdout
