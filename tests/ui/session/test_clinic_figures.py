"""Issue 14, "one format per kind of figure" and "dates in the clinic's format", in the charting window:
units to the clinic's dose precision with one number of decimals per column ('16.0 U' beside '15.5 U',
never '16 U'), concentrations as '4 U/0.1 mL', an empty date's message giving its example in the
clinic's format, and a long point note that does not make the points table scroll sideways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clinicrec.domain import facemap
from clinicrec.domain.date_text import DateOrder
from clinicrec.domain.enums import DoseBasis, Zone
from clinicrec.domain.validation import POINT_NOTE_MAX
from clinicrec.ui.date_format import set_clinic_formats
from clinicrec.ui.session.editor import Dose
from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(autouse=True)
def iso_after(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    set_clinic_formats(DateOrder.ISO)  # leave the process as other tests expect it


def _column(model, title: str) -> int:  # type: ignore[no-untyped-def]
    return next(
        c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == title
    )


def _cells(model, title: str) -> list[str]:  # type: ignore[no-untyped-def]
    c = _column(model, title)
    return [model.index(r, c).data() for r in range(model.rowCount())]


def _place(window, zone: Zone, units: float) -> int:  # type: ignore[no-untyped-def]
    window.editor.default_dose = Dose(DoseBasis.UNITS, units)
    uid = window.editor.place(*facemap.zone_centroid(zone))
    assert uid is not None
    return uid


@pytest.mark.parametrize(("step", "first", "second"), [(0.5, "15.5 U", "16.0 U"), (1.0, "15.5 U", "16.0 U")])
def test_the_units_column_has_one_format_at_the_clinics_precision(window, step, first, second) -> None:  # type: ignore[no-untyped-def]
    set_clinic_formats(DateOrder.ISO, step)
    _place(window, Zone.FOREHEAD, 15.5)
    _place(window, Zone.CHIN, 16)
    assert _cells(window.points_model, "Dose") == [first, second]  # never "16 U" beside "15.5 U"
    # 15.5 U at 40 U/mL is 0.3875 mL: the column shows the finer figure whole, and 0.4 mL alike
    assert _cells(window.points_model, "Volume") == ["0.3875 mL", "0.4000 mL"]
    totals = window.totals_model
    rows = dict(zip(_cells(totals, "Area"), _cells(totals, "Units"), strict=True))
    assert rows["Forehead"] == "15.5 U" and rows["Chin"] == "16.0 U" and rows["Session total"] == "31.5 U"
    assert window.ui.totals.summary.text().startswith("Botox Cosmetic: 31.5 U · 0.7875 mL in 2 points")


def test_whole_doses_keep_the_precisions_decimals(window) -> None:  # type: ignore[no-untyped-def]
    set_clinic_formats(DateOrder.ISO, 0.5)
    _place(window, Zone.FOREHEAD, 2)
    _place(window, Zone.CHIN, 4)
    assert _cells(window.points_model, "Dose") == ["2.0 U", "4.0 U"]
    assert _cells(window.points_model, "Volume") == ["0.05 mL", "0.10 mL"]  # the syringe's 0.01 mL marks
    set_clinic_formats(DateOrder.ISO, 0.25)  # a change of the clinic's precision shows at once
    assert _cells(window.points_model, "Dose") == ["2.00 U", "4.00 U"]
    window.presenter.refresh_totals()
    assert (
        dict(zip(_cells(window.totals_model, "Area"), _cells(window.totals_model, "Units"), strict=True))[
            "Session total"
        ]
        == "6.00 U"
    )


def test_concentrations_read_as_units_per_tenth_of_a_millilitre(window) -> None:  # type: ignore[no-untyped-def]
    _place(window, Zone.FOREHEAD, 0.4)
    model = window.points_model
    c = _column(model, "Conc.")
    assert model.index(0, c).data() == "4 U/0.1 mL"
    assert (
        model.index(0, c).data(Qt.ItemDataRole.ToolTipRole) == "Botox Cosmetic C1234AB\n4 U/0.1 mL (40 U/mL)"
    )


def test_with_two_products_each_point_names_its_product(window, services) -> None:  # type: ignore[no-untyped-def]
    """Units of one toxin are not units of another: once a session draws from two products, the points
    table says which product each dose is (with one product the window's header names it)."""
    from tests.conftest import make_vial

    from .conftest import status_of

    _place(window, Zone.FOREHEAD, 0.4)
    c = _column(window.points_model, "Conc.")
    assert window.points_model.index(0, c).data() == "4 U/0.1 mL"
    dysport = make_vial(services, brand="Dysport", units=300, diluent_ml=1.5, lot="D300-88X")
    assert window.safety.use_vial(status_of(services, dysport))
    _place(window, Zone.CHIN, 10)
    cells = _cells(window.points_model, "Conc.")
    assert cells[0] == "Botox Cosmetic · 4 U/0.1 mL" and cells[1] == "Dysport · 20 U/0.1 mL"
    # the vial chooser that two vials bring does not squeeze the dose's equivalent into a clipped column
    panel = window.ui.vial_panel
    QApplication.processEvents()
    assert panel.vial_combo.isVisible()
    derived = panel.default_dose.derived
    assert derived.text().startswith("=") and derived.height() >= derived.heightForWidth(derived.width())
    assert "20\u00a0U/\u20600.1\u00a0mL" in derived.text()  # a wrap never splits a figure from its unit


# -- dates: an empty date's message gives the example in the clinic's format ------------------------------
@pytest.fixture
def signed_id(window, prompts) -> int:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert window.session_id is not None
    return window.session_id


@pytest.mark.parametrize(
    ("order", "example"),
    [
        (DateOrder.DAY_FIRST, "30/06/2027"),
        (DateOrder.MONTH_FIRST, "06/30/2027"),
        (DateOrder.ISO, "2027-06-30"),
    ],
)
def test_an_empty_adverse_event_date_shows_the_clinics_example(
    services, prompts, qtbot, signed_id, order, example
) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.session.adverse_event_dialog import AdverseEventDialog

    set_clinic_formats(order)
    dlg = AdverseEventDialog(None, services, prompts, signed_id)
    qtbot.addWidget(dlg)
    dlg.onset.setDate(None)
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.saved is None
    assert dlg.errors["onset"].text() == f"Onset date: type the date as {example}"


def test_an_empty_follow_up_date_shows_the_clinics_example(services, prompts, qtbot, signed_id) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.session.follow_up import FollowUpDialog

    set_clinic_formats(DateOrder.DAY_FIRST)
    dlg = FollowUpDialog(None, services, prompts, signed_id)
    qtbot.addWidget(dlg)
    dlg.assessed_on.setDate(None)
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.saved is None
    assert dlg.errors["assessed_on"].text() == "Assessment date: type the date as 30/06/2027"


def test_an_empty_export_range_shows_the_clinics_example(world, qtbot, prompts, worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.interop.export_dialog import ExportDialog

    set_clinic_formats(DateOrder.MONTH_FIRST)
    world.as_(world.admin)
    dialog = ExportDialog(world.services, prompts, worker)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "x.json"))
    dialog.range_radio.setChecked(True)
    dialog.start_edit.setDate(None)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "Type both dates of the range, for example 06/30/2027."


