"""A nurse's whole day with one patient, driven through the real windows on a real SQLite file:
sign in, find the patient, open a vial, grid-fill a zone, adjust a point, rate the baseline, sign,
try to edit and be refused, amend, add a follow-up; then check what landed in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from clinicrec.db.models import AssessmentRow, AuditRow, PointRow, SessionRow
from clinicrec.domain import facemap
from clinicrec.domain.enums import DoseBasis, Gais, Indication, Measure, TimePoint, Zone
from clinicrec.domain.errors import SignedRecordError
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services import audit
from clinicrec.ui.figures import plain
from tests.conftest import PASSWORD, World, make_patient

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_nurse_charts_signs_amends_and_follows_up(world: World, qtbot, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from clinicrec.ui.login_dialog import LoginDialog
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.session.follow_up import FollowUpDialog
    from clinicrec.ui.session.vial_dialog import VialDialog

    services = world.services
    patient = make_patient(services, first_name="Zoë", last_name="Ñúñez-Øster")
    make_patient(services, first_name="Zack", last_name="Other")
    services.act_as(None)

    # Sign in.
    login = LoginDialog(services)
    qtbot.addWidget(login)
    qtbot.keyClicks(login.username_edit, "nurse")
    qtbot.keyClicks(login.password_edit, PASSWORD)
    qtbot.mouseClick(login.sign_in_button, Qt.MouseButton.LeftButton)
    assert services.actor is not None and services.actor.username == "nurse"

    # Find the patient by typing (accent-insensitive) and open her chart.
    main = MainWindow(services, bus, prompts, worker)
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    qtbot.keyClicks(main.patient_list.search_edit, "zoe")
    qtbot.waitUntil(lambda: main.patient_list.model.rowCount() == 1)
    main.show_patient(patient.id)
    assert main.current_patient_id == patient.id

    # New session (Ctrl+N) for her.
    qtbot.keyClick(main, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(main.session_windows) == 1)
    window = main.session_windows[0]
    qtbot.waitExposed(window)

    # Open a vial: Botox Cosmetic 100 U in 2.5 mL -> 4 U/0.1 mL.
    dlg = VialDialog(window, services, prompts)
    qtbot.addWidget(dlg)
    dlg.product.setCurrentIndex(dlg.product.findText("Botox Cosmetic", Qt.MatchFlag.MatchStartsWith))
    dlg.vial_units.setValue(100)
    dlg.diluent_ml.setValue(2.5)
    qtbot.keyClicks(dlg.lot, "C7421B3")
    dlg.expiry.setDate(date(2030, 1, 31))
    assert plain(dlg.concentration.text()) == "4 U/0.1 mL (40 U/mL)"
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is not None
    assert window.safety.use_vial(dlg.chosen)
    assert window.ui.vial_panel.concentration_text() == "4 U/0.1 mL (40 U/mL)"

    # Grid-fill the left cheek at 1.0 cm with the default dose of 0.4 U per point.
    tools = window.ui.tools
    tools.set_zone(Zone.CHEEK_LEFT)
    tools.spacing.setValue(1.0)
    qtbot.mouseClick(tools.fill_button, Qt.MouseButton.LeftButton)
    expected = facemap.grid_fill(Zone.CHEEK_LEFT, 1.0)
    assert window.points_model.rowCount() == len(expected) > 5

    # Adjust one point: 0.6 U instead of 0.4 U.
    first = window.points_model.uids()[0]
    window.map.set_selected_uids([first])
    tools.selected_dose.basis.setCurrentIndex(tools.selected_dose.basis.findData(DoseBasis.UNITS))
    tools.selected_dose.value.clear()
    qtbot.keyClicks(tools.selected_dose.value, "0.6")
    qtbot.mouseClick(tools.apply_dose_button, Qt.MouseButton.LeftButton)

    # Indication, consent and baseline ratings.
    details = window.ui.details
    details.indications[Indication.PORES].setChecked(True)
    details.indications[Indication.OIL].setChecked(True)
    details.consent_confirmed.setChecked(True)
    for measure, grade in ((Measure.PORES, 3), (Measure.OIL, 3), (Measure.REDNESS, 1)):
        window.ui.baseline.pickers[measure].set_value(grade)
    window.controller.flush()
    session_id = window.session_id
    assert session_id is not None

    # Sign with the password.
    prompts.queue(PASSWORD)
    window.signing.sign()
    with services.db.read() as s:
        row = s.get(SessionRow, session_id)
        assert row is not None and row.status == "signed" and row.signed_by_id == world.injector.user_id
        points = (
            s.execute(select(PointRow).where(PointRow.session_id == session_id).order_by(PointRow.seq))
            .scalars()
            .all()
        )
        baseline = s.execute(select(AssessmentRow).where(AssessmentRow.session_id == session_id)).scalar_one()
    assert len(points) == len(expected)
    assert {p.zone for p in points} == {"cheek_left"}
    assert points[0].units == 0.6 and points[0].volume_ml == pytest.approx(0.015)
    assert all(p.units == 0.4 and p.volume_ml == pytest.approx(0.01) for p in points[1:])
    assert (baseline.pores, baseline.oil, baseline.redness, baseline.scale_version) == (
        3,
        3,
        1,
        CURRENT_SCALE_VERSION,
    )

    # Try to edit: the window is read-only and the service refuses.
    before = window.points_model.rowCount()
    window.editor.place(*facemap.zone_centroid(Zone.CHIN))
    assert window.points_model.rowCount() == before
    signed = services.charting.get(session_id)
    with pytest.raises(SignedRecordError):
        services.charting.save_draft(replace(signed, notes="quietly changed"))

    # Amend with a reason; the original stays as it was.
    prompts.queue("Baseline redness was 2, not 1")
    with qtbot.waitSignal(window.sig_amendment_started):
        window.signing.amend()
    amendment_id = window.session_id
    assert amendment_id != session_id
    window.ui.baseline.pickers[Measure.REDNESS].set_value(2)
    window.controller.flush()
    prompts.queue(PASSWORD)
    window.signing.sign()
    with services.db.read() as s:
        amended = s.get(SessionRow, amendment_id)
        assert amended is not None
        assert (amended.amends_id, amended.status, amended.amendment_reason) == (
            session_id,
            "signed",
            "Baseline redness was 2, not 1",
        )
        redness = (
            s.execute(
                select(AssessmentRow.redness)
                .where(
                    AssessmentRow.session_id.in_([session_id, amendment_id]),
                    AssessmentRow.time_point == "baseline",
                )
                .order_by(AssessmentRow.session_id)
            )
            .scalars()
            .all()
        )
    assert redness == [1, 2]

    # Follow-up at week 4: four weeks later (a follow-up is never dated in the future).
    world.clock.set(datetime.now(UTC) + timedelta(days=28, hours=1))
    fu = FollowUpDialog(None, services, prompts, session_id)
    qtbot.addWidget(fu)
    fu.time_point.setCurrentIndex(fu.time_point.findData(TimePoint.WEEK_4))
    fu.pickers[Measure.PORES].set_value(1)
    fu.pickers[Measure.OIL].set_value(2)
    fu.pickers[Measure.REDNESS].set_value(1)
    fu.gais.setCurrentIndex(fu.gais.findData(Gais.MUCH_IMPROVED))
    fu.satisfaction.setCurrentIndex(fu.satisfaction.findData(5))
    qtbot.mouseClick(fu.save_button, Qt.MouseButton.LeftButton)
    assert fu.saved is not None

    with services.db.read() as s:
        follow = s.execute(select(AssessmentRow).where(AssessmentRow.time_point == "week_4")).scalar_one()
        assert (
            follow.session_id,
            follow.pores,
            follow.oil,
            follow.redness,
            follow.gais,
            follow.satisfaction,
        ) == (session_id, 1, 2, 1, "much_improved", 5)
        actions = [(r.action, r.entity) for r in s.execute(select(AuditRow).order_by(AuditRow.id)).scalars()]
        verified = audit.verify(s)
    assert (
        ("sign_in", "user") in actions and ("sign", "session") in actions and ("amend", "session") in actions
    )
    assert ("create", "assessment") in actions and ("view", "patient") in actions
    assert verified.ok and verified.signed_sessions_checked == 2

    # The patient's chart shows the trend from baseline to the follow-up.
    main.show_patient(patient.id)
    history = services.records.history(patient.id)
    original = next(h for h in history if session_id in [v.session_id for v in h.versions])
    assert (original.pores.baseline, original.pores.latest, original.latest_follow_up) == (3, 1, "Week 4")
    for w in list(main.session_windows):
        w.close()
