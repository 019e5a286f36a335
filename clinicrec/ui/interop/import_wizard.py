"""Import patients: choose the file, match its columns, check (a dry run), then import.

CSV files go through the three pages; a FHIR Bundle (.json) skips the column page. Nothing is written
before the last page's Import, which imports every accepted row in one transaction (or nothing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ...domain.errors import ClinicRecError
from ...services.app import Services
from ...services.interop.csv_read import CsvTable, DateOrder, read_csv
from ...services.interop.patient_import import (
    FIELDS,
    LABELS,
    REQUIRED,
    Decision,
    ImportPlan,
    ImportResult,
    PatientImportService,
    guess_mapping,
)
from ..style import set_role
from ..worker import Worker
from .import_models import PreviewModel, Problem, ProblemsModel

NOT_IN_FILE = "(not in the file)"
ENCODINGS = (
    ("Found from the file", None),
    ("UTF-8", "utf-8"),
    ("Windows-1252", "cp1252"),
    ("Latin-1", "latin-1"),
)
DELIMITERS = (
    ("Found from the file", None),
    ("Comma ,", ","),
    ("Semicolon ;", ";"),
    ("Tab", "\t"),
    ("Bar |", "|"),
)
FILE_PAGE, MAP_PAGE, CHECK_PAGE = range(3)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _named(widget: Any, name: str, accessible: str) -> Any:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def _message(parent: QWidget, name: str) -> QLabel:
    label = _named(QLabel(parent), name, "Message")
    label.setWordWrap(True)
    return label


class _FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setTitle("Choose the file")
        self.setSubTitle(
            "A CSV exported from your previous system, or a FHIR Bundle of Patient resources (.json)."
        )
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path_edit = _named(QLineEdit(self), "import_path", "File to import")
        self.browse_button = _named(QPushButton("Browse…", self), "import_browse", "Choose the file")
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)
        form = QFormLayout()
        self.encoding_combo = _named(QComboBox(self), "import_encoding", "Text encoding")
        for text, value in ENCODINGS:
            self.encoding_combo.addItem(text, value)
        self.delimiter_combo = _named(QComboBox(self), "import_delimiter", "Column separator")
        for text, value in DELIMITERS:
            self.delimiter_combo.addItem(text, value)
        form.addRow("Text encoding:", self.encoding_combo)
        form.addRow("Columns separated by:", self.delimiter_combo)
        layout.addLayout(form)
        self.message = _message(self, "import_file_message")
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.browse_button.clicked.connect(self._browse)

    def _browse(self) -> None:
        path = self.w.prompts.open_file(
            self, "Import patients", "Patients (*.csv *.txt *.json);;All files (*)"
        )
        if path:
            self.path_edit.setText(path)

    def validatePage(self) -> bool:  # noqa: N802
        text = self.path_edit.text().strip()
        if not text:
            set_role(self.message, "banner-error").setText("Choose the file to import.")
            return False
        path = Path(text)
        try:
            if path.suffix.lower() == ".json":
                self.w.load_fhir(path)
            else:
                self.w.load_csv(path, self.encoding_combo.currentData(), self.delimiter_combo.currentData())
        except (OSError, ValueError, ClinicRecError) as e:
            set_role(self.message, "banner-error").setText(f"{path.name}: {e}")
            return False
        return True

    def nextId(self) -> int:  # noqa: N802
        return CHECK_PAGE if self.w.is_fhir else MAP_PAGE


class _MapPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setTitle("Match the columns")
        self.setSubTitle("Guessed from the header row. Fields marked * need a column.")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for field in FIELDS:
            combo = _named(QComboBox(self), f"map_{field}", LABELS[field])
            self.combos[field] = combo
            form.addRow(LABELS[field] + (" *" if field in REQUIRED else "") + ":", combo)
        self.date_order = _named(QComboBox(self), "import_date_order", "Date order")
        self.date_order.addItem("Choose…", None)
        self.date_order.addItem("Day first (31/12/1980)", DateOrder.DAY_FIRST)
        self.date_order.addItem("Month first (12/31/1980)", DateOrder.MONTH_FIRST)
        form.addRow("Dates are written:", self.date_order)
        layout.addLayout(form)
        self.evidence = _message(self, "import_date_evidence")
        set_role(self.evidence, "muted")
        layout.addWidget(self.evidence)
        self.message = _message(self, "import_map_message")
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.combos["date_of_birth"].currentIndexChanged.connect(self._show_evidence)

    def initializePage(self) -> None:  # noqa: N802
        table = self.w.table
        assert table is not None
        guess = guess_mapping(table.header)
        for field, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_IN_FILE, None)
            for column in table.header:
                combo.addItem(column, column)
            combo.setCurrentIndex(max(0, combo.findData(guess[field])) if field in guess else 0)
            combo.blockSignals(False)
        self._show_evidence()

    def mapping(self) -> dict[str, str]:
        return {f: c.currentData() for f, c in self.combos.items() if c.currentData() is not None}

    def _show_evidence(self) -> None:
        table = self.w.table
        if table is None:
            return
        evidence = self.w.service.date_evidence(table, self.mapping())
        self.evidence.setText(evidence.describe())
        suggested = evidence.suggested
        if suggested is not None and self.date_order.currentData() is None:
            self.date_order.setCurrentIndex(self.date_order.findData(suggested))

    def validatePage(self) -> bool:  # noqa: N802
        """Checks every row off the GUI thread (100,000 rows take seconds), then moves on."""
        mapping = self.mapping()  # read here: the job below runs off the GUI thread
        choice = (tuple(sorted(mapping.items())), self.date_order.currentData())
        if self.w.planned_for == choice and self.w.plan is not None:
            return True
        if self.w.running:
            return False
        self.w.running = True
        set_role(self.message, "muted").setText("Checking every row…")

        def done(_: object) -> None:
            self.w.running = False
            self.w.planned_for = choice
            self.message.setText("")
            self.w.next()

        def failed(e: Exception) -> None:
            self.w.running = False
            set_role(self.message, "banner-error").setText(str(e))
            if not isinstance(e, ClinicRecError):
                raise e

        self.w.worker.run(lambda: self.w.make_plan(mapping, choice[1]), done, failed)
        return False


class _CheckPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setTitle("Check and import")
        self.setSubTitle(
            "Nothing has been imported yet. Rows with problems are listed with their row and field."
        )
        layout = QVBoxLayout(self)
        self.summary = _message(self, "import_summary")
        layout.addWidget(self.summary)
        self.preview = PreviewModel(self)
        self.preview_view = self._table(self.preview, "import_preview", "Patients to import")
        layout.addWidget(set_role(QLabel("First patients to be created", self), "subheading"))
        layout.addWidget(self.preview_view, 3)
        self.problems = ProblemsModel(self)
        self.problems_view = self._table(
            self.problems, "import_problems", "Rejected rows and possible duplicates"
        )
        layout.addWidget(set_role(QLabel("Rejected rows and possible duplicates", self), "subheading"))
        layout.addWidget(self.problems_view, 2)
        options = QHBoxLayout()
        self.duplicates_combo = _named(QComboBox(self), "import_duplicates", "Possible duplicates")
        self.duplicates_combo.addItem("Decide for possible duplicates…", None)
        self.duplicates_combo.addItem("Skip them (import nothing for those rows)", Decision.SKIP)
        self.duplicates_combo.addItem(
            "Same name and birth date: import as separate patients", Decision.IMPORT
        )
        options.addWidget(self.duplicates_combo)
        self.accept_rejects = _named(
            QCheckBox("Import the valid rows; set rejected rows aside", self), "import_accept_rejects",
            "Import the valid rows and set the rejected rows aside",
        )  # fmt: skip
        options.addWidget(self.accept_rejects)
        options.addStretch(1)
        self.save_rejects_button = _named(
            QPushButton("Save rejects…", self), "import_save_rejects", "Save rejects"
        )
        options.addWidget(self.save_rejects_button)
        layout.addLayout(options)
        self.message = _message(self, "import_check_message")
        layout.addWidget(self.message)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Import")
        self.save_rejects_button.clicked.connect(self._save_rejects)
        self.duplicates_combo.currentIndexChanged.connect(self._dry_run)
        self.accept_rejects.toggled.connect(self._dry_run)

    def _table(self, model: Any, name: str, accessible: str) -> QTableView:
        view = _named(QTableView(self), name, accessible)
        view.setModel(model)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setStretchLastSection(True)
        return view

    def initializePage(self) -> None:  # noqa: N802
        plan = self.w.plan
        assert plan is not None
        self.preview.set_patients([(r, plan.candidates[r]) for r in sorted(plan.candidates)[:200]])
        problems = [Problem(r.row, r.line, r.field, r.reason) for r in plan.rejects]
        problems += [
            Problem(d.row, plan.lines.get(d.row, d.row), "possible duplicate", d.other)
            for d in plan.duplicates
        ]
        self.problems.set_problems(sorted(problems, key=lambda p: p.row))
        self.duplicates_combo.setEnabled(bool(plan.duplicates))
        self.accept_rejects.setEnabled(bool(plan.rejects))
        self.save_rejects_button.setEnabled(bool(plan.rejects))
        self._dry_run()

    def decision(self) -> Decision | None:
        return self.duplicates_combo.currentData()

    def _dry_run(self) -> None:
        plan = self.w.plan
        assert plan is not None
        result = self.w.service.run(plan, all_duplicates=self.decision(), dry_run=True)
        text = " ".join(plan.notes)
        text += (
            f"\n\nDry run: {_count(result.imported, 'patient')} would be imported; "
            f"{_count(len(plan.rejected_rows), 'row')} rejected; "
            f"{_count(len(plan.duplicates), 'possible duplicate')}."
        )
        self.summary.setText(text)
        self.message.setText("")

    def _save_rejects(self) -> None:
        plan = self.w.plan
        assert plan is not None
        suggested = str(Path(self.w.source or "patients").with_suffix("")) + ".rejects.csv"
        path = self.w.prompts.save_file(self, "Save rejected rows", suggested, "CSV (*.csv)")
        if path:
            plan.write_rejects(path)
            self.message.setText(f"Rejected rows saved to {path}.")

    def validatePage(self) -> bool:  # noqa: N802
        """Starts the import off the GUI thread; the wizard closes when it has committed."""
        plan = self.w.plan
        assert plan is not None
        if self.w.running:
            return False
        decision, accept = self.decision(), self.accept_rejects.isChecked()
        self.w.running = True
        self.w.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        set_role(self.message, "muted").setText("Importing…")

        def done(result: ImportResult) -> None:
            self.w.running = False
            self.w.result = result
            self.w.accept()

        def failed(e: Exception) -> None:
            self.w.running = False
            self.w.button(QWizard.WizardButton.FinishButton).setEnabled(True)
            set_role(self.message, "banner-error").setText(str(e))
            if not isinstance(e, ClinicRecError):
                raise e

        self.w.worker.run(
            lambda: self.w.service.run(plan, all_duplicates=decision, accept_rejects=accept), done, failed
        )
        return False


class ImportWizard(QWizard):
    def __init__(
        self, services: Services, prompts: Any, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = PatientImportService(services.ctx)
        self.prompts = prompts
        self.worker = worker
        self.table: CsvTable | None = None
        self.plan: ImportPlan | None = None
        self.result: ImportResult | None = None
        self.source = ""
        self.is_fhir = False
        self.running = False
        self.planned_for: object = None  # the column map and date order the plan was made with
        self.setObjectName("import_wizard")
        self.setWindowTitle("Import patients")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.file_page, self.map_page, self.check_page = _FilePage(self), _MapPage(self), _CheckPage(self)
        self.setPage(FILE_PAGE, self.file_page)
        self.setPage(MAP_PAGE, self.map_page)
        self.setPage(CHECK_PAGE, self.check_page)

    def load_csv(self, path: Path, encoding: str | None, delimiter: str | None) -> None:
        self.table = read_csv(path, encoding=encoding, delimiter=delimiter)
        self.source, self.is_fhir = str(path), False

    def load_fhir(self, path: Path) -> None:
        bundle = json.loads(path.read_text(encoding="utf-8-sig"))
        self.plan = self.service.plan_fhir(bundle, source=path.name)
        self.source, self.is_fhir = str(path), True

    def make_plan(self, mapping: dict[str, str], order: DateOrder | None) -> None:
        assert self.table is not None
        self.plan = self.service.plan_csv(
            self.table, mapping, date_order=order, source=Path(self.source).name
        )

    @classmethod
    def ask(
        cls, parent: QWidget | None, services: Services, prompts: Any, worker: Worker
    ) -> ImportResult | None:
        wizard = cls(services, prompts, worker, parent)
        wizard.resize(1000, 720)
        return wizard.result if wizard.exec() == QWizard.DialogCode.Accepted else None
