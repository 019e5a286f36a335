"""Patients: search as you type, sorting, lazy loading, the editor with its errors, the chart and timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import insert, select

from clinicrec.db.models import AuditRow, PatientRow
from clinicrec.domain.enums import Indication, Sex, TimePoint, Zone
from clinicrec.domain.models import (
    Assessment,
    Consent,
    InjectionPoint,
    Patient,
    SafetyScreening,
    TreatmentSession,
)
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services.mapping import patient_values
from clinicrec.services.records import Trend
from clinicrec.ui.patients.history_model import HistoryModel, describe, trend_text
from clinicrec.ui.patients.patient_chart import PatientChart
from clinicrec.ui.patients.patient_editor import PatientEditor
from clinicrec.ui.patients.patient_list import NAME_LEAST_CHARS, PatientListPanel
from clinicrec.ui.patients.patient_list_model import (
    CHART_NUMBER,
    DATE_OF_BIRTH,
    NAME,
    PAGE_SIZE,
    PHONE,
    SCREENING,
    PatientListModel,
)
from tests.conftest import PASSWORD, World, make_patient, make_vial

# The offscreen platform (headless test runs) cannot pass a window's size hints on; Qt says so on every
# top-level resize. It is not a warning about this code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _zoe(world: World) -> Patient:
    return make_patient(
        world.services,
        first_name="Zoë",
        last_name="Ñúñez-Øster",
        date_of_birth=date(1988, 7, 21),
        chart_number="CR-000777",
        screening=SafetyScreening(recent_toxin=True, milk_protein_allergy=True),
    )


def _bulk_patients(world: World, n: int) -> None:
    """Many patients at once, straight into the table (test data, not the behaviour under test)."""
    now = world.clock()
    rows = [
        dict(
            patient_values(
                Patient(
                    f"First{i:04d}",
                    f"Last{i:04d}",
                    date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                    f"B-{i:05d}",
                    Sex.FEMALE,
                )
            ),
            created_at=now,
            updated_at=now,
            version=1,
        )
        for i in range(n)
    ]
    with world.services.db.write() as s, s.begin():
        s.execute(insert(PatientRow), rows)


@pytest.fixture
def panel(qtbot, world: World, bus) -> PatientListPanel:  # type: ignore[no-untyped-def]
    for first, last, born in (
        ("Ada", "Lovelace", date(1985, 3, 14)),
        ("Grace", "Hopper", date(1976, 12, 9)),
        ("Zoey", "Adams", date(1990, 1, 2)),
    ):
        make_patient(world.services, first_name=first, last_name=last, date_of_birth=born)
    _zoe(world)
    widget = PatientListPanel(world.services, bus)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _names(model: PatientListModel) -> list[str]:
    return [model.index(r, NAME).data() for r in range(model.rowCount())]


# -- the list ------------------------------------------------------------------------------------------
def test_list_shows_every_patient_sorted_by_name(panel: PatientListPanel) -> None:
    assert _names(panel.model) == ["Adams, Zoey", "Hopper, Grace", "Lovelace, Ada", "Ñúñez-Øster, Zoë"]
    assert panel.count_label.text() == "4 patients"


def test_search_as_you_type_is_accent_insensitive(qtbot, panel: PatientListPanel) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(panel.search_edit, "zoe")
    qtbot.waitUntil(lambda: panel.model.query == "zoe")
    assert _names(panel.model) == ["Adams, Zoey", "Ñúñez-Øster, Zoë"]  # every name starting "zoe"
    qtbot.keyClicks(panel.search_edit, " n")
    qtbot.waitUntil(lambda: panel.model.query == "zoe n")
    assert _names(panel.model) == ["Ñúñez-Øster, Zoë"]
    panel.search_edit.clear()
    qtbot.keyClicks(panel.search_edit, "nunez")
    qtbot.waitUntil(lambda: panel.model.query == "nunez")
    assert _names(panel.model) == ["Ñúñez-Øster, Zoë"]
    assert "1 patient matching" in panel.count_label.text()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("CR-000777", ["Ñúñez-Øster, Zoë"]),
        ("cr-0007", ["Ñúñez-Øster, Zoë"]),
        ("1976-12-09", ["Hopper, Grace"]),
        ("09/12/1976", ["Hopper, Grace"]),
        ("ada lovelace", ["Lovelace, Ada"]),
        ("nobody", []),
    ],
)
def test_search_by_chart_number_date_of_birth_and_name(
    panel: PatientListPanel, query: str, expected: list[str]
) -> None:
    panel.search_edit.setText(query)
    panel.search_now()
    assert _names(panel.model) == expected
    if not expected:
        assert "No patient matches" in panel.count_label.text()


def test_sorting_by_header(qtbot, panel: PatientListPanel) -> None:  # type: ignore[no-untyped-def]
    header = panel.table.horizontalHeader()
    header.setSortIndicator(DATE_OF_BIRTH, Qt.SortOrder.AscendingOrder)
    assert [panel.model.index(r, DATE_OF_BIRTH).data() for r in range(4)] == [
        "1976-12-09",
        "1985-03-14",
        "1988-07-21",
        "1990-01-02",
    ]
    header.setSortIndicator(NAME, Qt.SortOrder.DescendingOrder)
    assert _names(panel.model)[0] == "Ñúñez-Øster, Zoë"
    header.setSortIndicator(CHART_NUMBER, Qt.SortOrder.DescendingOrder)
    assert panel.model.index(0, CHART_NUMBER).data() == "T-00003"  # 'T-' sorts after 'CR-'
    header.setSortIndicator(3, Qt.SortOrder.AscendingOrder)  # phone: not sortable, order kept
    assert (header.sortIndicatorSection(), panel.model.sort_column) == (CHART_NUMBER, CHART_NUMBER)


def test_a_narrow_list_gives_the_phone_column_up(qtbot, panel: PatientListPanel) -> None:  # type: ignore[no-untyped-def]
    """At the main window's least width (1,024 pixels) the list is some 430 pixels wide: with every
    column at its width the names were cut to two letters ("An…"). The phone column gives way instead,
    and comes back when there is room; the other columns keep their widths through it all."""
    header = panel.table.horizontalHeader()
    least = panel.fontMetrics().horizontalAdvance("0") * NAME_LEAST_CHARS
    widths = [header.sectionSize(c) for c in (CHART_NUMBER, DATE_OF_BIRTH, SCREENING)]
    phone = 0
    steps = ((700, True), (440, False), (300, False), (700, True), (440, False), (900, True))
    for width, phone_shown in steps:
        panel.resize(width, 500)
        qtbot.waitUntil(lambda w=width: abs(panel.table.width() - (w - 12)) <= 8)  # type: ignore[misc]
        assert header.isSectionHidden(PHONE) is not phone_shown, width
        assert [header.sectionSize(c) for c in (CHART_NUMBER, DATE_OF_BIRTH, SCREENING)] == widths, width
        if phone_shown:  # at the width it had (the first time: at least its heading's)
            phone = phone or header.sectionSize(PHONE)
            assert header.sectionSize(PHONE) == phone > header.fontMetrics().horizontalAdvance("Phone")
        if width >= 440:  # the names keep their least width wherever the list has it to give
            assert header.sectionSize(NAME) >= least, (width, header.sectionSize(NAME))
        shown = [c for c in range(panel.model.columnCount()) if not header.isSectionHidden(c)]
        total = sum(header.sectionSize(c) for c in shown)
        assert total <= panel.table.viewport().width() + 1 or width < 440, (width, total)


def test_rows_load_lazily(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    _bulk_patients(world, 600)
    model = PatientListModel(world.services, page_size=200)
    model.set_query("")
    assert model.rowCount() == 200 and not model.total_known  # a full page: more may follow
    assert model.total == 600  # counted only when asked (the panel asks after painting)
    grown = []
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
        grown.append(model.rowCount())
    assert grown[:2] == [400, 600] and set(grown[2:]) <= {600}
    assert len({model.patient_id_at(r) for r in range(600)}) == 600
    model.set_query("last00")  # 100 matches: one short page, the total known without counting
    assert (model.rowCount(), model.total_known, model.canFetchMore(model.index(-1, -1))) == (
        100,
        True,
        False,
    )


def test_view_fetches_more_when_scrolled_to_the_end(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    _bulk_patients(world, 600)
    panel = PatientListPanel(world.services, bus, page_size=200)
    qtbot.addWidget(panel)
    panel.resize(500, 600)
    panel.show()
    assert panel.model.rowCount() == 200
    qtbot.waitUntil(lambda: panel.count_label.text() == "600 patients")
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 400)
    assert panel.model.rowCount() < 600


def test_a_list_taller_than_a_page_reads_on_until_it_is_full(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    """A page is a few screens at 1280x800, not every screen's: a tall one is filled at once, not left
    half empty with more patients to show."""
    _bulk_patients(world, 300)
    panel = PatientListPanel(world.services, bus, page_size=10)
    qtbot.addWidget(panel)
    panel.resize(500, 900)
    panel.show()
    table = panel.table
    qtbot.waitUntil(lambda: table.rowAt(table.viewport().height() - 2) != -1)
    assert 10 < panel.model.rowCount() < 300  # read on as far as the view needed, not all
    panel.search_edit.setText("Last00")  # 100 matches: a keystroke's first page is filled the same way
    panel.search_now()
    assert panel.model.rowCount() == 10
    qtbot.waitUntil(lambda: table.rowAt(table.viewport().height() - 2) != -1)
    assert 10 < panel.model.rowCount() < 100


def test_the_default_page_fills_a_tall_screen_in_one_read(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    _bulk_patients(world, 300)
    panel = PatientListPanel(world.services, bus)
    qtbot.addWidget(panel)
    panel.resize(500, 1600)  # a 4K screen's height at 1.25x scale, less the window's frame
    panel.show()
    table = panel.table
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    assert table.rowAt(table.viewport().height() - 2) != -1  # the view is full
    assert panel.model.rowCount() == PAGE_SIZE < 300  # from the first page alone


def test_the_first_count_waits_for_the_rows_first_paint(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    """Built hidden (as the main window is), the list paints its rows before it counts the matches:
    the count (a read of every match) is not on the way to the first rows."""
    from PySide6.QtCore import QEvent, QObject

    _bulk_patients(world, 300)
    counted: list[int] = []
    panel = PatientListPanel(world.services, bus, page_size=200)
    qtbot.addWidget(panel)
    panel.model.sig_total_changed.connect(counted.append)
    seen: list[tuple[str, list[int]]] = []

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint and not seen:
                seen.append((panel.count_label.text(), list(counted)))
            return False

    watcher = FirstPaint(panel)
    panel.table.viewport().installEventFilter(watcher)
    qtbot.wait(1)  # events queued by the building run (a count queued at once would run here)
    panel.resize(500, 600)
    panel.show()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0] == ("Counting…", [])  # the rows painted, not yet counted
    qtbot.waitUntil(lambda: panel.count_label.text() == "300 patients")
    assert counted == [300]


def test_a_list_never_shown_still_counts(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    _bulk_patients(world, 300)
    panel = PatientListPanel(world.services, bus, page_size=200)
    qtbot.addWidget(panel)
    assert panel.count_label.text() == "Counting…"
    qtbot.waitUntil(lambda: panel.count_label.text() == "300 patients", timeout=3000)


def test_patient_list_model_passes_modeltester(qtmodeltester, world: World) -> None:  # type: ignore[no-untyped-def]
    _bulk_patients(world, 30)
    _zoe(world)
    model = PatientListModel(world.services, page_size=10)
    model.set_query("")
    qtmodeltester.check(model)
    model.set_query("zoe")
    qtmodeltester.check(model)


def test_list_refreshes_when_a_patient_is_added_elsewhere(panel: PatientListPanel, world: World) -> None:
    make_patient(world.services, first_name="Bea", last_name="Brown")
    assert "Brown, Bea" in _names(panel.model)
    assert panel.count_label.text() == "5 patients"


def test_selecting_a_row_reports_the_patient(qtbot, panel: PatientListPanel) -> None:  # type: ignore[no-untyped-def]
    panel.table.setFocus()
    with qtbot.waitSignal(panel.sig_patient_selected) as blocker:
        panel.table.setCurrentIndex(panel.model.index(2, NAME))
    assert blocker.args == [panel.model.patient_id_at(2)]


# -- the editor ---------------------------------------------------------------------------------------
def test_add_patient(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = PatientEditor(world.services, prompts)
    qtbot.addWidget(editor)
    editor.show()
    with qtbot.waitActive(editor):
        editor.activateWindow()
    chart_number = editor.chart_number.text()
    assert chart_number.startswith("CR-")
    editor.first_name.setText("Zoë")  # QTest types ASCII only
    editor.last_name.setText("Ñúñez-Øster")
    qtbot.keyClicks(editor.date_of_birth, "21/07/1988")
    editor.screening_checks["pregnant_or_breastfeeding"].setChecked(True)
    assert not editor.badge.isHidden() and "Pregnant" in editor.badge.text()
    qtbot.keyClicks(editor.allergies, "Latex")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert editor.result() == QDialog.DialogCode.Accepted
    [row] = world.services.patients.search("zoe")
    stored = world.services.patients.get(row.id)
    assert (
        stored.first_name,
        stored.last_name,
        stored.date_of_birth,
        stored.chart_number,
        stored.allergies,
    ) == ("Zoë", "Ñúñez-Øster", date(1988, 7, 21), chart_number, "Latex")
    assert stored.screening.pregnant_or_breastfeeding and row.screening_positive


def test_future_birth_date_is_shown_under_the_field_and_nothing_saved(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    before = world.services.patients.count()
    editor = PatientEditor(world.services, prompts)
    qtbot.addWidget(editor)
    qtbot.keyClicks(editor.first_name, "Ada")
    qtbot.keyClicks(editor.last_name, "Future")
    future = world.clock().date() + timedelta(days=30)
    qtbot.keyClicks(editor.date_of_birth, f"{future:%Y-%m-%d}")
    qtbot.keyClicks(editor.email, "ada@")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.result() != QDialog.DialogCode.Accepted
    assert "cannot be in the future" in editor.error_for("date_of_birth")
    assert "name@example.com" in editor.error_for("email")
    assert editor.error_for("first_name") == ""
    assert editor.banner.isHidden()
    assert world.services.patients.count() == before
    editor.date_of_birth.setText("1985-03-14")
    editor.email.setText("ada@example.com")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.result() == QDialog.DialogCode.Accepted
    assert world.services.patients.count() == before + 1


def test_unreadable_date_and_missing_name_are_explained(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    editor = PatientEditor(world.services, prompts)
    qtbot.addWidget(editor)
    qtbot.keyClicks(editor.date_of_birth, "31/02/1990")
    assert not editor.save()
    assert "February 1990 has 28 days" in editor.error_for("date_of_birth")
    assert editor.error_for("first_name") == "First name is required"
    assert editor.first_name.accessibleDescription() == "First name is required"


def test_edit_patient_and_cancel_asks_before_discarding(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    patient = _zoe(world)
    editor = PatientEditor(world.services, prompts, world.services.patients.get(patient.id))
    qtbot.addWidget(editor)
    editor.show()
    editor.phone.clear()
    qtbot.keyClicks(editor.phone, "+64 21 000 1111")
    prompts.queue(False)  # "Close without saving them?" -> No
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.isVisible()
    assert prompts.shown[-1][1] == "Discard changes?"
    editor.screening_checks["recent_toxin"].setChecked(False)
    assert editor.save()
    stored = world.services.patients.get(patient.id)
    assert stored.phone == "+64 21 000 1111" and stored.screening.positives() == [
        "Allergy to cow's-milk protein"
    ]


def test_concurrent_edit_is_refused_plainly(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    patient = _zoe(world)
    editor = PatientEditor(world.services, prompts, world.services.patients.get(patient.id))
    qtbot.addWidget(editor)
    # Olga saves the same record from another workstation meanwhile.
    world.as_(world.injector2)
    world.services.patients.update(replace(world.services.patients.get(patient.id), phone="+64 4 999 0000"))
    world.as_(world.injector)
    editor.phone.setText("+64 21 123 4567")
    assert not editor.save()
    assert not editor.banner.isHidden()
    assert "Olga Other" in editor.banner.text() and "Not saved" in editor.banner.text()
    assert world.services.patients.get(patient.id).phone == "+64 4 999 0000"


# -- the chart -----------------------------------------------------------------------------------------
def _signed_session(world: World, patient_id: int) -> int:
    svc = world.services
    vial = make_vial(svc)
    now = world.clock()
    points = tuple(
        InjectionPoint.from_units(Zone.CHEEK_LEFT, 0.6 + i * 0.001, 0.5, vial, 0.5) for i in range(20)
    )
    draft = TreatmentSession(
        patient_id=patient_id,
        performed_at=now,
        injector_id=world.injector.user_id,
        consent=Consent("MB-CONSENT-1", now, "Nina Nurse"),
        indications=frozenset({Indication.PORES}),
        points=points,
        baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 2, 1, CURRENT_SCALE_VERSION),
    )
    saved = svc.charting.save_draft(draft)
    for warning in svc.charting.warnings(saved):
        saved = svc.charting.save_draft(
            svc.charting.acknowledge(saved, warning, "Discussed with the prescriber")
        )
    svc.charting.sign(saved.id, PASSWORD)
    svc.records.add_follow_up(
        saved.id, Assessment(TimePoint.WEEK_4, now.date(), 1, 2, 1, CURRENT_SCALE_VERSION)
    )
    return saved.id  # type: ignore[return-value]


def test_trend_words() -> None:
    assert trend_text("Pores", Trend(3, 1)) == "Pores 3 → 1 ▼2"
    assert trend_text("Oil", Trend(1, 2)) == "Oil 1 → 2 ▲1"
    assert trend_text("Redness", Trend(2, 2)) == "Redness 2 → 2 (no change)"
    assert trend_text("Pores", Trend(3, None)) == "Pores 3 (baseline only)"
    assert trend_text("Pores", Trend(None, None)) == "Pores not rated"


def test_chart_shows_screening_allergies_and_timeline_trend(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    patient = make_patient(
        world.services,
        first_name="Zoë",
        last_name="Ñúñez-Øster",
        allergies="Latex",
        screening=SafetyScreening(neuromuscular_disorder=True),
    )
    session_id = _signed_session(world, patient.id)
    chart = PatientChart(world.services, bus)
    qtbot.addWidget(chart)
    chart.show()
    chart.set_patient(patient.id)
    assert chart.name_label.text() == "Zoë Ñúñez-Øster"
    assert chart.badge.isVisible() and "Neuromuscular disorder" in chart.badge.text()
    assert chart.allergies_label.text() == "Allergies: Latex"
    assert chart.history.rowCount() == 1 and chart.selected_session_id == session_id
    text = chart.history.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Pores 3 → 1 ▼2" in text and "Oil 2 → 2 (no change)" in text
    assert "Botox Cosmetic 10.0 U · 0.25 mL · 20 points" in text  # the clinic's 0.1 U precision
    assert "Cheek (L)" in text and "latest follow-up: Week 4" in text
    assert chart.follow_up_button.isEnabled() and chart.touch_up_button.isEnabled()
    with world.services.db.read() as s:
        views = s.execute(
            select(AuditRow).where(AuditRow.action == "view", AuditRow.patient_id == patient.id)
        ).all()
    assert len(views) == 1, "viewing the chart is logged once"


def test_negative_screening_shows_no_badge(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    patient = make_patient(world.services)
    chart = PatientChart(world.services, bus)
    qtbot.addWidget(chart)
    chart.show()
    chart.set_patient(patient.id)
    assert not chart.badge.isVisible()
    assert chart.no_sessions_label.isVisible() and not chart.open_session_button.isEnabled()
    # A positive answer saved elsewhere shows up at once.
    world.services.patients.update(
        replace(world.services.patients.get(patient.id), screening=SafetyScreening(other="Takes warfarin"))
    )
    assert chart.badge.isVisible() and "Other: Takes warfarin" in chart.badge.text()


def test_history_model_passes_modeltester(qtmodeltester, world: World) -> None:  # type: ignore[no-untyped-def]
    patient = make_patient(world.services)
    first = _signed_session(world, patient.id)
    _signed_session(world, patient.id)
    model = HistoryModel(world.services)
    model.set_patient(patient.id)
    assert model.rowCount() == 2 and model.row_of(first) is not None
    qtmodeltester.check(model)
    assert describe(model.summary(0))  # type: ignore[arg-type]


def test_chart_timeline_follows_new_follow_ups(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    patient = make_patient(world.services)
    session_id = _signed_session(world, patient.id)
    chart = PatientChart(world.services, bus)
    qtbot.addWidget(chart)
    chart.set_patient(patient.id)
    world.services.records.add_follow_up(
        session_id, Assessment(TimePoint.WEEK_8, world.clock().date(), 0, 1, 0, CURRENT_SCALE_VERSION)
    )
    text = chart.history.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Pores 3 → 0 ▼3" in text and "latest follow-up: Week 8" in text
