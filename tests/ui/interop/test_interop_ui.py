"""The export dialog and the import wizard, driven like a user would (pytest-qt, real database)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from clinicrec.services.interop.patient_import import Decision
from clinicrec.ui.interop.export_dialog import ExportDialog
from clinicrec.ui.interop.import_models import PreviewModel, Problem, ProblemsModel
from clinicrec.ui.interop.import_wizard import CHECK_PAGE, MAP_PAGE, ImportWizard
from tests.conftest import World, make_patient
from tests.services.interop.conftest import chart_full_record

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")

SHOTS = Path("/tmp/clinicrec-interop-shots")


def shoot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshots at 1280x800 for a person to look at (written only when the folder exists)."""
    if SHOTS.is_dir():
        widget.resize(1280, 800)
        widget.grab().save(str(SHOTS / f"{name}.png"))


def test_export_dialog_exports_the_patient(world: World, qtbot, prompts, worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    charted = chart_full_record(world)
    world.as_(world.manager)
    dialog = ExportDialog(world.services, prompts, worker, charted.patient.id)
    qtbot.addWidget(dialog)
    assert dialog.patient_radio.isChecked() and "O'Brien-Núñez" in dialog.patient_radio.text()
    assert not dialog.start_edit.isEnabled()
    out = tmp_path / "zoe.json"
    dialog.path_edit.setText(str(out))
    shoot(dialog, "export-dialog")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.result is not None and dialog.result.counts["Procedure"] == 1
    assert "Wrote" in dialog.message.text() and json.loads(out.read_text())["resourceType"] == "Bundle"


def test_export_dialog_range_and_ndjson(world: World, qtbot, prompts, worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart_full_record(world)
    world.as_(world.manager)
    dialog = ExportDialog(world.services, prompts, worker)
    qtbot.addWidget(dialog)
    assert not dialog.patient_radio.isVisible() and dialog.clinic_radio.isChecked()
    dialog.range_radio.setChecked(True)
    assert dialog.start_edit.isEnabled()
    dialog.start_edit.setDate(dialog.end_edit.value() + timedelta(days=1))
    dialog.end_edit.setDate(dialog.end_edit.value())
    dialog.ndjson_radio.setChecked(True)
    dialog.path_edit.setText(str(tmp_path / "bulk"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "must not be after" in dialog.message.text() and dialog.result is None
    dialog.start_edit.setDate(dialog.end_edit.value())
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.result is not None and (tmp_path / "bulk" / "manifest.json").is_file()


def test_export_refused_for_an_injector_shows_why(
    world: World, qtbot, prompts, worker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    dialog = ExportDialog(world.services, prompts, worker)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "x.json"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "may not export" in dialog.message.text() and not (tmp_path / "x.json").exists()


CSV = (
    "Dossier;Nom;Prénom;Né le;Sexe;Courriel\r\n"
    "A-1;Dupont;Élise;31/12/1980;F;elise@example.com\r\n"
    "A-2;Martin;Luc;01/02/1979;M;not-an-email\r\n"
    "A-3;Byron;Ada;05/05/1980;F;\r\n"
    "\r\n"
)


def _wizard(world: World, qtbot, prompts, worker) -> ImportWizard:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    wizard = ImportWizard(world.services, prompts, worker)
    qtbot.addWidget(wizard)
    wizard.resize(1280, 800)
    wizard.show()
    return wizard


def test_import_wizard_maps_checks_and_imports(world: World, qtbot, prompts, worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    make_patient(world.services, first_name="Ada", last_name="Byron", date_of_birth=date(1980, 5, 5))
    path = tmp_path / "old.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV.encode("utf-8"))
    wizard = _wizard(world, qtbot, prompts, worker)
    prompts.queue(str(path))
    qtbot.mouseClick(wizard.file_page.browse_button, Qt.MouseButton.LeftButton)
    shoot(wizard, "import-1-file")
    wizard.next()
    assert wizard.currentId() == MAP_PAGE
    page = wizard.map_page
    assert page.combos["last_name"].currentText() == "Nom" or page.combos["last_name"].currentData() is None
    # The French header is not guessed: the user maps it.
    for field, column in {"chart_number": "Dossier", "last_name": "Nom", "first_name": "Prénom",
                          "date_of_birth": "Né le", "sex": "Sexe", "email": "Courriel"}.items():  # fmt: skip
        page.combos[field].setCurrentIndex(page.combos[field].findData(column))
    assert "Day first" in page.evidence.text()
    assert page.date_order.currentData() is not None
    shoot(wizard, "import-2-columns")
    wizard.next()
    assert wizard.currentId() == CHECK_PAGE
    check = wizard.check_page
    assert check.preview.rowCount() == 2 and "Dry run: 1 patient would be imported" in check.summary.text()
    problems = [check.problems.index(r, 3).data() for r in range(check.problems.rowCount())]
    assert any("name@example.com" in p for p in problems) and any("in the clinic" in p for p in problems)
    shoot(wizard, "import-3-check")
    wizard.next()  # Import, with rejects and an undecided duplicate
    assert wizard.isVisible() and "need a decision" in check.message.text()
    check.duplicates_combo.setCurrentIndex(check.duplicates_combo.findData(Decision.IMPORT))
    wizard.next()
    assert "rows were rejected" in check.message.text()
    prompts.queue(str(tmp_path / "rejects.csv"))
    qtbot.mouseClick(check.save_rejects_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig").startswith("row,line,field,reason")
    check.accept_rejects.setChecked(True)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result is not None and wizard.result.imported == 2
    assert world.services.patients.count("byron") == 2 and world.services.patients.count("dupont") == 1


def test_import_wizard_needs_a_date_order_for_ambiguous_files(
    world: World, qtbot, prompts, worker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.csv"
    path.write_text("first name,last name,dob\nAnn,Lee,03/04/1980\n", encoding="latin-1")
    wizard = _wizard(world, qtbot, prompts, worker)
    wizard.file_page.path_edit.setText(str(path))
    wizard.next()
    page = wizard.map_page
    assert page.combos["date_of_birth"].currentText() == "dob" and page.date_order.currentData() is None
    wizard.next()
    assert wizard.currentId() == MAP_PAGE and "Choose the file's date order" in page.message.text()
    page.date_order.setCurrentIndex(2)  # month first
    wizard.next()
    assert wizard.currentId() == CHECK_PAGE
    assert wizard.check_page.preview.index(0, 4).data() == "1980-03-04"


def test_import_wizard_reads_a_fhir_bundle(world: World, qtbot, prompts, worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Patient", "id": "p1", "name": [{"family": "Okafor", "given": ["Chidi"]}],
        "birthDate": "1979-11-30", "identifier": [{"value": "MRN-1"}]}}]}  # fmt: skip
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    wizard = _wizard(world, qtbot, prompts, worker)
    wizard.file_page.path_edit.setText(str(path))
    wizard.next()
    assert wizard.currentId() == CHECK_PAGE  # no columns to match
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result is not None and wizard.result.imported == 1


def test_import_wizard_says_why_a_file_cannot_be_read(
    world: World, qtbot, prompts, worker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    wizard = _wizard(world, qtbot, prompts, worker)
    wizard.next()
    assert "Choose the file" in wizard.file_page.message.text()
    (tmp_path / "empty.csv").write_text("")
    wizard.file_page.path_edit.setText(str(tmp_path / "empty.csv"))
    wizard.next()
    assert "empty" in wizard.file_page.message.text() and wizard.currentId() == 0


def test_models(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from clinicrec.domain.models import Patient

    preview = PreviewModel()
    preview.set_patients([(1, Patient("Ann", "Lee", date(1980, 1, 1), "X-1"))])
    qtmodeltester.check(preview)
    problems = ProblemsModel()
    problems.set_problems([Problem(2, 3, "email", "Email must look like name@example.com")])
    qtmodeltester.check(problems)
    assert problems.index(0, 3).data().startswith("Email")


def test_admin_menu_and_chart_button(world: World, qtbot, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.main_window import MainWindow

    patient = make_patient(world.services)
    world.as_(world.manager)
    window = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(window)
    assert window.interop_actions.export_action.isVisible()
    assert not window.interop_actions.import_action.isVisible()
    window.chart.set_patient(patient.id)
    assert window.chart.export_button.isEnabled()
    world.as_(world.injector)
    nurse_window = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(nurse_window)
    assert not nurse_window.chart.export_button.isVisibleTo(nurse_window)
    assert not nurse_window.interop_actions.export_action.isVisible()


def test_export_range_dates_are_typed_and_a_half_typed_one_is_refused(  # type: ignore[no-untyped-def]
    world: World, qtbot, prompts, worker, tmp_path: Path
) -> None:
    """Issue 11: every date field takes a typed ISO or local date; a half-typed one exports nothing."""
    world.as_(world.manager)
    dialog = ExportDialog(world.services, prompts, worker)
    qtbot.addWidget(dialog)
    dialog.range_radio.setChecked(True)
    dialog.path_edit.setText(str(tmp_path / "x.json"))
    dialog.start_edit.line.clear()
    qtbot.keyClicks(dialog.start_edit.line, "2027-06")
    dialog.start_export()
    assert "write it as 1985-04-03" in dialog.message.text()  # says what is allowed, names an example
    assert not (tmp_path / "x.json").exists()
    dialog.start_edit.line.clear()
    qtbot.keyClicks(dialog.start_edit.line, "2026-01-05")
    assert dialog.scope().start is not None and dialog.scope().start.isoformat() == "2026-01-05"
