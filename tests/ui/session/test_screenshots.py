"""Screenshots of the charting screens with realistic data (docs/screenshots/).

Run with ``CLINICREC_SCREENSHOTS=1``; skipped otherwise (they apply the app style to the whole process).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from clinicrec.domain.enums import AdditiveKind, DiluentKind, Indication, Measure, Sex, TimePoint, Zone
from clinicrec.domain.models import Additive, SafetyScreening, Vial
from tests.conftest import PASSWORD, make_patient, product_id

pytestmark = [
    pytest.mark.skipif(not os.environ.get("CLINICREC_SCREENSHOTS"), reason="set CLINICREC_SCREENSHOTS=1"),
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]
OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture
def styled(qapp):  # type: ignore[no-untyped-def]
    from clinicrec.ui.style import apply_style

    apply_style(qapp)
    return qapp


def _lidocaine_vial(services):  # type: ignore[no-untyped-def]
    now = services.ctx.clock()
    v = Vial(
        product_id=product_id(services),
        lot_number="C7421B3",
        expiry_date=date(2027, 5, 31),
        vial_units=100,
        reconstituted_at=now - timedelta(minutes=40),
        diluent_kind=DiluentKind.SALINE_PRESERVED,
        diluent_ml=2.5,
        additives=(Additive(AdditiveKind.LIDOCAINE, 0.5),),
    )
    return services.vials.open_vial(v)


def _charted_window(open_window, services):  # type: ignore[no-untyped-def]
    patient = make_patient(
        services,
        first_name="Maria",
        last_name="Alvarez",
        sex=Sex.FEMALE,
        date_of_birth=date(1988, 7, 2),
        screening=SafetyScreening(recent_toxin=True),
    )
    w = open_window(patient_id=patient.id)
    services.patients  # noqa: B018
    w._prompts.queue("Last toxin was 14 weeks ago (glabella, 20 U); checked with the prescriber")
    assert w.safety.use_vial(_lidocaine_vial(services))
    d = w.ui.details
    for ind in (Indication.PORES, Indication.OIL, Indication.TEXTURE):
        d.indications[ind].setChecked(True)
    d.consent_confirmed.setChecked(True)
    d.prescriber.setText("Dr. Hana Brook, MD")
    d.order_reference.setText("ORD-2291")
    d.needle_gauge.setValue(32)
    d.notes.setPlainText("Oily T-zone; patient prefers minimal downtime. Avoided lateral lower cheek.")
    for m, g in ((Measure.PORES, 3), (Measure.OIL, 3), (Measure.REDNESS, 1)):
        w.ui.baseline.pickers[m].set_value(g)
    w.ui.baseline.readings["sebum_ug_cm2"].setText("182")
    for zone, spacing in (
        (Zone.FOREHEAD, 1.2),
        (Zone.NOSE, 1.0),
        (Zone.CHEEK_LEFT, 1.2),
        (Zone.CHEEK_RIGHT, 1.2),
    ):
        w.editor.grid_fill(zone, spacing)
    w.map.set_selected_uids(w.points_model.uids()[-10:])
    w.controller.flush()
    return w


def test_screenshot_charting(styled, open_window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    OUT.mkdir(parents=True, exist_ok=True)
    w = _charted_window(open_window, services)
    w.ui.totals.tabs.setCurrentIndex(0)
    qtbot.wait(50)
    w.grab().save(str(OUT / "session-charting.png"))


def test_screenshot_signed(styled, open_window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = _charted_window(open_window, services)
    w._prompts.queue(PASSWORD)
    w.signing.sign()
    assert w.session.status == "signed"
    w.map.set_selected_uids([])
    qtbot.wait(50)
    w.grab().save(str(OUT / "session-signed.png"))


def test_screenshot_vial_dialog(styled, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.session.vial_dialog import VialDialog

    dlg = VialDialog(None, services, prompts)
    qtbot.addWidget(dlg)
    dlg.tabs.setCurrentIndex(1)
    dlg.lot.setText("C7421B3")
    dlg.expiry.setDate(date(2027, 5, 31))
    dlg.lidocaine_ml.setValue(0.5)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.grab().save(str(OUT / "vial-dialog.png"))


def test_screenshot_follow_up(styled, open_window, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.session.follow_up import FollowUpDialog

    w = _charted_window(open_window, services)
    w._prompts.queue(PASSWORD)
    w.signing.sign()
    dlg = FollowUpDialog(None, services, prompts, w.session_id)
    qtbot.addWidget(dlg)
    dlg.time_point.setCurrentIndex(dlg.time_point.findData(TimePoint.WEEK_4))
    for m, g in ((Measure.PORES, 2), (Measure.OIL, 1), (Measure.REDNESS, 1)):
        dlg.pickers[m].set_value(g)
    dlg.readings["sebum_ug_cm2"].setText("118")
    dlg.gais.setCurrentIndex(dlg.gais.findText("Much improved"))
    dlg.satisfaction.setCurrentIndex(5)
    dlg.photos.setChecked(True)
    dlg.notes.setPlainText("Less shine by midday; pores on the nose visibly smaller.")
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.grab().save(str(OUT / "follow-up.png"))
    _ = replace


def test_screenshot_sign_dialog(styled, open_window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.session.sign_dialog import SignDialog, SignSummary

    w = _charted_window(open_window, services)
    c = w.controller
    c.refresh_warnings_now()
    for warning in c.safety.unacknowledged():
        c.acknowledge(warning, "Last toxin 14 weeks ago (glabella, 20 U); checked with the prescriber")
    warnings = [(x.message, c.safety.reasons.get(x.key, "")) for x in c.safety.warnings]
    dlg = SignDialog(w, SignSummary.of(c.session, c.patient, c.vials, c.products, warnings))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.width() <= 1280 and dlg.height() <= 800
    dlg.grab().save(str(OUT / "sign-dialog.png"))


def test_screenshot_reason_dialog(styled, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from clinicrec.ui.session.sign_dialog import ReasonDialog

    dlg = ReasonDialog(
        None,
        "Reason for going ahead",
        "Botulinum toxin within the last 3 months (screening).\n\nWhy go ahead? The reason is recorded "
        "with the session.",
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)  # empty: the message beside the field
    dlg.grab().save(str(OUT / "reason-dialog.png"))
