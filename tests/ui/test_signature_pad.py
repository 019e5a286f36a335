"""The signature pad takes mouse, pen (with its pressure) and touch, and keeps every stroke."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clinicrec.ui.consent.signature_pad import SignaturePad


def pad(qtbot: QtBot) -> SignaturePad:
    widget = SignaturePad()
    qtbot.addWidget(widget)
    widget.resize(600, 200)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_mouse_strokes_are_kept_undone_and_cleared(qtbot: QtBot) -> None:
    widget = pad(qtbot)
    with qtbot.waitSignal(widget.sig_changed):
        QTest.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(60, 100))
        for x in range(80, 300, 20):
            QTest.mouseMove(widget, QPoint(x, 100 + (x % 40)))
        QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(300, 120))
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(350, 60))
    QTest.mouseMove(widget, QPoint(400, 150))
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(420, 160))
    strokes = widget.strokes()
    assert len(strokes) == 2 and len(strokes[0]) >= 12 and widget.device == "mouse"
    first = strokes[0][0]
    assert abs(first.x - 60 / 599) < 0.01 and abs(first.y - 100 / 199) < 0.01 and first.pressure == 1.0
    widget.undo()
    assert len(widget.strokes()) == 1
    widget.clear()
    assert widget.is_empty()


def _tablet(
    widget: SignaturePad, device: QPointingDevice, kind: QEvent.Type, x: float, y: float, p: float
) -> None:
    pos = QPointF(x, y)
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
    event = QTabletEvent(
        kind,
        device,
        pos,
        QPointF(widget.mapToGlobal(pos)),
        p,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        Qt.KeyboardModifier.NoModifier,
        Qt.MouseButton.LeftButton,
        buttons,
    )
    QApplication.sendEvent(widget, event)


def test_a_pen_keeps_its_pressure(qtbot: QtBot) -> None:
    widget = pad(qtbot)
    pen = QPointingDevice(
        "test pen",
        7,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        2,
    )
    _tablet(widget, pen, QEvent.Type.TabletPress, 50, 100, 0.2)
    for i, x in enumerate(range(70, 250, 30)):
        _tablet(widget, pen, QEvent.Type.TabletMove, x, 90 + i, 0.3 + 0.1 * i)
    with qtbot.waitSignal(widget.sig_changed):
        _tablet(widget, pen, QEvent.Type.TabletRelease, 250, 100, 0.0)
    (stroke,) = widget.strokes()
    assert widget.device == "tablet"
    assert [p.pressure for p in stroke][:3] == [0.2, 0.3, 0.4]
    assert max(p.pressure for p in stroke) > 0.7


def test_a_finger_signs_too(qtbot: QtBot) -> None:
    widget = pad(qtbot)
    touch = QTest.createTouchDevice()
    QTest.touchEvent(widget, touch).press(0, QPoint(100, 100)).commit()
    for x in range(120, 300, 30):
        QTest.touchEvent(widget, touch).move(0, QPoint(x, 110)).commit()
    with qtbot.waitSignal(widget.sig_changed):
        QTest.touchEvent(widget, touch).release(0, QPoint(300, 110)).commit()
    (stroke,) = widget.strokes()
    assert widget.device == "touch" and len(stroke) >= 6
    assert abs(stroke[0].x - 100 / 599) < 0.01
