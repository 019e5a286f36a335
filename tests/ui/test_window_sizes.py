"""Session windows open maximised the first time, then at the size they were last closed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtWidgets import QWidget

from clinicrec.ui.main_window import MainWindow
from clinicrec.ui.window_sizes import WindowSizes
from tests.conftest import World, make_patient

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def sizes(tmp_path) -> WindowSizes:  # type: ignore[no-untyped-def]
    return WindowSizes(QSettings(str(tmp_path / "sizes.ini"), QSettings.Format.IniFormat))


def test_session_window_maximised_first_then_reopens_at_its_last_size(  # type: ignore[no-untyped-def]
    qtbot, world: World, bus, prompts, worker, sizes: WindowSizes
) -> None:
    services = world.as_(world.injector)
    patient = make_patient(services)
    main = MainWindow(services, bus, prompts, worker, window_sizes=sizes)
    qtbot.addWidget(main)
    main.show()
    main.show_patient(patient.id)  # type: ignore[arg-type]
    first = main._open_session_window(patient_id=patient.id)  # type: ignore[arg-type]
    assert first is not None
    assert first.windowState() & Qt.WindowState.WindowMaximized
    assert sizes.stored("session") is None
    first.setWindowState(Qt.WindowState.WindowNoState)
    first.resize(1200, 700)
    qtbot.waitUntil(lambda: first.size().width() == 1200)
    first.controller.dirty = False
    assert first.close()
    assert sizes.stored("session") is not None
    second = main._open_session_window(patient_id=patient.id)  # type: ignore[arg-type]
    assert second is not None and second is not first
    assert not second.windowState() & Qt.WindowState.WindowMaximized
    assert second.height() == 700  # (the offscreen screen is 800 wide: the width is kept within it)
    second.controller.dirty = False
    second.close()
    main.close()


def test_a_window_reopens_at_the_size_it_was_closed(qtbot, sizes: WindowSizes) -> None:  # type: ignore[no-untyped-def]
    first = QWidget()
    qtbot.addWidget(first)
    sizes.show(first, "dialog")
    assert first.windowState() & Qt.WindowState.WindowMaximized
    first.setWindowState(Qt.WindowState.WindowNoState)
    first.resize(640, 480)
    qtbot.waitUntil(lambda: first.size() == QSize(640, 480))
    first.close()
    again = QWidget()
    qtbot.addWidget(again)
    sizes.show(again, "dialog")
    assert not again.windowState() & Qt.WindowState.WindowMaximized
    assert again.size() == QSize(640, 480)
    other = QWidget()
    qtbot.addWidget(other)
    sizes.show(other, "another window")  # each window its own size
    assert other.windowState() & Qt.WindowState.WindowMaximized
