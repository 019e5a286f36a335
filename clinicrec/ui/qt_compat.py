"""A guard against a reference-counting bug in the PySide6 release we run on.

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
