"""Vials: the dialog, the concentration, expired lots needing a reason; totals and dose warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from clinicrec.db.models import AcknowledgementRow, VialRow
from clinicrec.domain import facemap
from clinicrec.domain.enums import DoseBasis, Zone
from clinicrec.ui.figures import plain
from clinicrec.ui.session.editor import Dose
from clinicrec.ui.session.vial_dialog import VialDialog
from tests.conftest import make_vial

from .conftest import status_of

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def fill_botox_vial(dlg: VialDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A Botox Cosmetic 100 U vial in 2.5 mL, lot C1234AB, expiring 2030-01-31, typed into the dialog."""
    dlg.product.setCurrentIndex(dlg.product.findText("Botox Cosmetic", Qt.MatchFlag.MatchStartsWith))
    dlg.vial_units.setValue(100)
    dlg.diluent_ml.setValue(2.5)
    qtbot.keyClicks(dlg.lot, "C1234AB")
    dlg.expiry.setDate(date(2030, 1, 31))


def test_open_a_vial_in_the_dialog(services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    dlg = VialDialog(None, services, prompts)
    qtbot.addWidget(dlg)
    assert dlg.tabs.currentIndex() == 1  # nothing open today: straight to "Open a new vial"
    fill_botox_vial(dlg, qtbot)
    assert plain(dlg.concentration.text()) == "4 U/0.1 mL (40 U/mL)"
    dlg.lidocaine_ml.setValue(0.5)
    assert plain(dlg.concentration.text()) == "3.333 U/0.1 mL (33.333 U/mL)"
    dlg.lidocaine_ml.setValue(0)
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert dlg.result() == VialDialog.DialogCode.Accepted
    assert dlg.chosen is not None and dlg.chosen.vial.concentration.label() == "4 U/0.1 mL (40 U/mL)"
    with services.db.read() as s:
        [row] = s.execute(select(VialRow)).scalars().all()
        assert (row.lot_number, row.vial_units, row.diluent_ml) == ("C1234AB", 100, 2.5)


def test_a_reconstitution_typed_in_the_future_is_refused_beside_its_field(services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A day and a month swapped: said beside "Reconstituted", the dialog stays open, nothing recorded."""
    dlg = VialDialog(None, services, prompts)
    qtbot.addWidget(dlg)
    fill_botox_vial(dlg, qtbot)
    now = services.ctx.clock()
    dlg.reconstituted_at.set_moment(now + timedelta(days=30))
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is None and dlg.result() != VialDialog.DialogCode.Accepted
    message = dlg.errors["reconstituted_at"].text()
    assert "in the future" in message and "check the day and the month" in message
    with services.db.read() as s:
        assert s.execute(select(VialRow)).scalars().all() == []


def test_vial_dialog_shows_errors_next_to_fields(services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    dlg = VialDialog(None, services, prompts)
    qtbot.addWidget(dlg)
    dlg.expiry.setDate(date(2030, 1, 31))
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is None
    assert "Lot number is required" in dlg.errors["lot_number"].text()


def test_vial_dialog_lists_vials_open_today(services, prompts, qtbot, vial) -> None:  # type: ignore[no-untyped-def]
    dlg = VialDialog(None, services, prompts)
    qtbot.addWidget(dlg)
    assert dlg.tabs.currentIndex() == 0
    assert dlg.today_model.rowCount() == 1
    qtbot.mouseClick(dlg.use_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is not None and dlg.chosen.vial.id == vial.id


def test_concentration_stays_visible_above_the_map(window) -> None:  # type: ignore[no-untyped-def]
    assert window.ui.vial_panel.concentration_text() == "4 U/0.1 mL (40 U/mL)"
    assert "4 U/0.1 mL" in window.ui.vial_panel.concentration.text()
    assert window.ui.vial_panel.concentration.isVisible()


@pytest.fixture
def app_sheet(qapp):  # type: ignore[no-untyped-def]
    """The application's style sheet (as ``apply_style`` sets it), for this test only."""
    from clinicrec.ui.style import STYLESHEET

    before = qapp.styleSheet()
    qapp.setStyleSheet(STYLESHEET)
    yield
    qapp.setStyleSheet(before)


def test_the_vial_in_use_is_described_whole_expiry_included(app_sheet, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """At 1280x800 the vial card showed "Reconstituted ..." cut in half and its expiry not at all: its
    details label was given the normal font (a role styled at once overrode the smaller one the card asks
    for) and was clipped. Every line of it now shows, in the card's smaller type."""
    panel = window.ui.vial_panel
    qtbot.waitUntil(lambda: "Expires" in panel.details.text(), timeout=5_000)
    details = panel.details
    assert details.font().pointSizeF() < panel.font().pointSizeF()  # as the card sets it
    assert details.height() >= details.heightForWidth(details.width())  # not one line cut off
    visible = details.visibleRegion().boundingRect()
    assert visible.height() >= details.heightForWidth(details.width())


def test_expired_vial_needs_a_reason_recorded_in_db(open_window, services, prompts, world) -> None:  # type: ignore[no-untyped-def]
    world.clock.set(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    old = make_vial(
        services, when=datetime(2026, 3, 9, 9, 0, tzinfo=UTC), expiry=date(2026, 3, 9), lot="OLD1"
    )
    w = open_window()
    prompts.queue(None)  # cancelled: the vial is not used
    assert not w.safety.use_vial(status_of(services, old))
    assert w.editor.active_vial() is None
    prompts.queue("Only lot in stock; prescriber agreed", "Kept at 2-8 °C; within the clinic's 4-week policy")
    assert w.safety.use_vial(status_of(services, old))
    w.editor.place(*facemap.zone_centroid(Zone.FOREHEAD))
    w.controller.flush()
    with services.db.read() as s:
        acks = {(a.kind, a.reason) for a in s.execute(select(AcknowledgementRow)).scalars()}
    assert acks == {
        ("expired_lot", "Only lot in stock; prescriber agreed"),
        ("old_reconstitution", "Kept at 2-8 °C; within the clinic's 4-week policy"),
    }
    items = w.ui.totals.warnings.items()
    assert {i.severity for i in items} == {"ok"}
    assert any("expired on 2026-03-09" in i.message for i in items)


def test_totals_per_product_never_summed(open_window, services, vial) -> None:  # type: ignore[no-untyped-def]
    xeomin = make_vial(services, brand="Xeomin", diluent_ml=5.0, lot="X99")
    w = open_window()
    w.safety.use_vial(status_of(services, vial))
    w.editor.grid_fill(Zone.NOSE, 1.0)
    w.safety.use_vial(status_of(services, xeomin))
    w.editor.default_dose = Dose(DoseBasis.UNITS, 0.5)
    w.editor.grid_fill(Zone.CHIN, 1.0)
    rows = w.totals_model.rows()
    headings = [r.label for r in rows if r.kind == "product"]
    assert headings[0].startswith("Botox Cosmetic") and headings[1].startswith("Xeomin")
    totals = [(r.points, r.units) for r in rows if r.kind == "total"]
    nose, chin = len(facemap.grid_fill(Zone.NOSE, 1.0)), len(facemap.grid_fill(Zone.CHIN, 1.0))
    assert totals == [(nose, pytest.approx(0.4 * nose)), (chin, pytest.approx(0.5 * chin))]
    assert sum(1 for r in rows if r.kind == "total") == 2  # one per product, no grand total
    colours = {d.colour for d in w.map.dots()}
    assert len(colours) == 2  # dots coloured per vial


def test_over_maximum_and_shortfall_are_flagged(open_window, services) -> None:  # type: ignore[no-untyped-def]
    xeomin = make_vial(services, brand="Xeomin", units=200, diluent_ml=5.0, lot="X200")
    w = open_window()
    w.safety.use_vial(status_of(services, xeomin))
    w.editor.default_dose = Dose(DoseBasis.UNITS, 11)
    w.editor.grid_fill(Zone.FOREHEAD, 1.0)  # 39 points x 11 U = 429 U
    w.controller.flush()
    messages = w.ui.totals.warnings.messages()
    assert any("above the maximum of 400 U per session" in m for m in messages)
    assert any("has 200 U left" in m for m in messages)
    [total] = [r for r in w.totals_model.rows() if r.kind == "total"]
    assert total.alert
    assert w.ui.totals.warnings.isVisible()


def test_the_dialog_records_a_new_vial_on_the_worker(services, prompts, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Recording a vial (its reads and audited write: 20-35 ms of Python on the 100k demo) ran on the GUI
    thread, stalling the window behind the dialog; with the window's worker it runs there, the dialog
    disabled (not closed) meanwhile, and a refused vial's errors still go beside their fields."""
    import threading

    from clinicrec.ui.worker import Worker

    pool = Worker()
    started, gate, on_gui = threading.Event(), threading.Event(), []
    real = services.vials.open_vial

    def held(vial):  # type: ignore[no-untyped-def]
        on_gui.append(threading.current_thread() is threading.main_thread())
        started.set()
        assert gate.wait(30)
        return real(vial)

    monkeypatch.setattr(services.vials, "open_vial", held)
    dlg = VialDialog(None, services, prompts, pool)
    qtbot.addWidget(dlg)
    dlg.expiry.setDate(date(2030, 1, 31))
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)  # no lot: refused by the service
    assert started.wait(30)
    gate.set()
    qtbot.waitUntil(lambda: not dlg.opening, timeout=10_000)
    assert dlg.chosen is None and dlg.isEnabled()
    assert "Lot number is required" in dlg.errors["lot_number"].text()

    started.clear()
    gate.clear()
    qtbot.keyClicks(dlg.lot, "C1234AB")
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert started.wait(30)
    assert dlg.opening and not dlg.isEnabled()
    rejected: list[bool] = []
    dlg.rejected.connect(lambda: rejected.append(True))
    dlg.reject()  # Esc while the vial is recorded: it is used, the dialog closes once it is
    assert rejected == [] and dlg.opening
    gate.set()
    qtbot.waitUntil(lambda: dlg.chosen is not None, timeout=10_000)
    assert dlg.result() == VialDialog.DialogCode.Accepted and on_gui == [False, False]
    assert dlg.chosen.vial.lot_number == "C1234AB"
    pool.wait()
