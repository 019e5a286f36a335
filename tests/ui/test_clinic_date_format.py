"""Issue 14: dates are typed and shown in the clinic's chosen format. The format is a clinic setting
(Admin > Clinic settings, administrators only, audited); every date field and date display follows it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime

from clinicrec.domain.date_text import DateOrder
from clinicrec.domain.errors import PermissionDenied, ValidationError
from clinicrec.services import audit
from clinicrec.services.audit_log import AuditFilters
from clinicrec.ui.admin.clinic_settings_dialog import ClinicSettingsDialog
from clinicrec.ui.changes import ChangeBus
from clinicrec.ui.date_format import clinic_date_order, clinic_units_step, follow_clinic, set_clinic_formats
from clinicrec.ui.patients.patient_editor import PatientEditor
from clinicrec.ui.patients.patient_list_model import DATE_OF_BIRTH, PatientListModel
from clinicrec.ui.reports.filter_bar import FilterBar
from clinicrec.ui.session.details_form import SessionDetailsForm
from tests.conftest import World

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(autouse=True)
def iso_after(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    set_clinic_formats(DateOrder.ISO)  # leave the process as other tests expect it


def test_an_administrator_sets_the_date_format_and_it_is_audited(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    admin = world.as_(world.admin)
    dialog = ClinicSettingsDialog(admin, prompts, admin.clinic.get())
    qtbot.addWidget(dialog)
    assert dialog.date_order.currentData() is DateOrder.ISO and dialog.units_step.currentData() == 0.1
    dialog.date_order.setCurrentIndex(dialog.date_order.findData(DateOrder.DAY_FIRST))
    dialog.units_step.setCurrentIndex(dialog.units_step.findData(0.5))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    stored = admin.clinic.get()
    assert (stored.date_order, stored.units_step) == (DateOrder.DAY_FIRST, 0.5)
    assert (admin.clinic.date_order(), admin.clinic.units_step()) == (DateOrder.DAY_FIRST, 0.5)
    [entry] = admin.audit_log.search(AuditFilters(entity="clinic"), limit=1)
    changed = {c.field: (c.old, c.new) for c in entry.changes}
    assert changed["date_order"] == ("iso", "dmy") and changed["units_step"] == (0.1, 0.5)
    with world.services.db.read() as s:
        assert audit.verify(s).ok  # the new settings are proven like every other clinic setting


def test_only_an_administrator_may_change_it_and_a_bad_value_names_the_field(world: World) -> None:
    settings = world.as_(world.admin).clinic.get()
    for actor in (world.injector, world.manager):
        with pytest.raises(PermissionDenied):
            world.as_(actor).clinic.update(replace(settings, date_order=DateOrder.MONTH_FIRST))
    admin = world.as_(world.admin)
    with pytest.raises(ValidationError) as e:
        admin.clinic.update(replace(settings, units_step=0.3))
    assert (
        e.value.errors[0].field == "units_step" and "0.1 U, 0.25 U, 0.5 U, 1 U" in e.value.errors[0].message
    )
    with pytest.raises(ValidationError) as e:
        admin.clinic.update(replace(settings, date_order="ymd"))  # type: ignore[arg-type]
    assert e.value.errors[0].field == "date_order" and "Day first (03/04/1985)" in e.value.errors[0].message


def test_the_application_follows_the_setting_as_soon_as_it_is_saved(world: World) -> None:
    admin = world.as_(world.admin)
    bus = ChangeBus()
    admin.subscribe(bus.publish)
    follow_clinic(admin, bus)
    assert clinic_date_order() is DateOrder.ISO and clinic_units_step() == 0.1
    admin.clinic.update(replace(admin.clinic.get(), date_order=DateOrder.MONTH_FIRST, units_step=1.0))
    assert clinic_date_order() is DateOrder.MONTH_FIRST and clinic_units_step() == 1.0


@pytest.mark.parametrize(
    ("order", "typed", "shown"),
    [
        (DateOrder.ISO, "1985-04-03", "1985-04-03"),
        (DateOrder.DAY_FIRST, "03/04/1985", "03/04/1985"),
        (DateOrder.MONTH_FIRST, "04/03/1985", "04/03/1985"),
        (DateOrder.DAY_FIRST, "1985-04-03", "03/04/1985"),  # year-month-day is always understood
    ],
)
def test_the_patient_editor_reads_and_shows_the_birth_date_in_the_clinics_format(  # type: ignore[no-untyped-def]
    qtbot, world: World, prompts, order, typed, shown
) -> None:
    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), date_order=order))
    services = world.as_(world.injector)
    editor = PatientEditor(services, prompts)  # no order given: the clinic's
    qtbot.addWidget(editor)
    qtbot.keyClicks(editor.first_name, "Ada")
    qtbot.keyClicks(editor.last_name, "Lovelace")
    qtbot.keyClicks(editor.date_of_birth, typed)
    assert editor.save() and editor.saved is not None
    assert editor.saved.date_of_birth == date(1985, 4, 3)
    again = PatientEditor(services, prompts, editor.saved)
    qtbot.addWidget(again)
    assert again.date_of_birth.text() == shown
    set_clinic_formats(order)
    model = PatientListModel(services, page_size=10)
    model.set_query("Lovelace")
    assert model.data(model.index(0, DATE_OF_BIRTH)) == shown


def test_a_bad_birth_date_says_what_is_wrong_in_the_clinics_format(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = PatientEditor(world.services, prompts, date_order=DateOrder.MONTH_FIRST)
    qtbot.addWidget(editor)
    qtbot.keyClicks(editor.first_name, "Ada")
    qtbot.keyClicks(editor.last_name, "Lovelace")
    qtbot.keyClicks(editor.date_of_birth, "02/30/1985")
    assert not editor.save()
    assert editor.error_for("date_of_birth") == "“02/30/1985”: February 1985 has 28 days."


@pytest.mark.parametrize(
    ("order", "text"),
    [
        (DateOrder.ISO, "2026-06-30  09:15"),
        (DateOrder.DAY_FIRST, "30/06/2026  09:15"),
        (DateOrder.MONTH_FIRST, "06/30/2026  09:15"),
    ],
)
def test_the_session_date_and_time_follow_the_clinics_format(qtbot, order: DateOrder, text: str) -> None:  # type: ignore[no-untyped-def]
    set_clinic_formats(order)
    form = SessionDetailsForm()
    qtbot.addWidget(form)
    form.performed_at.setDateTime(QDateTime(QDate(2026, 6, 30), QTime(9, 15)))
    assert form.performed_at.text() == text
    typed = text.replace("30", "29").replace("09:15", "10:45")  # what the box reads from typed text
    assert form.performed_at.dateTimeFromText(typed).toPython() == datetime(2026, 6, 29, 10, 45)


def test_report_dates_are_typed_in_the_clinics_format(qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.report_types import FilterOptions

    set_clinic_formats(DateOrder.MONTH_FIRST)
    bar = FilterBar(FilterOptions((), (), False), date(2026, 5, 20))
    qtbot.addWidget(bar)
    bar.start.line.clear()
    qtbot.keyClicks(bar.start.line, "03/04/2026")
    bar.end.line.clear()
    qtbot.keyClicks(bar.end.line, "04/30/2026")
    f = bar.filters()
    assert (f.start, f.end) == (date(2026, 3, 4), date(2026, 4, 30))
    bar.end.line.clear()
    qtbot.keyClicks(bar.end.line, "30/04/2026")  # day first in a month-first clinic: refused, saying why
    assert "there is no month 30" in bar.end.error_text()


def test_the_follow_up_list_shows_dates_in_the_clinics_format() -> None:
    from clinicrec.ui.follow_ups_due import _columns

    set_clinic_formats(DateOrder.DAY_FIRST)
    columns = {c.title: c for c in _columns()}

    class Row:
        due_on = date(2026, 7, 1)
        performed_on = date(2026, 6, 17)

    assert columns["Due"].text(Row()) == "01/07/2026"  # type: ignore[arg-type]
    assert columns["Session"].text(Row()) == "17/06/2026"  # type: ignore[arg-type]


@pytest.mark.parametrize(("step", "shown"), [(0.1, ["16.0 U", "15.6 U"]), (1.0, ["16 U", "16 U"])])
def test_a_units_column_of_a_report_table_has_one_format(qtbot, qtmodeltester, step, shown) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: never "16 U" beside "15.6 U"; the clinic's precision sets the decimals of the column."""
    from clinicrec.domain.report_types import ProductTotal
    from clinicrec.ui.reports.columns import PRODUCT_COLUMNS
    from clinicrec.ui.rows_model import RowsModel

    set_clinic_formats(DateOrder.ISO, step)
    model = RowsModel(
        PRODUCT_COLUMNS, [ProductTotal("Botox Cosmetic", 2, 3, 16, 1), ProductTotal("Xeomin", 2, 3, 15.6, 1)]
    )
    qtmodeltester.check(model)
    assert [model.data(model.index(r, 1)) for r in range(2)] == shown


