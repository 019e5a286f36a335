"""Printing and saving handouts, charts and the leaflet, from the session window and the patient chart.

Real SQLite, real PDFs read back with pypdf; printing goes through a PDF-format QPrinter handed in
where the print dialog would be, and the printed file is checked (pages, paper, not blank).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import shiboken6
from pypdf import PdfReader
from PySide6.QtCore import Qt, QThread
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import func, select

from clinicrec.db.models import AuditRow
from clinicrec.domain.enums import PaperSize, SessionStatus, Zone
from clinicrec.domain.models import Patient, TreatmentSession
from clinicrec.ui.printing import DocumentPrinter, safe_file_name, with_pdf_suffix
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, grid, signed

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

T0 = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
POINTS = {"A4": (595.3, 841.9), "Letter": (612.0, 792.0)}


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture
def zoe(world: World) -> Patient:
    world.clock.set(T0)
    return make_patient(world.services, first_name="Zoë", last_name="Núñez-Øster")


@pytest.fixture
def draft(world: World, zoe: Patient) -> TreatmentSession:
    vial = make_vial(world.services)
    return world.services.charting.save_draft(chart(world, zoe, grid(vial, 2, 20, Zone.FOREHEAD)))


@pytest.fixture
def signed_session(world: World, zoe: Patient) -> TreatmentSession:
    vial = make_vial(world.services, lot="S1")
    return signed(world, chart(world, zoe, grid(vial, 2, 12, Zone.CHIN)), reasons="Checked")


@pytest.fixture
def printer(services, prompts, worker, qtbot) -> DocumentPrinter:  # type: ignore[no-untyped-def]
    return DocumentPrinter(services, prompts, worker)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where the documents go (tmp_path also holds the test's database)."""
    out = tmp_path / "out"
    out.mkdir()
    return out


@pytest.fixture
def pdf_printer(folder: Path):  # type: ignore[no-untyped-def]
    """A factory of PDF-format QPrinters writing into ``folder``, as the print dialog would return."""

    def make(name: str = "printed.pdf", dpi: int = 300) -> QPrinter:
        p = QPrinter(QPrinter.PrinterMode.HighResolution)
        p.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        p.setOutputFileName(str(folder / name))
        p.setResolution(dpi)
        return p

    return make


def audit_prints(services) -> int:  # type: ignore[no-untyped-def]
    with services.db.read() as s:
        return s.execute(select(func.count()).where(AuditRow.action == "print")).scalar_one()


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def page_sizes(path: Path) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(path).pages]


def ink_fraction(path: Path, page: int = 1) -> float:
    """Share of non-white pixels on a page, rendered by poppler (Qt prints images: no text to read)."""
    out = subprocess.run(
        ["pdftoppm", "-r", "20", "-gray", "-f", str(page), "-l", str(page), str(path)],
        capture_output=True,
        check=True,
    ).stdout
    header_end = out.index(b"255\n") + 4  # PGM: "P5\nW H\n255\n" then the pixels
    pixels = out[header_end:]
    return sum(1 for b in pixels if b < 200) / len(pixels)


def assert_printed_like(printed: Path, source: bytes, folder: Path, paper: str = "A4") -> None:
    source_file = folder.parent / "source.pdf"
    source_file.write_bytes(source)
    assert printed.is_file()
    sizes = page_sizes(printed)
    assert len(sizes) == len(PdfReader(source_file).pages)
    for w, h in sizes:
        assert (w, h) == pytest.approx(POINTS[paper], abs=1.5)
    assert printed.stat().st_size > 20_000  # embedded fonts and drawings, not empty pages
    if shutil.which("pdftoppm"):
        for page in range(1, len(sizes) + 1):
            assert ink_fraction(printed, page) > 0.01


