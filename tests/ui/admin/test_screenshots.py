"""Screenshots of the admin screens and the idle lock at 1280×800 with a demo clinic (docs/screenshots/).

Run with ``CLINICREC_SCREENSHOTS=1``; skipped otherwise (they apply the app style to the whole process).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from clinicrec.db.models import SessionRow, UserRow
from clinicrec.demo import DEMO_PASSWORD, build_demo
from clinicrec.domain.errors import AuthenticationError
from clinicrec.services.app import Services, open_services
from clinicrec.services.auth import actor_of
from clinicrec.services.printing import PrintService

pytestmark = [
    pytest.mark.skipif(not os.environ.get("CLINICREC_SCREENSHOTS"), reason="set CLINICREC_SCREENSHOTS=1"),
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]
OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SIZE = (1280, 800)


@pytest.fixture
def styled(qapp):  # type: ignore[no-untyped-def]
    from clinicrec.ui.style import apply_style

    apply_style(qapp)
    return qapp


def _as(svc: Services, username: str) -> Services:
    with svc.db.read() as s:
        svc.act_as(actor_of(s.execute(select(UserRow).where(UserRow.username == username)).scalar_one()))
    return svc


def _a_day_at_the_clinic(svc: Services) -> None:
    """Sign-ins, chart views, an edit, a handout, a typo'd password: what a real trail holds."""
    with svc.db.read() as s:
        sessions = s.execute(
            select(SessionRow.id, SessionRow.patient_id).order_by(SessionRow.id.desc()).limit(4)
        ).all()
    for username in ("maria", "keiko"):
        svc.auth.sign_in(username, DEMO_PASSWORD)
    for _session_id, patient_id in sessions[:3]:
        svc.patients.get(patient_id, log_view=True)
    _as(svc, "maria")
    patient = svc.patients.get(sessions[0][1])
    svc.patients.update(replace(patient, phone="+44 20 7946 0321", allergies="Latex (rash)"))
    PrintService(svc.ctx).handout_bytes(sessions[0][0])
    with pytest.raises(AuthenticationError):
        svc.auth.sign_in("sam", "microbotox-dem0")
    svc.auth.sign_in("sam", DEMO_PASSWORD)
    svc.patients.get(sessions[3][1], log_view=True)
    _as(svc, "admin")
    product = next(p for p in svc.products.list() if p.brand == "Xeomin")
    svc.products.save(replace(product, in_use_hours=36, notes="In-use window shortened by clinic policy"))
    _as(svc, "manager")


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    build_demo(url, patients=2000, today=date.today() - timedelta(days=31))  # no visits after today
    svc = open_services(url)
    _a_day_at_the_clinic(svc)
    yield svc
    svc.db.dispose()


def _save(widget, name: str, qtbot) -> None:  # type: ignore[no-untyped-def]
    widget.resize(*SIZE)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(50)
    OUT.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(OUT / name))


