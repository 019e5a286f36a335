"""Screenshots of every main screen at 1280x800 in the light and the dark colour scheme, from the demo
database, into docs/screenshots/schemes/ (<screen>-light.png, <screen>-dark.png).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--patients 300] [--out DIR]

Look at every picture after a change of colours or layout: what is clipped, illegible or ugly in either
scheme is a defect (issue 14, "Everywhere").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)


def _settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "schemes")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from clinicrec.db.models import SessionRow, UserRow
    from clinicrec.demo import build_demo
    from clinicrec.services.app import Services, open_services
    from clinicrec.services.auth import actor_of
    from clinicrec.ui.admin.audit_screen import AuditScreen
    from clinicrec.ui.admin.clinic_settings_dialog import ClinicSettingsDialog
    from clinicrec.ui.admin.products_screen import ProductsScreen
    from clinicrec.ui.admin.users_screen import UsersScreen
    from clinicrec.ui.changes import ChangeBus
    from clinicrec.ui.date_format import follow_clinic
    from clinicrec.ui.follow_ups_due import FollowUpsDueWindow
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.patients.patient_editor import PatientEditor
    from clinicrec.ui.prompts import Prompts
    from clinicrec.ui.reports.reports_screen import ReportsScreen
    from clinicrec.ui.review.review_screen import ReviewScreen
    from clinicrec.ui.session.window import SessionWindow
    from clinicrec.ui.startup import make_application
    from clinicrec.ui.style import DARK, LIGHT, apply_style
    from clinicrec.ui.worker import Worker

    app = make_application([])
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite3'}"
        build_demo(url, patients=args.patients, today=date.today() - timedelta(days=31))
        services = open_services(url, clock=lambda: datetime.now(UTC))
        bus = ChangeBus()
        services.subscribe(bus.publish)
        follow_clinic(services, bus)
        worker = Worker(synchronous=True)  # every screen shows its data before it is grabbed
        prompts = Prompts()

        def act_as(username: str) -> Services:
            with services.db.read() as s:
                row = s.execute(select(UserRow).where(UserRow.username == username)).scalar_one()
                services.act_as(actor_of(row))
            return services

        with services.db.read() as s:
            session_id, patient_id = s.execute(
                select(SessionRow.id, SessionRow.patient_id)
                .where(SessionRow.status == "signed")
                .order_by(SessionRow.id.desc())
                .limit(1)
            ).one()

        def main_window() -> QWidget:
            act_as("maria")
            window = MainWindow(services, bus, prompts, worker)
            window.show_patient(patient_id)
            return window

        def session_window() -> QWidget:
            act_as("maria")
            return SessionWindow(services, bus, prompts, worker, patient_id=patient_id, session_id=session_id)

        def new_session() -> QWidget:
            act_as("maria")
            return SessionWindow(services, bus, prompts, worker, patient_id=patient_id)

        def patient_editor() -> QWidget:
            act_as("maria")
            return PatientEditor(services, prompts, services.patients.get(patient_id))

        def reports() -> QWidget:
            act_as("manager")
            return ReportsScreen(services, prompts, worker)

        def audit() -> QWidget:
            act_as("admin")
            return AuditScreen(services, prompts, worker)

        def users() -> QWidget:
            act_as("admin")
            return UsersScreen(services, prompts, bus=bus)

        def products() -> QWidget:
            act_as("admin")
            return ProductsScreen(services, prompts, bus=bus)

        def clinic_settings() -> QWidget:
            act_as("admin")
            return ClinicSettingsDialog(services, prompts, services.clinic.get())

        def follow_ups() -> QWidget:
            act_as("maria")
            return FollowUpsDueWindow(services, bus)

        def review() -> QWidget:
            act_as("admin")
            return ReviewScreen(services, bus, prompts)

        screens: dict[str, Callable[[], QWidget]] = {
            "main-window": main_window,
            "session-signed": session_window,
            "session-new": new_session,
            "patient-editor": patient_editor,
            "reports": reports,
            "audit-trail": audit,
            "users": users,
            "products": products,
            "clinic-settings": clinic_settings,
            "follow-ups-due": follow_ups,
            "review-queue": review,
        }
        for scheme, suffix in ((LIGHT, "light"), (DARK, "dark")):
            apply_style(app, scheme)
            for name, make in screens.items():
                widget = make()
                widget.resize(*SIZE)
                widget.show()
                _settle(app)
                worker.wait()
                _settle(app)
                path = args.out / f"{name}-{suffix}.png"
                widget.grab().save(str(path))
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
                widget.close()
                widget.deleteLater()
                _settle(app, 5)
        worker.wait()
        services.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