# -- saving ---------------------------------------------------------------------------------------
def test_save_handout_writes_the_pdf_where_asked(printer, prompts, draft, folder, qtbot) -> None:  # type: ignore[no-untyped-def]
    prompts.queue(str(folder / "for-zoe"))  # no suffix typed: .pdf is added
    with qtbot.waitSignal(printer.sig_saved) as saved:
        printer.save_handout(draft.id)
    out = folder / "for-zoe.pdf"
    assert saved.args == [str(out)]
    text = text_of(out)
    assert "Zoë" in text and "Núñez-Øster" in text
    assert "When to seek care" in text
    kind, title, suggested = prompts.shown[0]
    assert kind == "save_file"
    day = f"{draft.performed_at.astimezone():%Y-%m-%d}"
    assert Path(suggested).name == f"Aftercare - Núñez-Øster, Zoë - {day}.pdf"
    assert prompts.shown[-1][0] == "info" and str(out) in prompts.shown[-1][2]
    assert [p.name for p in folder.iterdir()] == ["for-zoe.pdf"]  # no temporary file left


def test_cancelling_the_save_dialog_makes_nothing(printer, prompts, services, draft, qtbot) -> None:  # type: ignore[no-untyped-def]
    before = audit_prints(services)
    prompts.queue(None)
    with qtbot.assertNotEmitted(printer.sig_busy_changed):
        printer.save_handout(draft.id)
    assert audit_prints(services) == before