def test_screenshot_audit_trail(styled, demo: Services, prompts, worker, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.admin.audit_screen import AuditScreen

    screen = AuditScreen(demo, prompts, worker)
    qtbot.addWidget(screen)
    screen.verify_chain()
    update = next(
        r
        for r in range(screen.model.rowCount())
        if screen.model.entry_at(r).action == "update" and screen.model.entry_at(r).entity == "patient"
    )
    screen.table.selectRow(update)
    _save(screen, "audit-trail.png", qtbot)


def test_screenshot_users(styled, demo: Services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.admin.users_screen import UsersScreen

    _as(demo, "admin")
    screen = UsersScreen(demo, prompts)
    qtbot.addWidget(screen)
    _save(screen, "users.png", qtbot)
    from clinicrec.ui.admin.users_screen import UserDialog

    dialog = UserDialog(demo, prompts)
    qtbot.addWidget(dialog)
    dialog.username.setText("noor")
    dialog.full_name.setText("Noor Hassan")
    dialog.credentials.setText("RN")
    dialog.password.setText("short")
    dialog.confirm.setText("short")
    dialog.save()  # the error shows under the password field
    _save_over(screen, dialog, "user-dialog.png", qtbot)


def test_screenshot_products(styled, demo: Services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.admin.products_screen import ProductsScreen

    _as(demo, "admin")
    screen = ProductsScreen(demo, prompts)
    qtbot.addWidget(screen)
    _save(screen, "products.png", qtbot)
    from clinicrec.ui.admin.products_screen import ProductDialog

    dialog = ProductDialog(demo, prompts, screen.selected())
    qtbot.addWidget(dialog)
    dialog.vial_sizes.setText("50, 100, two hundred")
    dialog.save()  # the error shows under the vial sizes
    _save_over(screen, dialog, "product-dialog.png", qtbot)


def _logo(path: Path) -> str:
    """A small clinic logo drawn here, so the screenshot shows a real preview."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    image = QImage(440, 160, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#0f766e"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QRectF(10, 20, 120, 120))
    p.setPen(QColor("white"))
    p.setFont(QFont("DejaVu Serif", 56, QFont.Weight.Bold))
    p.drawText(QRectF(10, 20, 120, 120), Qt.AlignmentFlag.AlignCenter, "L")
    p.setPen(QColor("#1f2933"))
    p.setFont(QFont("DejaVu Serif", 40))
    p.drawText(QRectF(150, 30, 290, 70), Qt.AlignmentFlag.AlignVCenter, "Lumière")
    p.setPen(QColor("#5f6b76"))
    p.setFont(QFont("DejaVu Sans", 17))
    p.drawText(QRectF(152, 92, 290, 40), Qt.AlignmentFlag.AlignVCenter, "SKIN & LASER CLINIC")
    p.end()
    image.save(str(path))
    return str(path)


def _main_window(demo: Services, qtbot, worker, prompts):  # type: ignore[no-untyped-def]
    from clinicrec.ui.changes import ChangeBus
    from clinicrec.ui.main_window import MainWindow

    window = MainWindow(demo, ChangeBus(), prompts, worker)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    window.show_patient(demo.patients.search("", limit=1)[0].id)
    return window


def _save_over(window, dialog, name: str, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A dialog as the user sees it: centred over its window, which is dimmed behind it."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter

    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    dialog.resize(dialog.sizeHint().expandedTo(dialog.minimumSizeHint()))
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.adjustSize()
    qtbot.wait(50)
    canvas = window.grab()
    painter = QPainter(canvas)
    painter.fillRect(canvas.rect(), QColor(20, 30, 40, 110))
    shot = dialog.grab()
    at = QPoint((canvas.width() - shot.width()) // 2, (canvas.height() - shot.height()) // 2)
    painter.fillRect(shot.rect().translated(at).adjusted(-1, -1, 1, 1), QColor("#9aa4ad"))
    painter.drawPixmap(at, shot)
    painter.end()
    OUT.mkdir(parents=True, exist_ok=True)
    canvas.save(str(OUT / name))


def test_screenshot_clinic_settings(
    styled,
    demo: Services,
    prompts,
    worker,
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    from clinicrec.ui.admin.clinic_settings_dialog import ClinicSettingsDialog

    _as(demo, "admin")
    dialog = ClinicSettingsDialog(demo, prompts, demo.clinic.get())
    qtbot.addWidget(dialog)
    prompts.queue(_logo(tmp_path / "logo.png"))
    dialog.choose_logo()
    dialog.idle_lock_minutes.setValue(5)
    _save_over(_main_window(demo, qtbot, worker, prompts), dialog, "clinic-settings.png", qtbot)


def test_screenshot_idle_lock(styled, demo: Services, prompts, worker, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.idle_lock import IdleLock

    _as(demo, "maria")
    window = _main_window(demo, qtbot, worker, prompts)
    lock = IdleLock(demo, [window], parent=window)
    lock.sig_sign_out_requested.connect(lambda: None)
    lock.lock()
    _save(window, "idle-lock.png", qtbot)
    lock.stop()
