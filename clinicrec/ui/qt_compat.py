"""Guards against a reference-counting bug in the PySide6 release we run on, and against the cost of
its check of every module imported after it.

PySide6 6.12.0 on CPython 3.11 hands back ``None``, ``True`` and ``False`` without taking a new
reference to them: every void Qt call made from Python (``label.setText(...)``, ``timer.start()``)
takes one reference away from ``None``, every ``signal.emit(...)`` one from ``True``. (From CPython 3.12
these objects are immortal and the omission is harmless, which is presumably why it went unnoticed.)
After some thousands of calls the interpreter aborts with "Fatal Python error: none_dealloc" or
"bool_dealloc"; a charting session makes that many in minutes.

The guard measures whether the bug is present and, only then, gives each of the three objects enough
spare references for the life of any process. It does nothing on a fixed PySide6 or on CPython 3.12+.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from types import ModuleType

from PySide6.QtCore import QObject, Signal

SPARE_REFERENCES = 1 << 40


class _Probe(QObject):
    sig_probe = Signal()


def singletons_losing_references() -> list[object]:
    """Which of None, True and False lose a reference per call (8 calls each)."""
    probe = _Probe()
    calls = {
        None: lambda: probe.setObjectName("probe"),  # a void method
        True: probe.sig_probe.emit,  # returns True
        False: probe.signalsBlocked,  # returns False
    }
    losing = []
    for singleton, call in calls.items():
        before = sys.getrefcount(singleton)
        for _ in range(8):
            call()
        if sys.getrefcount(singleton) < before:
            losing.append(singleton)
    return losing


def guard() -> list[object]:
    """Apply the guard where needed; the objects it was applied to."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return []
    losing = singletons_losing_references()
    for singleton in losing:
        ctypes.c_ssize_t.from_address(id(singleton)).value += SPARE_REFERENCES  # ob_refcnt comes first
    return losing


GUARDED = guard()


# -- the feature check ---------------------------------------------------------------------------------
# PySide6 replaces ``__import__`` to support ``from __feature__ import ...`` (snake_case, true_property),
# and for every module imported after it asks whether the module "uses PySide6" by reading its source
# with ``inspect.getsource``: that walks every loaded module on each call (``inspect.getmodule``) and keeps
# each file's lines in ``linecache`` for the life of the process. Over the ~400 modules the start imports
# after Qt (SQLAlchemy's above all, on the loader thread) it costs about a tenth of their import time and
# a few MiB. The answer is the same read straight from the file: whether its text names PySide6.


def uses_pyside(module: ModuleType) -> bool:
    """What PySide6's ``_mod_uses_pyside`` answers (a module whose source file contains "PySide6";
    False for one without a ``.py`` source: built in, compiled, frozen), without ``inspect``."""
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) if spec is not None else getattr(module, "__file__", None)
    if not isinstance(origin, str) or not origin.endswith(".py"):
        return False
    try:
        with open(origin, "rb") as fh:
            return b"PySide6" in fh.read()
    except OSError:
        return False


#: PySide6's own check, as it was before ``quicken_feature_check`` replaced it.
PYSIDE_CHECK: Callable[[ModuleType], bool] | None = None


def quicken_feature_check() -> bool:
    """Put ``uses_pyside`` in place of PySide6's check, where PySide6 has it (True if it was replaced)."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    global PYSIDE_CHECK
    if PYSIDE_CHECK is None:
        PYSIDE_CHECK = feature._mod_uses_pyside  # noqa: SLF001 - kept for the test that compares
    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]  # noqa: SLF001
    return True


QUICKENED = quicken_feature_check()
