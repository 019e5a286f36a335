"""Table models of the import wizard: the preview of patients to create, and the problems found
(``RowsModel`` with declared columns, as every table in ClinicRec)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...domain.models import Patient
from ..date_format import date_text
from ..rows_model import Column, RowsModel

Candidate = tuple[int, Patient]  # (the file's row number, the patient the import would create)


def _preview_columns() -> list[Column[Candidate]]:
    return [
        Column("Row", lambda r: str(r[0]), sort=lambda r: r[0], numeric=True),
        Column("Chart number", lambda r: r[1].chart_number),
        Column("Last name", lambda r: r[1].last_name, tip=lambda r: r[1].last_name),
        Column("First name", lambda r: r[1].first_name, tip=lambda r: r[1].first_name),
        Column("Date of birth", lambda r: date_text(r[1].date_of_birth), sort=lambda r: r[1].date_of_birth),
        Column("Sex", lambda r: r[1].sex.label),
        Column("Phone", lambda r: r[1].phone),
        Column("Email", lambda r: r[1].email, tip=lambda r: r[1].email or None),
    ]


class PreviewModel(RowsModel[Candidate]):
    """The first patients the import would create, as they will be stored."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(_preview_columns(), parent=parent)

    def set_patients(self, rows: list[Candidate]) -> None:
        self.set_rows(rows)


@dataclass(frozen=True)
class Problem:
    row: int
    line: int
    what: str  # the field, or "possible duplicate"
    detail: str


def _problem_columns() -> list[Column[Problem]]:
    return [
        Column("Row", lambda p: str(p.row), sort=lambda p: p.row, numeric=True),
        Column("Line", lambda p: str(p.line), sort=lambda p: p.line, numeric=True),
        Column("Field", lambda p: p.what),
        Column("Problem", lambda p: p.detail, tip=lambda p: p.detail),
    ]


class ProblemsModel(RowsModel[Problem]):
    """Rejected rows (row, line, field, reason) and possible duplicates, in file order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(_problem_columns(), parent=parent)

    def set_problems(self, problems: list[Problem]) -> None:
        self.set_rows(problems)
