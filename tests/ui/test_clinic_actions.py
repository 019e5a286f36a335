"""The Reports and Admin menus: shown by role, screens open, backup and restore run from the menu."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from clinicrec.db.models import AuditRow, PatientRow
from tests.conftest import World, make_patient

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


def _window(world: World, qtbot, prompts, worker, bus, actor):  # type: ignore[no-untyped-def]
    from clinicrec.ui.main_window import MainWindow

    world.services.act_as(actor)
    window = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(window)
    return window


def _visible_menus(window) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.text().replace("&", "") for a in window.menuBar().actions() if a.isVisible()]


@pytest.mark.parametrize(
    ("who", "admin_items"),
    [
        ("injector", []),
        ("manager", ["Audit trail…", "Back up now…", "Export records (FHIR R4)…"]),
        (
            "admin",
            [
                "Audit trail…",
                "Users…",
                "Products…",
                "Clinic settings…",
                "Back up now…",
                "Restore from backup…",
                "Import patients…",
                "Export records (FHIR R4)…",
                "Consent and review settings…",
            ],
        ),
    ],
)
def test_menus_follow_the_role(world: World, qtbot, prompts, worker, bus, who, admin_items) -> None:  # type: ignore[no-untyped-def]
    window = _window(world, qtbot, prompts, worker, bus, getattr(world, who))
    menus = _visible_menus(window)
    assert "Reports" in menus
    assert ("Admin" in menus) == bool(admin_items)
    shown = [
        a.text().replace("&", "")
        for a in window.clinic_actions.admin_menu.actions()
        if a.isVisible() and not a.isSeparator()
    ]
    assert shown == admin_items


def test_screens_open_once_each(world: World, qtbot, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    window = _window(world, qtbot, prompts, worker, bus, world.admin)
    actions = window.clinic_actions
    reports = actions.open_reports()
    assert reports is not None and reports.objectName() == "reports_screen"
    assert actions.open_reports() is reports  # brought forward, not opened twice
    for opener, name in (
        (actions.open_audit, "audit_screen"),
        (actions.open_users, "users_screen"),
        (actions.open_products, "products_screen"),
    ):
        screen = opener()
        assert screen is not None and screen.objectName() == name
    assert set(actions.screens) == {"reports", "audit", "users", "products"}
    window.close()
    assert all(not s.isVisible() for s in actions.screens.values())


def test_back_up_now_from_the_menu(world: World, qtbot, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    window = _window(world, qtbot, prompts, worker, bus, world.manager)
    window.clinic_actions.backup_action.trigger()
    kind, title, text = prompts.shown[-1]
    assert (kind, title) == ("info", "Backup made")
    backup = Path(text.splitlines()[-1])
    assert backup.is_file() and backup.stat().st_size > 0
    with world.services.db.read() as s:
        assert s.execute(
            select(func.count()).select_from(AuditRow).where(AuditRow.action == "backup")
        ).scalar_one()


def test_restore_from_the_menu_brings_back_the_backup(world: World, qtbot, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    window = _window(world, qtbot, prompts, worker, bus, world.admin)
    backup = world.services.maintenance.backup_now().path
    make_patient(world.services)  # recorded after the backup: gone after the restore
    prompts.queue(str(backup), True)
    with qtbot.waitSignal(window.clinic_actions.sig_database_restored) as restored:
        window.clinic_actions.restore_action.trigger()
    assert "Restored" in restored.args[0]
    with world.services.db.read() as s:
        assert s.execute(select(func.count()).select_from(PatientRow)).scalar_one() == 0


def test_restore_cancelled_changes_nothing(world: World, qtbot, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    window = _window(world, qtbot, prompts, worker, bus, world.admin)
    backup = world.services.maintenance.backup_now().path
    make_patient(world.services)
    prompts.queue(str(backup), False)
    window.clinic_actions.restore_action.trigger()
    with world.services.db.read() as s:
        assert s.execute(select(func.count()).select_from(PatientRow)).scalar_one() == 1
