"""The Qt user interface: the only layer that imports PySide6."""

from . import qt_compat  # noqa: F401 - before any signal is emitted (see the module)
