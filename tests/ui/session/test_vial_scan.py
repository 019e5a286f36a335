"""A keyboard-wedge scanner types a carton's GS1 code into the lot field: lot, expiry, product fill in."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import Qt

from clinicrec.services.app import Services
from clinicrec.ui.session.vial_dialog import VialDialog
from tests.conftest import World, product_id

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

GTIN = "00361234567890"  # check digit 0 by GS1's mod-10
#: A DataMatrix scan in two parts: the lot ends with the group separator, then the serial follows.
LOT_PART, SERIAL_PART = f"]d201{GTIN}17270600" + "10B4655A", "21SN0001"  # expiry day 00: June 30th


def type_scan(qtbot, lot, separator: str = "ctrl") -> None:  # type: ignore[no-untyped-def]
    """Type a scan as a keyboard-wedge scanner does: the separator as Ctrl+] or as ASCII 29, then Enter."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    qtbot.keyClicks(lot, LOT_PART)
    if separator == "ctrl":
        qtbot.keyClick(lot, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    else:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                lot, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, "\x1d")
            )
    qtbot.keyClicks(lot, SERIAL_PART)
    qtbot.keyClick(lot, Qt.Key.Key_Return)


def with_gtin(world: World, brand: str = "Dysport") -> int:
    """The administrator lists the carton's GTIN on the product."""
    services = world.as_(world.admin)
    product = next(p for p in services.products.list() if p.brand == brand)
    services.products.save(replace(product, gtins=(GTIN,)))
    world.as_(world.injector)
    return product_id(world.services, brand)


@pytest.fixture
def dialog(qtbot, services: Services, prompts) -> VialDialog:  # type: ignore[no-untyped-def]
    d = VialDialog(None, services, prompts)
    qtbot.addWidget(d)
    d.resize(1280, 800)
    d.show()
    qtbot.waitExposed(d)
    d.tabs.setCurrentIndex(1)
    d.lot.setFocus()
    return d


def test_a_scan_fills_lot_expiry_and_product(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    dysport = with_gtin(world)
    d = VialDialog(None, world.services, prompts)
    qtbot.addWidget(d)
    d.resize(1280, 800)
    d.show()
    qtbot.waitExposed(d)
    d.tabs.setCurrentIndex(1)
    d.lot.setFocus()
    assert d.product.currentData() != dysport
    type_scan(qtbot, d.lot)
    assert d.lot.text() == "B4655A"
    assert d.expiry.date().toPython() == date(2027, 6, 30)
    assert d.product.currentData() == dysport
    assert d.isVisible() and d.chosen is None  # Enter did not open the vial: reconstitution still to check
    status = d.findChild(type(d.concentration), "vial_scan_status")
    assert status is not None and status.isVisible()
    assert status.text() == "Read from the carton: Dysport, lot B4655A, expiry 2027-06-30."
    d.grab().save(str(world.path.parent / "vial-scan.png") if world.path else "/tmp/vial-scan.png")


def test_a_scan_of_an_unlisted_product_fills_lot_and_expiry_and_says_so(qtbot, dialog: VialDialog) -> None:  # type: ignore[no-untyped-def]
    before = dialog.product.currentIndex()
    type_scan(qtbot, dialog.lot, separator="ascii 29")
    assert dialog.lot.text() == "B4655A" and dialog.expiry.value() == date(2027, 6, 30)
    assert dialog.product.currentIndex() == before
    status = dialog.findChild(type(dialog.concentration), "vial_scan_status")
    assert status is not None and f"No product in the catalogue lists its GTIN {GTIN}" in status.text()


def test_a_bad_scan_is_refused_under_the_lot_and_fills_nothing(qtbot, dialog: VialDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(dialog.lot, f"]d201{GTIN[:-1]}71727063010B4655A")  # a misread check digit
    qtbot.keyClick(dialog.lot, Qt.Key.Key_Return)
    error = dialog.errors["lot_number"]
    assert error.isVisible() and "wrong check digit" in error.text()
    assert dialog.expiry.value() != date(2027, 6, 30)
    assert dialog.isVisible()


def test_a_typed_lot_number_is_left_alone(qtbot, dialog: VialDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(dialog.lot, "C7421A3")
    dialog.lot.editingFinished.emit()
    assert dialog.lot.text() == "C7421A3"
    status = dialog.findChild(type(dialog.concentration), "vial_scan_status")
    assert status is not None and not status.isVisible()
    assert not dialog.errors["lot_number"].isVisible()