def test_the_patient_chart_history_writes_totals_to_the_clinics_precision() -> None:
    from clinicrec.domain.dosing import DoseTotal
    from clinicrec.ui.patients.history_model import format_total

    set_clinic_formats(DateOrder.ISO, 0.1)
    assert (
        format_total("Botox Cosmetic", DoseTotal(16, 0.4, 40))
        == "Botox Cosmetic 16.0 U · 0.40 mL · 40 points"
    )
    assert (
        format_total("Botox Cosmetic", DoseTotal(15.6, 0.39, 1))
        == "Botox Cosmetic 15.6 U · 0.39 mL · 1 point"
    )
    set_clinic_formats(DateOrder.ISO, 0.5)
    assert format_total("Dysport", DoseTotal(21, 0.175, 35)) == "Dysport 21.0 U · 0.175 mL · 35 points"


def test_the_printed_record_carries_the_clinics_date_format(world: World) -> None:
    """The chart PDF is built from the session record: it carries the clinic's date format."""
    from clinicrec.domain.enums import Zone
    from tests.conftest import make_patient, make_vial
    from tests.services.test_charting import chart, grid

    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), date_order=DateOrder.DAY_FIRST))
    services = world.as_(world.injector)
    patient = make_patient(services, first_name="Ada", last_name="Lovelace")
    draft = services.charting.save_draft(chart(world, patient, grid(make_vial(services), 2, 4, Zone.CHIN)))
    assert draft.id is not None
    record = services.records.record(draft.id)
    assert record.date_order is DateOrder.DAY_FIRST


