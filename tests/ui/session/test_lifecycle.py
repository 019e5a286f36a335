"""Drafts save themselves; signing locks; only an amendment changes a signed session; closing asks only
when something could not be saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinicrec.db.models import AssessmentRow, SessionRow
from clinicrec.domain import facemap
from clinicrec.domain.enums import Measure, SessionStatus, Zone
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from tests.conftest import PASSWORD

from .conftest import click_map, db_points, make_signable, session_row

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_autosave_persists_a_typed_note(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(window.ui.details.notes, "Mild erythema after the forehead")
    qtbot.waitUntil(lambda: window.session_id is not None and not window.controller.dirty, timeout=5000)
    assert session_row(services, window.session_id).notes == "Mild erythema after the forehead"


def test_baseline_ratings_saved_with_scale_version(window, services) -> None:  # type: ignore[no-untyped-def]
    window.ui.baseline.pickers[Measure.PORES].set_value(3)
    window.ui.baseline.pickers[Measure.OIL].set_value(2)
    window.ui.baseline.pickers[Measure.REDNESS].set_value(1)
    assert window.ui.baseline.pickers[Measure.PORES].anchor_label.text().startswith("Enlarged:")
    window.ui.baseline.readings["sebum_ug_cm2"].setText("182")
    window.ui.baseline.readings["sebum_ug_cm2"].textEdited.emit("182")
    window.controller.flush()
    with services.db.read() as s:
        [row] = s.execute(select(AssessmentRow)).scalars().all()
        assert (row.time_point, row.pores, row.oil, row.redness, row.sebum_ug_cm2, row.scale_version) == (
            "baseline",
            3,
            2,
            1,
            182.0,
            CURRENT_SCALE_VERSION,
        )


def test_reading_that_is_not_a_number_is_shown_at_its_field(window) -> None:  # type: ignore[no-untyped-def]
    window.ui.baseline.readings["erythema_index"].setText("high")
    window.ui.baseline.readings["erythema_index"].textEdited.emit("high")
    assert not window.controller.save_now()
    assert "Erythema index must be a number" in window.ui.baseline.errors["baseline.erythema_index"].text()


def test_service_errors_appear_next_to_their_field(window) -> None:  # type: ignore[no-untyped-def]
    d = window.ui.details
    d.consent_confirmed.setChecked(True)
    d.consent_form_version.setText("")
    d.consent_form_version.textEdited.emit("")
    assert not window.controller.save_now()
    assert d.errors["consent.form_version"].text() == "Consent form version is required"
    assert window.ui.errors_banner.isVisible()
    assert window.ui.left_tabs.tabText(0) == "Session ⚠"


def test_closing_with_a_validation_error_prompts(window, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    d = window.ui.details
    d.consent_confirmed.setChecked(True)
    d.consent_form_version.setText("")
    d.consent_form_version.textEdited.emit("")
    prompts.queue("cancel")
    assert not window.close()
    assert prompts.shown[-1][0] == "save_discard_cancel"
    assert "Consent form version is required" in prompts.shown[-1][2]
    prompts.queue("discard")
    assert window.close()


def test_closing_a_saved_draft_asks_nothing(window, prompts) -> None:  # type: ignore[no-untyped-def]
    window.editor.place(*facemap.zone_centroid(Zone.NOSE))
    assert window.close()  # saved on close
    assert not [p for p in prompts.shown if p[0] == "save_discard_cancel"]


def test_sign_with_the_right_password_locks_the_window(window, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue(PASSWORD)
    with qtbot.waitSignal(window.sig_session_signed):
        window.signing.sign()
    assert session_row(services, window.session_id).status == "signed"
    assert window.ui.details.prescriber.isReadOnly()
    assert not window.ui.tools.fill_button.isEnabled()
    assert window.ui.banner.isVisible() and window.ui.banner.text().startswith(
        "✔ Signed by Nina Nurse, RN at"
    )
    assert window.save_state.text() == "Signed"


def test_sign_with_a_wrong_password_is_refused(window, services, prompts) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue("not my password")
    window.signing.sign()
    assert session_row(services, window.session_id).status == "draft"
    assert prompts.shown[-1][:2] == ("error", "Not signed")
    assert not window.ui.details.prescriber.isReadOnly()


def test_signing_asks_a_reason_for_each_warning(window, services, prompts, world) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    patient = services.patients.get(window.controller.patient.id)
    services.patients.update(replace(patient, screening=replace(patient.screening, recent_toxin=True)))
    make_signable(window)
    prompts.queue("Last toxin 4 months ago, checked", PASSWORD)
    window.signing.sign()
    row = session_row(services, window.session_id)
    assert row.status == "signed"
    record = services.records.record(window.session_id)
    assert [a.reason for a in record.session.acknowledgements] == ["Last toxin 4 months ago, checked"]


def test_incomplete_chart_is_not_signed_and_says_why(window, prompts) -> None:  # type: ignore[no-untyped-def]
    window.editor.place(*facemap.zone_centroid(Zone.NOSE))
    window.signing.sign()
    assert not [p for p in prompts.shown if p[0] == "password"]
    assert window.ui.details.errors["consent"].text() == "Consent must be recorded before signing"
    assert "Baseline ratings" in window.ui.baseline.errors["baseline"].text()


def test_editing_after_signing_is_refused(window, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    before = db_points(services, window.session_id)
    click_map(qtbot, window, *facemap.zone_centroid(Zone.FOREHEAD))
    assert window.editor.grid_fill(Zone.NOSE, 1.0) == 0
    assert window.editor.delete(window.points_model.uids()) == 0
    assert "signed" in window.statusBar().currentMessage()
    window.controller.flush()
    assert db_points(services, window.session_id) == before
    assert window.close()


def test_amendment_with_reason_creates_a_linked_draft(window, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    original = window.session_id
    prompts.queue("Dose at one point was mistyped")
    with qtbot.waitSignal(window.sig_amendment_started):
        window.signing.amend()
    amendment = window.session_id
    assert amendment != original
    row = session_row(services, amendment)
    assert (row.amends_id, row.amendment_reason, row.status) == (
        original,
        "Dose at one point was mistyped",
        "draft",
    )
    when = services.charting.get(original).performed_at.astimezone()
    banner = window.ui.banner.text()
    assert (
        f"Amendment of the session of {when:%Y-%m-%d %H:%M}. Reason: Dose at one point was mistyped" in banner
    )
    assert str(original) not in banner.replace(f"{when:%Y-%m-%d %H:%M}", "")  # no internal numbers
    window.editor.place(*facemap.zone_centroid(Zone.CHIN))  # editable again
    window.controller.flush()
    assert len(db_points(services, amendment)) == 2
    assert len(db_points(services, original)) == 1
    assert window.session.status == SessionStatus.DRAFT


def test_reopening_a_signed_session_is_read_only(open_window, window, services, prompts) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    again = open_window(session_id=window.session_id)
    assert again.controller.read_only and again.ui.banner.text().startswith("✔ Signed by")
    assert again.points_model.rowCount() == 1


def test_start_from_the_last_map(open_window, window, services, prompts) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_vial

    from .conftest import status_of

    window.editor.grid_fill(Zone.NOSE, 1.0)
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    diluted = make_vial(services, diluent_ml=5.0, lot="D5")  # 2 U/0.1 mL
    w2 = open_window()
    w2.safety.use_vial(status_of(services, diluted))
    w2.safety.start_from_last_map()
    w2.controller.flush()
    before, after = db_points(services, window.session_id), db_points(services, w2.session_id)
    assert [(p[0], p[1], p[2], p[3]) for p in after] == [(p[0], p[1], p[2], p[3]) for p in before]
    assert {p[4] for p in after} == {0.02}  # 0.4 U now 0.02 mL at the weaker dilution


def test_nothing_is_stored_until_something_is_charted(open_window, services) -> None:  # type: ignore[no-untyped-def]
    window = open_window()
    window.controller.flush()
    assert window.close()
    with services.db.read() as s:
        assert s.execute(select(SessionRow)).first() is None
