"""CSV (for spreadsheets and automation) and the meeting PDF: the same figures the screen shows.

Used by the reports screen and by ``clinicrec report``. Every export needs the EXPORT permission and is
recorded in the audit trail (what, where, how many rows, with which filters).

CSV layout: one header row of stable snake_case column names, then data rows; numbers are plain
decimals with a dot, to 4 places (shares as fractions: 0.25 = 25%), dates ISO 8601, times UTC.
Files are written as UTF-8 with a byte-order mark so that spreadsheet programs read accents correctly.
Text cells that a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TextIO

from ...domain.report_types import ReportBundle
from ..files import staged_output
from .registry import definition_for

#: A computed report: the result of any registered report (see ``registry``).
Report = Any
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return "0" if abs(value) < 0.00005 else f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def table(report: Report) -> tuple[list[str], list[dict[str, Any]]]:
    """(column names, rows as dicts) for any registered report, as its definition declares them."""
    d = definition_for(report)
    return list(d.csv_columns), [dict(row) for row in d.csv_rows(report)]


def write_csv(report: Report, out: TextIO) -> int:
    """Write the report as CSV to an open text stream; returns the number of data rows."""
    names, rows = table(report)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row.get(n)) for n in names])
    return len(rows)


def csv_text(report: Report) -> str:
    buffer = io.StringIO()
    write_csv(report, buffer)
    return buffer.getvalue()


def export_csv(reports: Any, report: Report, destination: str | Path | TextIO) -> int:
    """Check the EXPORT permission, write the CSV (a path: UTF-8 with BOM) and audit it. Returns rows.

    A file appears under its name only once its audit entry is committed (private, 0600)."""
    reports.require_export()
    name = definition_for(report).audit_name(report)
    filters = getattr(report, "filters", None)
    if isinstance(destination, (str, Path)):
        path = Path(destination)
        with staged_output(path) as tmp:
            with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
                count = write_csv(report, fh)
            reports.record_export(name, str(path), rows=count, filters=filters)
        return count
    count = write_csv(report, destination)
    reports.record_export(name, getattr(destination, "name", "stream"), rows=count, filters=filters)
    return count


def export_pdf(
    reports: Any, bundle: ReportBundle, destination: str | Path | IO[bytes], paper: str = "A4"
) -> None:
    """Check the EXPORT permission, write the meeting PDF and audit it (a file: only once audited)."""
    from ...pdf.report_pdf import build_report_pdf

    reports.require_export()
    rows = len(bundle.summary.outcomes)
    if isinstance(destination, (str, Path)):
        with staged_output(destination) as tmp:
            build_report_pdf(bundle, str(tmp), paper=paper)
            reports.record_export(
                "meeting report", str(destination), rows=rows, filters=bundle.filters, fmt="pdf"
            )
        return
    build_report_pdf(bundle, destination, paper=paper)
    where = getattr(destination, "name", "stream")
    reports.record_export("meeting report", where, rows=rows, filters=bundle.filters, fmt="pdf")
