"""Issue 14: windows already open follow a switch of colour scheme (the desktop's hint, applied by
``style.apply_style``), and every screen and dialog built in the dark scheme reads: no text widget's
colour has a contrast below 3 against the background painted behind it (WCAG's floor for large text; body
text is held to 4.5 where the scheme sets it), and the clinical red and amber stay distinct."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QWidget

from clinicrec.ui import style
from clinicrec.ui.style import DARK, LIGHT, Scheme, apply_style
from tests.ui.legibility import contrast, illegible, luminance, readings
from tests.ui.session.conftest import status_of

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


@pytest.fixture
def schemed(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    apply_style(qapp, LIGHT)
    yield
    qapp.setStyleSheet("")  # leave the process as other tests expect it
    qapp.setPalette(qapp.style().standardPalette())
    style._active = LIGHT


def _corner_is_dark(w: QWidget) -> bool:
    image = w.grab().toImage()
    return luminance(image.pixelColor(image.width() - 3, image.height() - 3)) < 0.1


def _show(qtbot, w: QWidget, size: tuple[int, int] | None = (1280, 800)) -> QWidget:  # type: ignore[no-untyped-def]
    qtbot.addWidget(w)
    if size:
        w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    QApplication.processEvents()
    return w


def _caution_colours_hold(scheme: Scheme) -> None:
    text, red, amber = QColor(scheme.text), QColor(scheme.danger), QColor(scheme.warn_text)
    assert abs(red.hslHue() - amber.hslHue()) >= 25, f"{scheme.name}: red and amber look alike"

    def chroma(c: QColor) -> int:  # how coloured, whatever the lightness: text is near grey
        return max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue())

    for caution in (red, amber):
        assert chroma(caution) - chroma(text) >= 80, f"{scheme.name}: a caution looks like plain text"
    assert contrast(red, QColor(scheme.danger_bg)) >= 4.5 and contrast(amber, QColor(scheme.warn_bg)) >= 4.5


def test_open_windows_restyle_when_the_scheme_switches(  # type: ignore[no-untyped-def]
    qtbot, qapp, schemed, world, services, bus, prompts, worker, open_window, vial
) -> None:
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.reports.reports_screen import ReportsScreen

    services.act_as(world.manager)
    main = _show(qtbot, MainWindow(services, bus, prompts, worker))
    reports = _show(qtbot, ReportsScreen(services, prompts, worker))
    services.act_as(world.injector)
    session = open_window()
    assert session.safety.use_vial(status_of(services, vial))
    session.ui.screening.set_screening(None)
    badge = session.ui.screening
    header = session.findChild(QFrame, "session_header")
    windows = (main, reports, session)
    assert not any(_corner_is_dark(w) for w in windows)
    before = {w: w.palette().color(QPalette.ColorRole.Window) for w in windows}
    header_before, badge_before = header.styleSheet(), badge.styleSheet()

    # the way the app does it: startup follows the desktop (apply_style without a scheme), and the
    # desktop announces a switch with QStyleHints.colorSchemeChanged (emitted here: the offscreen
    # platform has no desktop to switch)
    apply_style(qapp)
    apply_style(qapp, LIGHT)
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    QApplication.processEvents()

    assert style.active() is DARK
    for w in windows:
        assert w.palette().color(QPalette.ColorRole.Window) != before[w]
        assert _corner_is_dark(w), f"{w.objectName()} still light after the switch"
        found = readings(w)
        assert len(found) > 5
        low = [str(r) for r in found if r.ratio < 4.5 and not r.widget.font().bold()]
        assert not low, f"{w.objectName()}: " + "; ".join(low)
        assert not illegible(w, 3.0)
    # colours set by hand followed too, not only the palette
    assert header.styleSheet() != header_before and DARK.surface in header.styleSheet()
    assert badge.styleSheet() != badge_before and DARK.danger_bg in badge.styleSheet()
    muted = next(lbl for lbl in session.findChildren(QLabel) if lbl.property("role") == "muted")
    assert muted.palette().color(muted.foregroundRole()) == QColor(DARK.muted)
    _caution_colours_hold(DARK)

    apply_style(qapp, LIGHT)  # and back
    QApplication.processEvents()
    assert not any(_corner_is_dark(w) for w in windows)
    assert LIGHT.surface in header.styleSheet() and LIGHT.danger_bg in badge.styleSheet()
    _caution_colours_hold(LIGHT)


def test_the_lock_card_follows_a_switch_while_locked(
    qtbot, qapp, schemed, services, bus, prompts, worker
) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.app import _install_idle_lock
    from clinicrec.ui.main_window import MainWindow

    window = _show(qtbot, MainWindow(services, bus, prompts, worker))
    lock = _install_idle_lock(services, bus, window)
    window.clinic_actions.lock_action.trigger()
    QApplication.processEvents()
    card = window.findChild(QFrame, "lock_card")
    assert card is not None and card.isVisible() and LIGHT.surface in card.styleSheet()
    apply_style(qapp, DARK)
    QApplication.processEvents()
    assert DARK.surface in card.styleSheet() and _corner_is_dark(window)
    assert not illegible(window, 4.5)
    lock.release()


def _dialogs(world, services, bus, prompts, worker, open_window, vial, qtbot):  # type: ignore[no-untyped-def]
    """Each dialog of the session and the clinic, filled as a nurse or manager would, keyed by name."""
    from clinicrec.ui.interop.export_dialog import ExportDialog
    from clinicrec.ui.interop.import_wizard import ImportWizard
    from clinicrec.ui.print_preview import PrintPreviewDialog
    from clinicrec.ui.session.adverse_event_dialog import AdverseEventDialog
    from clinicrec.ui.session.follow_up import FollowUpDialog
    from clinicrec.ui.session.sign_dialog import ReasonDialog, SignDialog, SignSummary
    from clinicrec.ui.session.vial_dialog import VialDialog
    from clinicrec.ui.shortcut_sheet import ShortcutSheet

    session = open_window()
    assert session.safety.use_vial(status_of(services, vial))
    c = session.controller
    c.flush()
    sid = session.session_id
    vial_dialog = VialDialog(None, services, prompts)
    vial_dialog.tabs.setCurrentIndex(1)
    vial_dialog.lot.setText("C7421B3")
    vial_dialog.expiry.setDate(date(2020, 5, 31))  # expired: the red warning shows
    warnings = [(x.message, c.safety.reasons.get(x.key, "")) for x in c.safety.warnings]
    made: dict[str, QWidget] = {
        "session": session,
        "vial": vial_dialog,
        "adverse-event": AdverseEventDialog(None, services, prompts, sid),
        "sign": SignDialog(session, SignSummary.of(c.session, c.patient, c.vials, c.products, warnings)),
        "discard": ReasonDialog(None, "Discard draft", "Why is this draft discarded?"),
        "shortcuts": ShortcutSheet([session]),
        "print-preview": PrintPreviewDialog(services.printing.leaflet_bytes(), "leaflet"),
    }
    services.act_as(world.manager)
    made["import"] = ImportWizard(services, prompts, worker)
    made["export"] = ExportDialog(services, prompts, worker)
    services.act_as(world.injector)
    made["follow-up"] = FollowUpDialog(None, services, prompts, sid)
    return made


def test_every_dialog_built_in_the_dark_reads(  # type: ignore[no-untyped-def]
    qtbot, qapp, schemed, world, services, bus, prompts, worker, open_window, vial
) -> None:
    apply_style(qapp, DARK)
    try:
        made = _dialogs(world, services, bus, prompts, worker, open_window, vial, qtbot)
    except Exception as e:  # noqa: BLE001 - a dialog that refuses (e.g. no signed session) names itself
        pytest.fail(f"building the dialogs: {e}")
    problems: list[str] = []
    for name, w in made.items():
        if name != "session":
            _show(qtbot, w, None)
        assert _corner_is_dark(w), f"{name} is not dark"
        found = readings(w)
        assert found, f"{name}: no text found"
        problems += [f"{name}: {p}" for p in illegible(w, 3.0)]
        w.close()
    assert not problems, "\n".join(problems)


def test_a_follower_restyles_on_each_switch_and_stops_with_its_widget(qapp, schemed) -> None:  # type: ignore[no-untyped-def]
    import shiboken6

    from clinicrec.ui.style import follow_scheme

    seen: list[str] = []
    label = QLabel("x")
    follow_scheme(label, lambda s: seen.append(s.name))
    apply_style(qapp, DARK)
    apply_style(qapp, LIGHT)
    assert seen == ["light", "dark", "light"]
    shiboken6.delete(label)
    apply_style(qapp, DARK)  # no call into a destroyed widget
    assert seen == ["light", "dark", "light"]


def test_the_consent_form_is_rendered_again_in_the_new_scheme(
    qtbot, qapp, schemed, services, patient
) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.consent.consent_dialog import ConsentDialog

    dialog = ConsentDialog(services, patient.id)
    qtbot.addWidget(dialog)
    reader = dialog.reader
    assert LIGHT.danger_bg in reader.toHtml().lower()
    apply_style(qapp, DARK)
    html = reader.toHtml().lower()
    assert DARK.danger_bg in html and LIGHT.danger_bg not in html  # the warning box is dark red, not pink


def test_the_import_wizard_survives_switches_while_open(
    qtbot, qapp, schemed, world, services, prompts, worker
) -> None:  # type: ignore[no-untyped-def]
    """Replacing the Fusion style on every switch crashed Qt with a QWizard open (segfault in the next
    style sheet change): the style is set once, only palette and style sheet change."""
    from clinicrec.ui.interop.import_wizard import ImportWizard

    services.act_as(world.manager)
    wizard = _show(qtbot, ImportWizard(services, prompts, worker), None)
    import shiboken6

    def style_in_use() -> tuple[str, int]:  # the C++ object (a Python wrapper's id may be a new one's)
        return qapp.style().objectName(), shiboken6.getCppPointer(qapp.style())[0]

    style_before = style_in_use()
    for scheme in (DARK, LIGHT, DARK):
        apply_style(qapp, scheme)
        QApplication.processEvents()
    assert _corner_is_dark(wizard) and not illegible(wizard, 4.5)
    assert style_in_use() == style_before
