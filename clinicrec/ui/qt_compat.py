"""A guard against a reference-counting bug in the PySide6 release we run on.

PySide6 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a new reference to it. On
CPython 3.11 (where ``True`` is an ordinary object, not an immortal one as from 3.12) every signal
emitted from Python therefore takes one reference away from ``True``; after a few thousand emits the
interpreter aborts with "Fatal Python error: bool_dealloc". A charting session emits that many in
minutes. The guard measures whether the bug is present and, only then, gives ``True`` enough spare
references for the life of any process. It does nothing on a fixed PySide6 or on CPython 3.12+.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

SPARE_REFERENCES = 1 << 40


class _Probe(QObject):
    sig_probe = Signal()


def emit_loses_a_reference_to_true() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.sig_probe.emit()
    return sys.getrefcount(True) < before


def guard() -> bool:
    """Apply the guard if needed; True when it was applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not emit_loses_a_reference_to_true():
        return False
    ctypes.c_ssize_t.from_address(id(True)).value += SPARE_REFERENCES  # ob_refcnt, PyObject's first field
    return True


guard()
