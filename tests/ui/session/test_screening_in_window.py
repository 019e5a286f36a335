"""Issue 11: the session window asks the screening at this visit; the warnings follow what was confirmed,
it is saved with the session (who asked, when), and a signed session's screening is no longer changed."""

from __future__ import annotations

from PySide6.QtCore import Qt

from clinicrec.domain.enums import AllergyStatus, ScreeningAnswer, WarningKind
from tests.conftest import PASSWORD

from .conftest import make_signable


def _kinds(window) -> set[WarningKind]:  # type: ignore[no-untyped-def]
    """What the window shows (warnings needing a reason)."""
    return {w.kind for w in window.controller.safety.warnings}


def _review(window, services) -> set[WarningKind]:  # type: ignore[no-untyped-def]
    """Every rule that applies to the session as charted now, information included."""
    session, _ = window.controller.current_session()
    return {w.kind for w in services.charting.safety_review(session)}


def _answer(panel, item: str, answer: ScreeningAnswer) -> None:  # type: ignore[no-untyped-def]
    combo = panel.answers[item]
    combo.setCurrentIndex(combo.findData(answer))


def test_the_screening_tab_confirms_and_the_warnings_follow(window, services, world, qtbot) -> None:  # type: ignore[no-untyped-def]
    tabs = window.ui.left_tabs
    assert [tabs.tabText(i) for i in range(3)] == ["Session", "Baseline", "Screening"]
    panel = window.screening
    assert WarningKind.SCREENING_NOT_CONFIRMED in _review(window, services)
    assert WarningKind.POSITIVE_SCREENING not in _kinds(window)
    assert panel.asked.text().startswith("Not yet confirmed at this visit")

    tabs.setCurrentIndex(2)
    for item in panel.answers:
        _answer(panel, item, ScreeningAnswer.NO)
    _answer(panel, "pregnant_or_breastfeeding", ScreeningAnswer.YES)
    panel.allergy_status.setCurrentIndex(panel.allergy_status.findData(AllergyStatus.NONE_KNOWN))
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)

    review = _review(window, services)
    assert WarningKind.SCREENING_NOT_CONFIRMED not in review  # confirmed now
    assert WarningKind.ALLERGIES_NOT_RECORDED not in review  # "no known allergies" was recorded
    assert WarningKind.POSITIVE_SCREENING in _kinds(window)  # the "yes" given at this visit
    assert any("regnan" in m for m in window.ui.totals.warnings.messages())
    assert panel.asked.text().startswith(f"Confirmed by {world.injector.full_name} at ")
    assert window.controller.dirty  # saved with the draft, as any change

    window.controller.flush()
    stored = services.charting.get(window.session_id).screening
    assert stored is not None
    assert stored.answer("pregnant_or_breastfeeding") == ScreeningAnswer.YES
    assert stored.allergy_status == AllergyStatus.NONE_KNOWN
    assert stored.asked_by_id == world.injector.user_id
    assert stored.asked_at is not None and stored.asked_at <= world.clock()


def test_saying_no_again_clears_the_warning_it_raised(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = window.screening
    for item in panel.answers:
        _answer(panel, item, ScreeningAnswer.NO)
    _answer(panel, "neuromuscular_disorder", ScreeningAnswer.YES)
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    assert WarningKind.POSITIVE_SCREENING in _kinds(window)
    _answer(panel, "neuromuscular_disorder", ScreeningAnswer.NO)
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    assert WarningKind.POSITIVE_SCREENING not in _kinds(window)


def test_a_signed_sessions_screening_is_shown_not_changed(window, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = window.screening
    for item in panel.answers:
        _answer(panel, item, ScreeningAnswer.NO)
    panel.allergy_status.setCurrentIndex(panel.allergy_status.findData(AllergyStatus.NONE_KNOWN))
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    make_signable(window)
    prompts.queue(PASSWORD)
    with qtbot.waitSignal(window.sig_session_signed):
        window.signing.sign()
    assert not panel.confirm_button.isEnabled()
    assert not panel.answers["pregnant_or_breastfeeding"].isEnabled()
    assert panel.allergies.isReadOnly()
    assert panel.asked.text().startswith("Confirmed by ")
    signed = services.charting.get(window.session_id)
    assert signed.screening is not None and signed.screening.allergy_status == AllergyStatus.NONE_KNOWN
