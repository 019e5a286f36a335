"""The audit trail screen: lazy table newest first, filters, full old→new values, verify, CSV export."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QModelIndex, Qt

from clinicrec.domain.enums import AuditAction
from clinicrec.services.audit_log import AuditFilters
from clinicrec.ui.admin.audit_model import ACTION, PATIENT, AuditTableModel, ChangesModel
from clinicrec.ui.admin.audit_screen import AuditScreen
from tests.conftest import World, make_patient

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def busy_world(world: World) -> World:
    """Patients added and edited by two injectors; 30 chart views to page through."""
    svc = world.as_(world.injector)
    ada = make_patient(svc, first_name="Ada", last_name="Lovelace", chart_number="CR-000001")
    svc.patients.update(replace(svc.patients.get(ada.id), phone="+44 20 7946 0000", allergies="Latex"))  # type: ignore[arg-type]
    world.as_(world.injector2)
    zoe = make_patient(svc, first_name="Zoë", last_name="Ñúñez", chart_number="CR-000002")
    for _ in range(30):
        svc.patients.get(zoe.id, log_view=True)  # type: ignore[arg-type]
    world.made = {"ada": ada.id, "zoe": zoe.id}  # type: ignore[dict-item]
    world.as_(world.manager)
    return world


@pytest.fixture
def screen(qtbot, busy_world: World, prompts, worker) -> AuditScreen:  # type: ignore[no-untyped-def]
    s = AuditScreen(busy_world.services, prompts, worker)
    qtbot.addWidget(s)
    return s


def shown(screen: AuditScreen, column: int) -> list[str]:
    m = screen.model
    return [m.data(m.index(r, column)) for r in range(m.rowCount())]


def test_models_pass_the_model_tester(qtmodeltester, busy_world: World) -> None:  # type: ignore[no-untyped-def]
    model = AuditTableModel(busy_world.services, page_size=7)
    model.set_filters(AuditFilters())
    assert model.rowCount() == 7 and model.canFetchMore(QModelIndex())
    qtmodeltester.check(model, force_py=True)
    changes = ChangesModel()
    changes.set_changes(model.entry_at(model.rowCount() - 1).changes)  # type: ignore[union-attr]
    qtmodeltester.check(changes, force_py=True)


def test_entries_load_lazily_newest_first(busy_world: World) -> None:
    model = AuditTableModel(busy_world.services, page_size=10)
    model.set_filters(AuditFilters())
    assert model.rowCount() == 10 and model.total > 30
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    entries = [model.entry_at(r) for r in range(model.rowCount())]
    assert len(entries) == model.total
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)  # type: ignore[union-attr]


def test_screen_shows_readable_rows_and_the_selected_entry_in_full(
    screen: AuditScreen, busy_world: World
) -> None:
    assert shown(screen, ACTION)[0] == "View"
    assert shown(screen, PATIENT)[0] == "CR-000002 · Ñúñez, Zoë"
    assert screen.detail_heading.text().endswith("· View")
    assert "entries" in screen.count_label.text()
    update = next(r for r in range(screen.model.rowCount()) if screen.model.entry_at(r).action == "update")  # type: ignore[union-attr]
    screen.table.selectRow(update)
    assert screen.detail_labels["Who"].text() == "Nina Nurse (nurse)"
    assert screen.detail_labels["Patient"].text() == "CR-000001 · Lovelace, Ada"
    cm = screen.changes_model
    rows = {
        cm.data(cm.index(r, 0)): (cm.data(cm.index(r, 1)), cm.data(cm.index(r, 2)))
        for r in range(cm.rowCount())
    }
    assert rows == {"Phone": ("+1 555 0101", "+44 20 7946 0000"), "Allergies": ("", "Latex")}
    assert not screen.no_changes.isVisibleTo(screen)


def test_filters(screen: AuditScreen, busy_world: World) -> None:
    screen.user_combo.setCurrentIndex(screen.user_combo.findData("nurse"))
    screen.apply_filters()
    assert set(shown(screen, 1)) == {"Nina Nurse"} and screen.model.total == 2

    screen.clear_filters()
    screen.patient_edit.setText("lovelace")
    screen.apply_filters()
    assert {screen.model.entry_at(r).patient_id for r in range(screen.model.rowCount())} == {  # type: ignore[union-attr]
        busy_world.made["ada"]
    }

    screen.clear_filters()
    screen.action_combo.setCurrentIndex(screen.action_combo.findData(AuditAction.CREATE))
    screen.apply_filters()
    assert set(shown(screen, ACTION)) == {"Create"}

    screen.clear_filters()
    today = QDate.currentDate()
    screen.from_edit.setDate(today.addDays(1))
    screen.apply_filters()
    assert screen.model.total == 0 and screen.count_label.text() == "No entries match these filters."
    screen.from_edit.setDate(today.addDays(-1))
    screen.to_edit.setDate(today.addDays(1))
    screen.apply_filters()
    assert screen.model.total == busy_world.services.audit_log.count(AuditFilters())


def test_typing_a_patient_filters_after_a_pause(qtbot, screen: AuditScreen) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(screen.patient_edit, "CR-000001")
    qtbot.waitUntil(lambda: screen.model.total == 2, timeout=3000)


def test_verify_chain_reports_plainly(qtbot, screen: AuditScreen, busy_world: World) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(screen.verify_button, Qt.MouseButton.LeftButton)
    assert screen.banner.text().startswith("✓ The audit trail is intact")
    assert f"{screen.model.total} entries" in screen.banner.text()

    engine = busy_world.services.db.engine
    with engine.begin() as c:
        c.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        c.exec_driver_sql("UPDATE audit_log SET username = 'mallory' WHERE id = 7")
    qtbot.mouseClick(screen.verify_button, Qt.MouseButton.LeftButton)
    assert "tampered" in screen.banner.text() and "entry 7 was changed" in screen.banner.text()


def test_export_writes_what_is_shown_and_says_so(
    qtbot,
    screen: AuditScreen,
    prompts,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    busy_world: World,
) -> None:
    screen.user_combo.setCurrentIndex(screen.user_combo.findData("nurse"))
    screen.apply_filters()
    out = tmp_path / "trail.csv"
    prompts.queue(str(out))
    qtbot.mouseClick(screen.export_button, Qt.MouseButton.LeftButton)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["user_name"] for r in rows] == ["nurse", "nurse"]
    assert prompts.shown[-1][0] == "info" and "2 entries written" in prompts.shown[-1][2]
    assert (
        busy_world.services.audit_log.search(AuditFilters(action=AuditAction.EXPORT))[0].username == "manager"
    )


def test_export_cancelled_writes_nothing(qtbot, screen: AuditScreen, prompts) -> None:  # type: ignore[no-untyped-def]
    prompts.queue(None)
    qtbot.mouseClick(screen.export_button, Qt.MouseButton.LeftButton)
    assert [kind for kind, _t, _x in prompts.shown] == ["save_file"]


def test_an_injector_is_told_plainly(qtbot, world: World, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    s = AuditScreen(world.services, prompts, worker)
    qtbot.addWidget(s)
    assert s.banner.isVisibleTo(s)
    assert "Nina Nurse (Injector) may not see the audit trail" in s.banner.text()
    assert not s.table.isEnabled() and not s.export_button.isEnabled() and s.model.rowCount() == 0


def test_dates_are_optional(screen: AuditScreen) -> None:
    from clinicrec.ui.admin.audit_screen import optional_date

    assert optional_date(screen.from_edit) is None and screen.from_edit.line.text() == ""
    assert screen.from_edit.line.placeholderText().startswith("Any date")
    screen.from_edit.setDate(QDate(2026, 3, 10))
    assert optional_date(screen.from_edit) == date(2026, 3, 10)


def test_the_manager_is_shown_the_notices_to_confirm(  # type: ignore[no-untyped-def]
    qtbot, world: World, prompts, worker, tmp_path: Path
) -> None:
    """A head another workstation saw, superseded by a restore the trail records: not tampering, but the
    manager is asked to confirm the restore (a forged one could explain away a shortened trail)."""
    from clinicrec.services.audit_anchor import AnchorBook
    from clinicrec.services.maintenance import MaintenanceService

    world.as_(world.admin)
    maintenance = MaintenanceService(world.services.ctx, backup_dir=tmp_path / "backups")
    old = maintenance.backup_now(tmp_path / "old.sqlite3")
    make_patient(world.services)
    world.as_(world.manager)
    assert world.services.audit_log.verify_chain().ok  # this workstation now holds a newer head
    other_workstation = AnchorBook().path.read_text()
    world.as_(world.admin)
    maintenance.restore(old.path)
    AnchorBook().path.write_text(other_workstation)  # a workstation that still remembers the old head
    world.as_(world.manager)
    s = AuditScreen(world.services, prompts, worker)
    qtbot.addWidget(s)
    s.verify_chain()
    text = s.banner.text()
    assert text.startswith("✓ The audit trail is intact")
    assert "To confirm" in text and "replaced by the restore in entry" in text


def test_a_typed_day_filters_in_the_clinics_time_zone(qtbot, screen: AuditScreen, busy_world: World) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: dates are typed (ISO or the local format), not spun section by section, and a day is the
    clinic's day: in Sydney, 'from 2026-03-10' starts at 00:00 AEDT, 13:00 UTC the day before."""
    from datetime import UTC, datetime

    admin = busy_world.as_(busy_world.admin)
    admin.clinic.update(replace(admin.clinic.get(), time_zone="Australia/Sydney"))
    s = AuditScreen(admin, screen._prompts, screen._worker)  # noqa: SLF001
    qtbot.addWidget(s)
    qtbot.keyClicks(s.from_edit.line, "2026-03-10")
    qtbot.keyClicks(s.to_edit.line, "2026/3/11")
    assert s.from_edit.error_text() == "" and s.to_edit.error_text() == ""
    f = s.filters()
    assert f.since == datetime(2026, 3, 9, 13, tzinfo=UTC)
    assert f.before == datetime(2026, 3, 11, 13, tzinfo=UTC)  # the whole of the 11th, Sydney time
    qtbot.waitUntil(lambda: s.model.total == 0, timeout=3000)  # nothing was audited in March 2026
    s.to_edit.line.clear()
    qtbot.keyClicks(s.to_edit.line, "2026-3")  # half typed: says what is allowed, filters nothing yet
    assert "“2026-3” is not a date: write it as 1985-04-03" in s.to_edit.error_text()
    assert s.to_edit.value() is None
    s.clear_filters()
    assert s.from_edit.value() is None and s.from_edit.line.text() == ""
    assert s.model.total == admin.audit_log.count(AuditFilters())