def test_a_stored_instant_shows_the_clinics_date_and_time_not_utcs(qapp, world: World) -> None:  # type: ignore[no-untyped-def]
    """Records keep instants in UTC; the screen shows the clinic's day and clock: a Los Angeles photo
    taken at 20:30 on 1 June is stored as 03:30 UTC on the 2nd. A wall-clock time (no zone) is shown as
    it is. The zone follows the clinic's settings."""
    from datetime import UTC

    from clinicrec.ui.date_format import clinic_zone_name, date_text, utc_clock_text, wall_clock_text

    admin = world.as_(world.admin)
    admin.clinic.update(
        replace(admin.clinic.get(), date_order=DateOrder.DAY_FIRST, time_zone="America/Los_Angeles")
    )
    follow_clinic(admin, ChangeBus())
    assert clinic_zone_name() == "America/Los_Angeles"
    stored = datetime(2026, 6, 2, 3, 30, tzinfo=UTC)
    assert date_text(stored) == "01/06/2026"
    assert wall_clock_text(stored) == "01/06/2026 20:30"
    assert wall_clock_text(datetime(2026, 6, 2, 3, 30)) == "02/06/2026 03:30"  # already the clinic's clock
    assert utc_clock_text(stored) == "02/06/2026 03:30"  # for the audit entry's line that says UTC
    set_clinic_formats(DateOrder.DAY_FIRST)
    assert clinic_zone_name() == "UTC" and date_text(stored) == "02/06/2026"
