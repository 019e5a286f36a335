"""The PySide6 guards of ``ui/qt_compat.py``: the quicker feature check answers as PySide6's own did."""

from __future__ import annotations

import linecache
import sys
from pathlib import Path

import pytest

from clinicrec.ui import qt_compat


def test_the_quick_check_answers_as_pysides_own_for_every_loaded_module() -> None:
    original = qt_compat.PYSIDE_CHECK
    assert qt_compat.QUICKENED and original is not None  # PySide6 6.12 has the check it replaces
    modules = [m for m in list(sys.modules.values()) if m is not None]
    assert len(modules) > 300
    differ = [m.__name__ for m in modules if qt_compat.uses_pyside(m) != original(m)]
    assert differ == []
    assert qt_compat.uses_pyside(sys.modules["clinicrec.ui.qt_compat"])
    assert not qt_compat.uses_pyside(sys.modules["clinicrec.domain.errors"])
    assert not qt_compat.uses_pyside(sys)  # built in: no source


def test_a_module_imported_after_qt_is_classified_without_reading_it_into_linecache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shibokensupport.feature as feature  # type: ignore[import-not-found]

    assert feature._mod_uses_pyside is qt_compat.uses_pyside  # noqa: SLF001
    (tmp_path / "qtc_with_qt.py").write_text("from PySide6.QtCore import QObject\n", encoding="utf-8")
    (tmp_path / "qtc_without_qt.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        __import__("qtc_with_qt")  # through PySide6's hook (importlib.import_module bypasses it)
        __import__("qtc_without_qt")
        # 0: the module uses PySide6 (the default features); -1: PySide6 leaves it alone
        assert feature.pyside_feature_dict["qtc_with_qt"] == 0
        assert feature.pyside_feature_dict["qtc_without_qt"] == -1
        assert not any(str(tmp_path) in name for name in linecache.cache)
    finally:
        for name in ("qtc_with_qt", "qtc_without_qt"):
            sys.modules.pop(name, None)
            feature.pyside_feature_dict.pop(name, None)
