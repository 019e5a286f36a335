"""Screenshots of every screen and dialog in the light and the dark colour scheme, from the demo database,
into docs/screenshots/schemes/ (<screen>-light.png, <screen>-dark.png): windows at 1280x800, dialogs at
the size they open at.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--patients 300] [--out DIR]

Look at every picture after a change of colours or layout: what is clipped, illegible or ugly in either
scheme is a defect (issue 14, "Everywhere").
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)


def _settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()


def _until(app: QApplication, done: Callable[[], bool], seconds: float = 15) -> None:
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def _save_small(image: QImage, path: Path) -> None:
    """A 256-colour PNG (a third of the size, text as sharp): these pictures are committed."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_RGB888).save(buffer, "PNG")
    shrink_png(bytes(buffer.data().data()), path)


def shrink_png(data: bytes, path: Path) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as picture:
        small = picture.convert("RGB").quantize(256, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        small.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "schemes")
    parser.add_argument("--only", nargs="*", default=None, help="names of the screens to take (default: all)")
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
    from clinicrec.ui.consent.consent_dialog import ConsentDialog
    from clinicrec.ui.date_format import follow_clinic
    from clinicrec.ui.follow_ups_due import FollowUpsDueWindow
    from clinicrec.ui.idle_lock import IdleLock
    from clinicrec.ui.interop.export_dialog import ExportDialog
    from clinicrec.ui.interop.import_wizard import ImportWizard
    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.patients.patient_editor import PatientEditor
    from clinicrec.ui.print_preview import PrintPreviewDialog
    from clinicrec.ui.prompts import Prompts
    from clinicrec.ui.reports.reports_screen import ReportsScreen
    from clinicrec.ui.review.review_screen import ReviewScreen
    from clinicrec.ui.session.adverse_event_dialog import AdverseEventDialog
    from clinicrec.ui.session.discard import TITLE as DISCARD_TITLE
    from clinicrec.ui.session.follow_up import FollowUpDialog
    from clinicrec.ui.session.sign_dialog import ReasonDialog, SignDialog, SignSummary
    from clinicrec.ui.session.vial_dialog import VialDialog
    from clinicrec.ui.session.window import SessionWindow
    from clinicrec.ui.shortcut_sheet import ShortcutSheet
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

        def vial_new() -> QWidget:
            act_as("maria")
            dialog = VialDialog(None, services, prompts)
            dialog.tabs.setCurrentIndex(1)
            dialog.lot.setText("C7421B3")
            dialog.lidocaine_ml.setValue(0.5)
            return dialog

        def vial_today() -> QWidget:
            act_as("maria")
            from clinicrec.domain.enums import DiluentKind
            from clinicrec.domain.models import Vial

            # a vial reconstituted this morning, so the 'Open today' tab has today's vial to list
            botox = next(p for p in services.products.list() if p.brand == "Botox Cosmetic")
            opened = datetime.now(UTC) - timedelta(hours=2)
            vial = Vial(botox.id, "C7421B4", date.today() + timedelta(days=400), 100.0, opened,  # type: ignore[arg-type]
                        DiluentKind.SALINE_PRESERVED, 2.5)  # fmt: skip
            if not services.vials.open_on(date.today()):  # once: both pictures show the same vial
                services.vials.open_vial(vial)
            dialog = VialDialog(None, services, prompts)
            dialog.tabs.setCurrentIndex(0)
            return dialog

        def adverse_event() -> QWidget:
            act_as("maria")
            return AdverseEventDialog(None, services, prompts, session_id)

        def follow_up() -> QWidget:
            act_as("maria")
            return FollowUpDialog(None, services, prompts, session_id)

        def sign() -> QWidget:
            act_as("maria")
            window = SessionWindow(
                services, bus, prompts, worker, patient_id=patient_id, session_id=session_id
            )
            c = window.controller  # type: ignore[attr-defined]
            warnings = [(x.message, c.safety.reasons.get(x.key, "")) for x in c.safety.warnings]
            dialog = SignDialog(None, SignSummary.of(c.session, c.patient, c.vials, c.products, warnings))
            window.deleteLater()
            return dialog

        def discard() -> QWidget:
            return ReasonDialog(
                None,
                DISCARD_TITLE,
                "Why is this draft discarded? The reason is recorded in the audit trail, and the draft "
                "cannot be brought back.",
            )

        def shortcuts() -> QWidget:
            act_as("maria")
            window = SessionWindow(
                services, bus, prompts, worker, patient_id=patient_id, session_id=session_id
            )
            sheet = ShortcutSheet([window])
            window.deleteLater()
            return sheet

        def print_preview() -> QWidget:
            act_as("maria")
            return PrintPreviewDialog(services.printing.chart_bytes(session_id), "chart")

        def import_wizard() -> QWidget:
            act_as("admin")
            return ImportWizard(services, prompts, worker)

        def export() -> QWidget:
            act_as("admin")
            return ExportDialog(services, prompts, worker)

        def consent() -> QWidget:
            act_as("maria")
            return ConsentDialog(services, patient_id)

        def sign_in() -> QWidget:
            return LoginDialog(services)

        locks: list[IdleLock] = []  # released after their picture: a lock covers every window opened later

        def locked(by_hand: bool) -> Callable[[], QWidget]:
            def make() -> QWidget:
                window = main_window()
                lock = IdleLock(services, [window], parent=window)
                locks.append(lock)
                window.resize(*SIZE)
                window.show()
                lock.lock(by_hand=by_hand)
                return window

            return make

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
            "vial-dialog-new": vial_new,
            "vial-dialog-open-today": vial_today,
            "adverse-event-dialog": adverse_event,
            "follow-up-dialog": follow_up,
            "sign-dialog": sign,
            "discard-dialog": discard,
            "shortcut-sheet": shortcuts,
            "print-preview": print_preview,
            "import-wizard": import_wizard,
            "export-dialog": export,
            "consent-dialog": consent,
            "sign-in": sign_in,
            "idle-lock": locked(False),
            "lock-by-hand": locked(True),
        }
        dialogs = {name for name in screens if name.endswith(("-dialog", "-sheet", "-wizard", "-dialog-new"))}
        dialogs |= {"vial-dialog-open-today", "sign-in"}
        if args.only:
            screens = {k: v for k, v in screens.items() if k in args.only}
        for scheme, suffix in ((LIGHT, "light"), (DARK, "dark")):
            apply_style(app, scheme)
            for name, make in screens.items():
                widget = make()
                if name not in dialogs:
                    widget.resize(*SIZE)
                widget.show()
                _settle(app)
                worker.wait()
                _settle(app)
                if name == "print-preview":  # the pages render on their own thread
                    view = widget.view  # type: ignore[attr-defined]
                    _until(app, lambda v=view: v.grab().toImage().pixelColor(640, 200).lightness() < 255)
                path = args.out / f"{name}-{suffix}.png"
                _save_small(widget.grab().toImage(), path)
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
                while locks:
                    lock = locks.pop()
                    lock.release()
                    lock.release()  # the second stops its watch on the application
                widget.close()
                widget.deleteLater()
                _settle(app, 5)
        worker.wait()
        services.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
