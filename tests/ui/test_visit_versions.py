"""The patient's chart after an amendment: one visit card with its versions, and a table of what each
amendment changed (field, before, after, who, why); a version opens from its row."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from clinicrec.ui.patients.patient_chart import PatientChart
from tests.conftest import PASSWORD, World, make_patient
from tests.ui.test_patients import _signed_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _amend(world: World, session_id: int, reason: str, **changes: object) -> int:
    svc = world.services
    draft = svc.charting.start_amendment(session_id, reason)
    saved = svc.charting.save_draft(replace(draft, **changes))  # type: ignore[arg-type]
    svc.charting.sign(saved.id, PASSWORD)  # type: ignore[arg-type]
    return saved.id  # type: ignore[return-value]


def _table(chart: PatientChart) -> list[list[str]]:
    model = chart.versions.model
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())] for r in range(model.rowCount())
    ]


def test_an_amended_session_is_one_visit_with_its_versions_and_changes(qtbot, world: World, bus) -> None:  # type: ignore[no-untyped-def]
    patient = make_patient(world.services)
    original = _signed_session(world, patient.id)  # type: ignore[arg-type]
    chart = PatientChart(world.services, bus)
    qtbot.addWidget(chart)
    chart.resize(1280, 800)
    chart.show()
    chart.set_patient(patient.id)
    assert chart.history.rowCount() == 1 and chart.versions.isHidden()  # never amended: no versions table

    amendment = _amend(world, original, "Prescriber was not recorded", prescriber="Dr Pat Prescriber")
    chart.history.reload()
    assert chart.history.rowCount() == 1 and chart.session_count.text() == "(1)"  # one visit, not two cards
    assert chart.selected_session_id == amendment  # the card opens the newest version
    text = chart.history.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Amendment 1" in text and "versions: Original" in text and "Prescriber was not recorded" in text
    assert f"#{original}" not in text and f"session {original}" not in text  # no internal numbers
    assert chart.versions.isVisible()
    rows = _table(chart)
    # Each version's heading says which, when, who and why; then field, before, after.
    assert rows[0][0].startswith("Amendment 1 · ") and rows[0][0].endswith(
        " · Nina Nurse: Prescriber was not recorded"
    )
    assert chart.versions.table.columnSpan(0, 0) == 3  # the heading spans the table
    assert rows[1] == ["Prescriber", "—", "Dr Pat Prescriber"]
    assert rows[-1][0].startswith("Original · ") and rows[-1][0].endswith("Nina Nurse, as first signed")
    # The original opens from its row, as it was signed.
    chart.versions.table.selectRow(len(rows) - 1)
    with qtbot.waitSignal(chart.sig_open_session_requested) as opened:
        qtbot.mouseClick(chart.versions.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [original]
    # The card is taller for the versions line, and everything fits the chart at 1280x800.
    card = chart.timeline.visualRect(chart.history.index(0, 0))
    assert card.height() > 0 and chart.versions.geometry().bottom() <= chart.height()

    second = _amend(world, amendment, "Needle gauge", needle_gauge=30)
    chart.history.reload()
    assert chart.history.rowCount() == 1 and chart.selected_session_id == second
    rows = _table(chart)
    assert rows[0][0].startswith("Amendment 2 · ") and rows[0][0].endswith("Needle gauge")
    assert rows[1] == ["Needle", "—", "30 G"]
    headings = [r[0].split(" · ")[0] for r in rows if " · " in r[0]]
    assert headings == ["Amendment 2", "Amendment 1", "Original"]
