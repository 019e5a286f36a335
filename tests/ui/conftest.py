"""UI test fixtures: scripted prompts (no modal boxes), a synchronous worker, a change bus."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pytest

from clinicrec.ui.prompts import Prompts


@dataclass
class ScriptedPrompts(Prompts):
    """Answers queued by the test; every message shown is recorded in ``shown``.

    ``answers`` is consumed in order by confirm / save_discard_cancel / text / password / save_file /
    open_file. A call with no queued answer fails the test, so no modal box can hang a run.
    """

    answers: deque[Any] = field(default_factory=deque)
    shown: list[tuple[str, str, str]] = field(default_factory=list)

    def queue(self, *answers: Any) -> ScriptedPrompts:
        self.answers.extend(answers)
        return self

    def _next(self, kind: str, title: str) -> Any:
        if not self.answers:
            raise AssertionError(f"unexpected {kind} prompt: {title!r}")
        return self.answers.popleft()

    def info(self, parent, title, text):  # type: ignore[no-untyped-def]
        self.shown.append(("info", title, text))

    def warn(self, parent, title, text):  # type: ignore[no-untyped-def]
        self.shown.append(("warn", title, text))

    def error(self, parent, title, text):  # type: ignore[no-untyped-def]
        self.shown.append(("error", title, text))

    def confirm(self, parent, title, text):  # type: ignore[no-untyped-def]
        self.shown.append(("confirm", title, text))
        return bool(self._next("confirm", title))

    def save_discard_cancel(self, parent, title, text):  # type: ignore[no-untyped-def]
        self.shown.append(("save_discard_cancel", title, text))
        return str(self._next("save_discard_cancel", title))

    def text(self, parent, title, label, default=""):  # type: ignore[no-untyped-def]
        self.shown.append(("text", title, label))
        return self._next("text", title)

    def reason(self, parent, title, label, choices=()):  # type: ignore[no-untyped-def]
        self.reason_choices = tuple(choices)  # the clinic's common reasons offered with the last question
        self.shown.append(("text", title, label))
        return self._next("text", title)

    def sign_session(self, parent, summary):  # type: ignore[no-untyped-def]
        self.shown.append(("password", "Sign session", summary.text()))
        return self._next("password", "Sign session")

    def password(self, parent, title, label):  # type: ignore[no-untyped-def]
        self.shown.append(("password", title, label))
        return self._next("password", title)

    def save_file(self, parent, title, suggested, filter_):  # type: ignore[no-untyped-def]
        self.shown.append(("save_file", title, suggested))
        return self._next("save_file", title)

    def open_file(self, parent, title, filter_):  # type: ignore[no-untyped-def]
        self.shown.append(("open_file", title, ""))
        return self._next("open_file", title)


@pytest.fixture
def prompts() -> ScriptedPrompts:
    return ScriptedPrompts()


@pytest.fixture
def worker(qtbot):  # type: ignore[no-untyped-def]
    from clinicrec.ui.worker import Worker

    return Worker(synchronous=True)


@pytest.fixture
def bus(services, qtbot):  # type: ignore[no-untyped-def]
    from clinicrec.ui.changes import ChangeBus

    bus = ChangeBus()
    services.subscribe(bus.publish)
    return bus


@pytest.fixture(autouse=True, scope="session")
def _own_window_settings(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Remembered window sizes (QSettings) go to a folder of the test run, never the user's settings."""
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)
