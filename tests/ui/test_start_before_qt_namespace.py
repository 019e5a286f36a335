"""The start's sign-in dialog paints before PySide6 makes its ``Qt`` namespace: the namespace's 125 enum
types are made at its first use (some 45 ms, a sixth of the wait for the dialog). So the dialog is styled
in the scheme the desktop had when last asked, and the desktop is asked once it has painted."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from clinicrec.ui import style
from clinicrec.ui.login_dialog import LoginDialog
from clinicrec.ui.style import DARK, LIGHT, SCHEME_SETTING
from clinicrec.ui.widgets import FieldErrorLabel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")

#: A start as ``clinicrec --db FILE`` makes it, watched: at the dialog's first paint, whether the namespace
#: was made; then (after the dialog's own after-paint work) what that work did.
CHILD = textwrap.dedent(
    """
    import json, os, sys
    from PySide6 import QtCore, QtWidgets
    from PySide6.QtCore import QEvent, QObject, QTimer

    seen = {}

    def after() -> None:
        dialog = seen.pop("dialog")
        Qt = QtCore.Qt
        seen["input method on the user name"] = dialog.username_edit.testAttribute(
            Qt.WidgetAttribute.WA_InputMethodEnabled
        )
        app = QtWidgets.QApplication.instance()
        seen["desktop followed"] = bool(app.property("clinicrec_follows_scheme"))
        print(json.dumps(seen), flush=True)
        os._exit(0)

    class Watch(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and obj.objectName() == "login_dialog" and not seen:
                seen["namespace made before the paint"] = "Qt" in QtCore.__dict__
                seen["dialog"] = obj
                QTimer.singleShot(0, lambda: QTimer.singleShot(0, after))  # after the dialog's own
            return False

    watch = Watch()

    class Watched(QtWidgets.QApplication):
        def __init__(self, *args):
            super().__init__(*args)
            self.installEventFilter(watch)

    QtWidgets.QApplication = Watched
    from clinicrec.cli import main

    main(["--db", sys.argv[1]])
    """
)


def test_a_start_paints_the_sign_in_dialog_before_the_qt_namespace_is_made(tmp_path: Path) -> None:
    """In a process of its own (this one made the namespace long ago). Nothing the dialog needs before it
    paints may ask for it: a ``from PySide6.QtCore import Qt`` in a module the dialog imports, a value
    such as ``Qt.AlignmentFlag``, or a Qt call that answers with one (the colour-scheme hint)."""
    database = tmp_path / "clinic.sqlite3"
    sqlite3.connect(database).close()
    database.write_bytes(b"")  # a file: the start shows the sign-in dialog (the child ends at its paint)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(database)], capture_output=True, text=True, env=env, timeout=120
    )
    lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
    assert lines, out.stderr[-3000:]
    assert json.loads(lines[-1]) == {
        "namespace made before the paint": False,
        # ... and once it has painted: the user name takes keys as they are, the desktop is asked
        "input method on the user name": False,
        "desktop followed": True,
    }


@pytest.fixture
def scheme_reset(qapp: QApplication) -> Iterator[None]:
    yield
    qapp.setStyleSheet("")  # leave the process as other tests expect it
    qapp.setPalette(qapp.style().standardPalette())
    style._active = LIGHT
    QSettings().remove(SCHEME_SETTING)


def test_the_dialog_is_styled_as_the_desktop_was_and_restyled_if_it_has_switched_since(
    qapp: QApplication, scheme_reset: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    QSettings().remove(SCHEME_SETTING)
    assert style.style_before_paint(qapp) is LIGHT  # never asked yet: light
    # the desktop is dark now: restyled once painted, and remembered
    monkeypatch.setattr(style, "desktop_scheme", lambda app: DARK)
    assert style.follow_desktop_now(qapp) is DARK
    assert style.active() is DARK and DARK.window.lower() in qapp.styleSheet().lower()
    assert QSettings().value(SCHEME_SETTING) == "dark"
    # the next start paints dark at once, and the desktop (still dark) changes nothing
    styled: list[object] = []
    real = style.apply_style
    monkeypatch.setattr(
        style, "apply_style", lambda app, scheme=None: styled.append(scheme) or real(app, scheme)
    )
    assert style.style_before_paint(qapp) is DARK
    assert style.follow_desktop_now(qapp) is DARK
    assert styled == [DARK]
    # switched back to light between two starts: the start paints dark, then restyles light
    monkeypatch.setattr(style, "desktop_scheme", lambda app: LIGHT)
    assert style.style_before_paint(qapp) is DARK
    assert style.follow_desktop_now(qapp) is LIGHT
    assert styled == [DARK, DARK, LIGHT] and QSettings().value(SCHEME_SETTING) == "light"


def test_an_error_under_a_field_is_plain_text_never_markup(qapp: QApplication) -> None:
    """The label's plain-text format is set with its first text, not when it is made."""
    label = FieldErrorLabel()
    label.show_error("<b>not bold</b> & <i>not italic</i>")
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == "<b>not bold</b> & <i>not italic</i>"


def test_a_sign_in_dialog_takes_the_user_name_without_an_input_method_once_painted(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(None, demo_credentials=("maria", "demo-password"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.username_edit.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled))
    assert dialog.demo_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