# -- the points list at 1280x800 ---------------------------------------------------------------------------
def test_a_long_note_does_not_make_the_points_table_scroll_sideways(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    note = ("Patient flinched; slight bleeding, pressure applied, settled within two minutes " * 2)[
        :POINT_NOTE_MAX
    ].strip()
    uid = _place(window, Zone.CHEEK_LEFT, 0.4)
    _place(window, Zone.FOREHEAD, 0.4)
    assert window.editor.set_note([uid], note) == 1
    window.resize(1280, 800)
    view = window.ui.totals.points_view
    window.ui.totals.tabs.setCurrentWidget(view)
    QApplication.processEvents()
    header = view.horizontalHeader()
    assert header.length() <= view.viewport().width()  # every column within the table's width
    assert view.horizontalScrollBar().maximum() == 0 and not view.horizontalScrollBar().isVisible()
    model = window.points_model
    c = _column(model, "Note")
    cell = model.index(0, c)
    assert cell.data() == note  # elided on screen, whole in the model
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == note  # and in the tooltip
    assert header.sectionSize(c) < view.fontMetrics().horizontalAdvance(note)  # elided: it did not fit


def test_what_is_left_in_the_vials_open_today_reads_alike(qtmodeltester, services, vial) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from datetime import date

    from clinicrec.ui.session.models import VialStatusModel

    from .conftest import status_of

    set_clinic_formats(DateOrder.DAY_FIRST, 0.5)
    st = status_of(services, vial)
    model = VialStatusModel(date.today())
    model.set_rows([st, replace(st, units_drawn=16.5), replace(st, units_drawn=0.25)])
    qtmodeltester.check(model)
    assert _cells(model, "Left") == ["100.00 U", "83.50 U", "99.75 U"]  # one format, finer digits kept
    assert _cells(model, "Product") == ["Botox Cosmetic 100 U"] * 3  # the vial's size as the carton names it
    assert _cells(model, "Concentration") == ["4 U/0.1 mL"] * 3
    assert _cells(model, "Use by")[0][2] == "/"  # day first: dd/mm/yyyy hh:mm


def test_instrument_readings_before_and_after_read_alike() -> None:
    from clinicrec.ui.figures import readings

    assert readings(120, 95.5) == ("120.0", "95.5")  # never "120 → 95.5"
    assert readings(12, 9) == ("12", "9")
    assert readings(None, 0.125) == ("—", "0.125")


def test_a_follow_ups_readings_and_date_follow_the_clinics_formats(qapp) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from clinicrec.domain.enums import TimePoint
    from clinicrec.domain.models import Assessment
    from clinicrec.domain.scales import CURRENT_SCALE_VERSION
    from clinicrec.ui.session.follow_ups_panel import follow_up_text

    set_clinic_formats(DateOrder.DAY_FIRST)
    base = Assessment(TimePoint.BASELINE, date(2027, 5, 2), 3, 2, 1, CURRENT_SCALE_VERSION, sebum_ug_cm2=120)
    after = Assessment(TimePoint.WEEK_4, date(2027, 6, 30), 2, 1, 1, CURRENT_SCALE_VERSION, sebum_ug_cm2=95.5)
    text = follow_up_text(base, after)
    assert "30/06/2027" in text
    assert "Sebumeter 120.0 → 95.5 µg/cm²" in text


def test_before_a_vial_the_dose_line_says_only_what_is_missing(open_window) -> None:  # type: ignore[no-untyped-def]
    """A new session has no vial yet: the vial panel says so ('No vial · Choose the vial first'), and the
    dose lines no longer repeat the dose with '(no vial yet)' cut off after it ('0.4 U (no')."""
    window = open_window()
    QApplication.processEvents()
    assert "No vial" in window.ui.vial_panel.concentration_text()
    assert window.ui.vial_panel.default_dose.derived.text() == ""
    assert window.ui.tools.selected_dose.derived.text() == ""
    hint = window.ui.hover_label
    assert hint.width() >= hint.fontMetrics().horizontalAdvance(hint.text())  # the map's hint whole