def test_an_unwritable_place_shows_an_error_and_leaves_no_file(  # type: ignore[no-untyped-def]
    printer, prompts, services, draft, folder, qtbot
) -> None:
    before = audit_prints(services)
    missing = folder / "no such folder" / "handout.pdf"
    prompts.queue(str(missing))
    with qtbot.waitSignal(printer.sig_failed) as failed:
        printer.save_handout(draft.id)
    kind, title, text = prompts.shown[-1]
    assert kind == "error" and title == "Aftercare handout not saved"
    assert "does not exist" in text and failed.args == [text]
    assert not missing.parent.exists()
    assert audit_prints(services) == before  # refused before anything was made

    a_dir = folder / "a folder.pdf"
    a_dir.mkdir()
    prompts.queue(str(a_dir))
    printer.save_handout(draft.id)
    assert prompts.shown[-1][0] == "error" and "it is a folder" in prompts.shown[-1][2]
    assert list(a_dir.iterdir()) == []
    assert sorted(p.name for p in folder.iterdir()) == ["a folder.pdf"]


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary_one(  # type: ignore[no-untyped-def]
    printer, prompts, draft, folder, qtbot, monkeypatch
) -> None:
    import clinicrec.services.printing as printing_service

    def replace_fails(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(printing_service.os, "replace", replace_fails)
    prompts.queue(str(folder / "handout.pdf"))
    printer.save_handout(draft.id)
    assert prompts.shown[-1][0] == "error" and "No space left on device" in prompts.shown[-1][2]
    assert list(folder.iterdir()) == []


def test_a_broken_clinic_template_is_shown_plainly_and_nothing_is_written(  # type: ignore[no-untyped-def]
    printer, prompts, draft, folder, qtbot, monkeypatch, pdf_printer
) -> None:
    import clinicrec.pdf.handout as handout

    monkeypatch.setattr(handout, "load_template_text", lambda *_: "@title Aftercare\n# Hello {nobody\n")
    prompts.queue(str(folder / "handout.pdf"))
    printer.save_handout(draft.id)
    kind, title, text = prompts.shown[-1]
    assert kind == "error" and "template" in text and "line 2" in text
    printer.printer_chooser = lambda parent: pdf_printer()
    with qtbot.waitSignal(printer.sig_failed):
        printer.print_handout(draft.id)
    assert prompts.shown[-1][1] == "Aftercare handout not printed"
    assert list(folder.iterdir()) == []


def test_without_a_signed_in_user_nothing_is_made(printer, prompts, services, folder, qtbot) -> None:  # type: ignore[no-untyped-def]
    services.act_as(None)
    prompts.queue(str(folder / "leaflet.pdf"))
    with qtbot.waitSignal(printer.sig_failed):
        printer.save_leaflet()
    assert prompts.shown[-1][0] == "error" and "not saved" in prompts.shown[-1][1]
    assert list(folder.iterdir()) == []


# -- printing -------------------------------------------------------------------------------------
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_print_handout_prints_every_page_on_the_clinics_paper(  # type: ignore[no-untyped-def]
    world, printer, prompts, draft, folder, qtbot, pdf_printer, paper
) -> None:
    services = world.services
    if paper == "Letter":
        clinic = world.as_(world.admin).clinic.get()
        world.as_(world.admin).clinic.update(replace(clinic, paper_size=PaperSize.LETTER))
        world.as_(world.injector)
    target = pdf_printer()
    chosen: list[object] = []
    printer.printer_chooser = lambda parent: chosen.append(parent) or target
    with qtbot.waitSignal(printer.sig_printed) as printed:
        printer.print_handout(draft.id)
    assert "Aftercare handout sent to" in printed.args[0]
    assert_printed_like(
        Path(target.outputFileName()), services.printing.handout_bytes(draft.id), folder, paper
    )
    assert target.docName().startswith("Aftercare - Núñez-Øster, Zoë")
    assert not [s for s in prompts.shown if s[0] == "error"]


def test_cancelling_the_print_dialog_prints_nothing(printer, services, draft, qtbot) -> None:  # type: ignore[no-untyped-def]
    before = audit_prints(services)
    printer.printer_chooser = lambda parent: None
    with qtbot.assertNotEmitted(printer.sig_busy_changed):
        printer.print_handout(draft.id)
    assert audit_prints(services) == before


def test_a_printer_that_cannot_start_is_an_error(printer, prompts, draft, folder, qtbot) -> None:  # type: ignore[no-untyped-def]
    p = QPrinter()
    p.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    p.setOutputFileName(str(folder / "missing" / "out.pdf"))
    printer.printer_chooser = lambda parent: p
    with qtbot.waitSignal(printer.sig_failed):
        printer.print_handout(draft.id)
    assert prompts.shown[-1][0] == "error" and "does not exist" in prompts.shown[-1][2]
    assert not (folder / "missing").exists()


def test_the_chart_of_a_signed_session_prints_and_saves(  # type: ignore[no-untyped-def]
    printer, prompts, services, signed_session, folder, qtbot, pdf_printer
) -> None:
    target = pdf_printer("chart-printed.pdf")
    printer.printer_chooser = lambda parent: target
    printer.print_chart(signed_session.id)
    assert_printed_like(
        Path(target.outputFileName()), services.printing.chart_bytes(signed_session.id), folder
    )
    prompts.queue(str(folder / "chart.pdf"))
    printer.save_chart(signed_session.id)
    assert Path(prompts.shown[0][2]).name.startswith("Chart - Núñez-Øster, Zoë - ")
    text = text_of(folder / "chart.pdf")
    assert "Núñez-Øster" in text and "DRAFT" not in text


def test_the_leaflet_is_general_and_prints(  # type: ignore[no-untyped-def]
    printer, prompts, services, zoe, folder, qtbot, pdf_printer
) -> None:
    prompts.queue(str(folder / "leaflet.pdf"))
    printer.save_leaflet()
    assert Path(prompts.shown[0][2]).name == "Microbotox information leaflet.pdf"
    text = text_of(folder / "leaflet.pdf")
    assert "Microbotox" in text and "Test Clinic" in text and "Zoë" not in text
    target = pdf_printer("leaflet-printed.pdf")
    printer.printer_chooser = lambda parent: target
    printer.print_leaflet()
    assert_printed_like(Path(target.outputFileName()), services.printing.leaflet_bytes(), folder)


def test_leaflet_actions_for_a_help_or_print_menu(printer, prompts, folder, qtbot, pdf_printer) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QWidget

    window = QWidget()
    qtbot.addWidget(window)
    print_action, preview_action, save_action, spanish = printer.leaflet_actions(window)
    assert (print_action.objectName(), preview_action.objectName(), save_action.objectName()) == (
        "print_leaflet_action",
        "preview_leaflet_action",
        "save_leaflet_action",
    )
    assert spanish.menu().objectName() == "leaflet_menu_es"
    assert [a.objectName() for a in spanish.menu().actions()] == [
        "print_leaflet_action_es",
        "preview_leaflet_action_es",
        "save_leaflet_action_es",
    ]
    chosen: list[object] = []
    printer.printer_chooser = lambda parent: chosen.append(parent) or pdf_printer("menu.pdf")
    print_action.trigger()
    assert chosen == [window] and (folder / "menu.pdf").is_file()
    prompts.queue(str(folder / "menu-saved.pdf"))
    save_action.trigger()
    assert (folder / "menu-saved.pdf").is_file()
    prompts.queue(str(folder / "folleto.pdf"))
    spanish.menu().actions()[2].trigger()
    assert prompts.shown[-2][2].endswith("Microbotox information leaflet (Spanish).pdf")
    assert "Cuándo buscar ayuda de inmediato" in text_of(folder / "folleto.pdf")


def test_every_print_and_save_is_audited(  # type: ignore[no-untyped-def]
    printer, prompts, services, signed_session, folder, pdf_printer
) -> None:
    printer.printer_chooser = lambda parent: pdf_printer()
    sid = signed_session.id
    for n, (do, saves) in enumerate(
        (
            (lambda: printer.print_handout(sid), False),
            (lambda: printer.save_handout(sid), True),
            (lambda: printer.print_chart(sid), False),
            (lambda: printer.save_chart(sid), True),
            (lambda: printer.print_leaflet(), False),
            (lambda: printer.save_leaflet(), True),
        )
    ):
        if saves:
            prompts.queue(str(folder / f"doc{n}.pdf"))
        before = audit_prints(services)
        do()
        assert audit_prints(services) == before + 1, n
    with services.db.read() as s:
        entities = [r.entity for r in s.execute(select(AuditRow).where(AuditRow.action == "print")).scalars()]
    assert sorted(set(entities)) == ["chart_pdf", "handout", "leaflet"]
    assert not [s for s in prompts.shown if s[0] == "error"]


def test_pages_are_made_and_printed_off_the_gui_thread(  # type: ignore[no-untyped-def]
    services, prompts, draft, folder, qtbot, pdf_printer, monkeypatch
) -> None:
    """A real asynchronous Worker: the call returns at once, the window keeps its thread."""
    from clinicrec.ui.worker import Worker

    worker = Worker()
    printer = DocumentPrinter(services, prompts, worker)
    gui = QThread.currentThread()
    made_on: list[bool] = []
    real = services.printing.handout_bytes

    def handout_bytes(session_id: int, **kw: object) -> bytes:
        made_on.append(QThread.currentThread() is gui)
        return real(session_id, **kw)

    monkeypatch.setattr(services.printing, "handout_bytes", handout_bytes)
    busy: list[bool] = []
    printer.sig_busy_changed.connect(busy.append)
    prompts.queue(str(folder / "async.pdf"))
    with qtbot.waitSignal(printer.sig_saved, timeout=30_000):
        printer.save_handout(draft.id)
        assert printer.busy and busy == [True]  # returned before the PDF was made
    assert busy == [True, False] and made_on == [False]
    assert (folder / "async.pdf").is_file()

    target = pdf_printer("async-printed.pdf")
    printer.printer_chooser = lambda parent: target
    with qtbot.waitSignal(printer.sig_printed, timeout=60_000):
        printer.print_handout(draft.id)
        assert printer.busy
    assert made_on == [False, False] and not printer.busy
    assert len(PdfReader(target.outputFileName()).pages) >= 1
    worker.wait()


def test_closing_the_window_while_a_pdf_is_made_is_harmless(  # type: ignore[no-untyped-def]
    services, prompts, draft, folder, qtbot
) -> None:
    from PySide6.QtWidgets import QWidget

    from clinicrec.ui.worker import Worker

    worker = Worker()
    window = QWidget()
    printer = DocumentPrinter(services, prompts, worker, window)
    prompts.queue(str(folder / "late.pdf"))
    printer.save_handout(draft.id, window)
    with qtbot.waitSignal(printer.destroyed):
        window.deleteLater()
    assert worker.wait()
    qtbot.waitUntil(lambda: not worker.busy)
    assert (folder / "late.pdf").is_file()  # the file is still written; nobody is left to be told
    assert prompts.shown == [("save_file", "Save aftercare handout as PDF", prompts.shown[0][2])]


def test_file_names() -> None:
    assert safe_file_name('Chart - O\'Brien/Smith: "A" - 2026') == "Chart - O'Brien-Smith- -A- - 2026"
    assert safe_file_name("...") == "document"
    assert with_pdf_suffix("/x/a") == Path("/x/a.pdf")
    assert with_pdf_suffix("/x/a.PDF") == Path("/x/a.PDF")
    assert with_pdf_suffix("/x/a.pdf.txt") == Path("/x/a.pdf.txt.pdf")


# -- the session window ---------------------------------------------------------------------------
@pytest.fixture
def session_window(qtbot, services, bus, prompts, worker, world):  # type: ignore[no-untyped-def]
    from clinicrec.ui.session.window import SessionWindow

    opened = []

    def open_(session: TreatmentSession | None = None, patient: Patient | None = None) -> SessionWindow:
        patient_id = session.patient_id if session is not None else patient.id  # type: ignore[union-attr]
        window = SessionWindow(
            services, bus, prompts, worker, patient_id=patient_id, session_id=session.id if session else None
        )
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window

    yield open_
    for window in opened:
        window.controller.dirty = window.controller.save_failed = False
        window.close()
        window.deleteLater()


def test_session_window_offers_printing_once_there_are_points(  # type: ignore[no-untyped-def]
    session_window, services, prompts, zoe, folder, qtbot, pdf_printer
) -> None:
    from PySide6.QtGui import QKeySequence

    from tests.ui.session.conftest import status_of

    w = session_window(patient=zoe)
    actions = {a.objectName(): a for a in w.actions()}
    handout = actions["print_handout_action"]
    assert handout.shortcut() == QKeySequence("Ctrl+P")
    for name in ("print_handout_action", "save_handout_action", "print_chart_action", "save_chart_action"):
        assert not actions[name].isEnabled(), name
    button = w.findChild(type(w.ui.print_button), "header_print_button")
    assert button is not None and button.accessibleName() == "Print"
    assert [a.objectName() for a in button.menu().actions() if a.objectName()] == [
        "print_handout_action",
        "save_handout_action",
        "print_chart_action",
        "save_chart_action",
    ]

    assert w.safety.use_vial(status_of(services, make_vial(services)))
    w.editor.grid_fill(Zone.FOREHEAD, 1.5)
    assert handout.isEnabled() and actions["print_chart_action"].isEnabled()  # a draft chart: marked DRAFT
    assert w.session_id is None  # not saved yet: printing saves it first

    target = pdf_printer("window.pdf")
    w.printer.printer_chooser = lambda parent: target
    busy: list[bool] = []
    w.printer.sig_busy_changed.connect(busy.append)
    handout.trigger()  # Ctrl+P (offscreen windows are never active, so shortcuts cannot be typed)
    assert busy == [True, False] and not w.print_indicator.isVisible()
    assert w.session_id is not None and Path(target.outputFileName()).is_file()
    assert "sent to" in w.statusBar().currentMessage()

    prompts.queue(str(folder / "draft-chart.pdf"))
    actions["save_chart_action"].trigger()
    assert "DRAFT" in text_of(folder / "draft-chart.pdf")


def test_a_signed_session_prints_its_chart_from_the_window(  # type: ignore[no-untyped-def]
    session_window, services, prompts, signed_session, folder
) -> None:
    w = session_window(signed_session)
    assert w.session.status == SessionStatus.SIGNED
    actions = {a.objectName(): a for a in w.actions()}
    assert all(
        actions[n].isEnabled() for n in ("print_chart_action", "save_chart_action", "save_handout_action")
    )
    prompts.queue(str(folder / "signed.pdf"))
    actions["save_chart_action"].trigger()
    text = text_of(folder / "signed.pdf")
    assert "Núñez-Øster" in text and "DRAFT" not in text
    assert w.statusBar().currentMessage() == f"Saved {folder / 'signed.pdf'}"


# -- the patient chart ----------------------------------------------------------------------------
@pytest.fixture
def patient_chart(qtbot, services, bus, prompts, worker):  # type: ignore[no-untyped-def]
    from clinicrec.ui.patients.patient_chart import PatientChart

    chart_ = PatientChart(services, bus)
    qtbot.addWidget(chart_)
    printer = DocumentPrinter(services, prompts, worker, chart_)
    printer.connect_patient_chart(chart_)
    chart_.resize(700, 600)
    chart_.show()
    qtbot.waitExposed(chart_)
    return chart_, printer


def test_patient_chart_prints_the_selected_sessions_handout_and_the_leaflet(  # type: ignore[no-untyped-def]
    patient_chart, services, prompts, zoe, draft, signed_session, folder, qtbot, pdf_printer
) -> None:
    chart_, printer = patient_chart
    chart_.set_patient(zoe.id)
    assert chart_.select_session(draft.id)
    buttons = {
        n: chart_.findChild(type(chart_.edit_button), n)
        for n in ("print_handout_button", "save_handout_button", "leaflet_button")
    }
    assert all(b is not None and b.isEnabled() and b.accessibleName() for b in buttons.values())

    prompts.queue(str(folder / "from-chart.pdf"))
    buttons["save_handout_button"].click()
    assert "Zoë" in text_of(folder / "from-chart.pdf")

    assert chart_.select_session(signed_session.id)
    target = pdf_printer("chart-printed.pdf")
    printer.printer_chooser = lambda parent: target
    buttons["print_handout_button"].click()
    assert_printed_like(
        Path(target.outputFileName()), services.printing.handout_bytes(signed_session.id), folder
    )

    prompts.queue(str(folder / "leaflet.pdf"))
    chart_.save_leaflet_action.trigger()
    assert "Zoë" not in text_of(folder / "leaflet.pdf")
    leaflet = pdf_printer("leaflet-printed.pdf")
    printer.printer_chooser = lambda parent: leaflet
    chart_.print_leaflet_action.trigger()
    assert Path(leaflet.outputFileName()).is_file()
    assert not [s for s in prompts.shown if s[0] == "error"]


def test_patient_chart_holds_print_buttons_while_busy_and_without_a_session(  # type: ignore[no-untyped-def]
    patient_chart, world, zoe
) -> None:
    chart_, printer = patient_chart
    chart_.set_patient(zoe.id)  # no sessions yet
    assert not chart_.print_handout_button.isEnabled() and not chart_.save_handout_button.isEnabled()
    assert chart_.leaflet_button.isEnabled()
    printer.sig_busy_changed.emit(True)
    assert chart_.print_indicator.isVisible() and not chart_.leaflet_button.isEnabled()
    printer.sig_busy_changed.emit(False)
    assert not chart_.print_indicator.isVisible() and chart_.leaflet_button.isEnabled()


def test_main_window_saves_the_selected_sessions_handout(  # type: ignore[no-untyped-def]
    world: World, signed_session, zoe, prompts, worker, bus, folder, qtbot
) -> None:
    from clinicrec.ui.main_window import MainWindow

    window = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(window)
    window.show()  # a button is clicked only where the nurse can see it
    window.show_patient(zoe.id)
    assert window.chart.select_session(signed_session.id)
    target = folder / "from-the-chart.pdf"
    prompts.queue(str(target))
    qtbot.mouseClick(window.chart.save_handout_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: target.exists())
    assert "Zoë" in text_of(target)
    assert window.statusBar().currentMessage() == f"Saved {target}"


# -- vector printing, preview, the patient's language -------------------------------------------------
def dark_share(widget) -> float:  # type: ignore[no-untyped-def]
    """Share of dark pixels in a widget's picture (sampled): text drawn on its pages."""
    image = widget.grab().toImage()
    samples = [
        image.pixelColor(x, y).lightness() < 110
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
    ]
    return sum(samples) / max(1, len(samples))


def test_printing_to_a_pdf_file_writes_the_small_vector_document(  # type: ignore[no-untyped-def]
    printer, services, draft, folder, qtbot, pdf_printer
) -> None:
    """'Print to file' gave a 5.9 MB PDF of page pictures; it is now the document itself."""
    from clinicrec.ui.print_output import print_rendered

    target = pdf_printer("vector.pdf", dpi=1200)
    printer.printer_chooser = lambda parent: target
    with qtbot.waitSignal(printer.sig_printed):
        printer.print_handout(draft.id)
    printed = Path(target.outputFileName())
    assert printed.stat().st_size < 200_000
    text = " ".join(text_of(printed).split())
    assert "Your Microbotox aftercare" in text and "Zoë Núñez-Øster" in text
    assert "trouble swallowing" in text
    # What the old way made: every page a picture, many times larger, no text to read back.
    pictures = pdf_printer("pictures.pdf", dpi=300)
    assert print_rendered(services.printing.handout_bytes(draft.id), pictures) == 2
    assert Path(pictures.outputFileName()).stat().st_size > 5 * printed.stat().st_size
    assert "Microbotox" not in text_of(Path(pictures.outputFileName()))


def test_a_page_range_printed_to_a_file_keeps_those_pages_as_vectors(  # type: ignore[no-untyped-def]
    printer, draft, folder, qtbot, pdf_printer
) -> None:
    target = pdf_printer("page-2.pdf")
    target.setPrintRange(QPrinter.PrintRange.PageRange)
    target.setFromTo(2, 2)
    printer.printer_chooser = lambda parent: target
    with qtbot.waitSignal(printer.sig_printed) as printed:
        printer.print_handout(draft.id)
    assert printed.args[0].endswith("(1 page).")
    text = text_of(Path(target.outputFileName()))
    assert "When to seek care at once" in text and "What Microbotox is" not in text


def test_the_print_preview_shows_the_pages_and_prints_and_saves_them(  # type: ignore[no-untyped-def]
    printer, services, prompts, draft, folder, qtbot, pdf_printer
) -> None:
    from clinicrec.ui.print_preview import PrintPreviewDialog

    shown: list[PrintPreviewDialog] = []
    printer.previewer = lambda dialog: (shown.append(dialog), dialog.resize(1280, 800), dialog.show())
    before = audit_prints(services)
    with qtbot.waitSignal(printer.sig_preview_shown):
        printer.preview_handout(draft.id)
    [dialog] = shown  # it deletes itself when closed (printing closes it)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dark_share(dialog.view) > 0.002, timeout=15_000)  # pages render behind
    assert dialog.page_count == 2 and dialog.summary.text() == "Aftercare handout: 2 pages"
    assert dialog.windowTitle() == "Print preview · Aftercare handout"
    dialog.grab().save(str(folder.parent / "print-preview.png"))
    assert audit_prints(services) == before + 1  # making it for the preview is recorded once

    prompts.queue(str(folder / "from-preview.pdf"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "Zoë" in text_of(folder / "from-preview.pdf")
    target = pdf_printer("from-preview-printed.pdf")
    printer.printer_chooser = lambda parent: target
    with qtbot.waitSignal(printer.sig_printed):
        qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert "Your Microbotox aftercare" in text_of(Path(target.outputFileName()))
    assert audit_prints(services) == before + 1  # the same bytes: nothing was made again
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))  # closed by printing


def test_a_spanish_patient_gets_the_spanish_handout_and_leaflet_from_the_chart(  # type: ignore[no-untyped-def]
    patient_chart, world, services, prompts, zoe, draft, folder, qtbot, pdf_printer
) -> None:
    from clinicrec.domain.enums import Language

    services.patients.update(replace(services.patients.get(zoe.id), preferred_language=Language.SPANISH))
    chart_, printer = patient_chart
    chart_.set_patient(zoe.id)
    assert chart_.select_session(draft.id)
    prompts.queue(str(folder / "cuidados.pdf"))
    chart_.save_handout_button.click()
    text = " ".join(text_of(folder / "cuidados.pdf").split())
    assert "Cuidados después de su Microbotox" in text and "Gracias por venir a vernos, Zoë." in text
    assert "Your Microbotox aftercare" not in text
    prompts.queue(str(folder / "folleto.pdf"))
    chart_.save_leaflet_action.trigger()
    assert "Microbotox: piel más lisa y calmada" in " ".join(text_of(folder / "folleto.pdf").split())
    shown: list[object] = []
    printer.previewer = shown.append
    chart_.preview_handout_button.click()
    chart_.preview_leaflet_action.trigger()
    assert [d.page_count for d in shown] == [2, 2]  # type: ignore[attr-defined]
    for d in shown:
        d.deleteLater()  # type: ignore[attr-defined]
