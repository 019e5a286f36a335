"""CSV (for spreadsheets and automation) and the meeting PDF: the same figures the screen shows.

Used by the reports screen and by ``clinicrec report``. Every export needs the EXPORT permission and is
recorded in the audit trail (what, where, how many rows, with which filters).

CSV layout: one header row of stable snake_case column names, then data rows; numbers are plain
decimals with a dot, to 4 places (shares as fractions: 0.25 = 25%), dates ISO 8601, times UTC.
Files are written as UTF-8 with a byte-order mark so that spreadsheet programs read accents correctly.
Text cells that a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe.

A file saved from the reports screen says what it holds: lines starting with "#" before the column names
give the report and every filter used ("# Period: 2026-01-01 to 2026-06-30"), and the file name carries
the filters that narrow it (``file_name``). The command line writes the plain table (``header=False``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TextIO

from ...domain.report_types import ReportBundle, ReportFilters
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


def described(reports: Any, report: Report) -> list[tuple[str, str]]:
    """What a computed report is and the filters it was computed with, in words, for a file's header."""
    d = definition_for(report)
    lines = [("Report", d.title if d.uses_filters else d.audit_name(report))]
    filters = getattr(report, "filters", None)
    if d.uses_filters and isinstance(filters, ReportFilters):
        lines += list(reports.describe_filters(filters))
    return lines


def file_name(what: str, lines: Sequence[tuple[str, str]], extension: str) -> str:
    """'outcomes_2026-01-01-to-2026-06-30_xeomin_nose.csv': the period and every filter that narrows the
    figures (those not 'All ...'), in plain letters, digits and dashes."""
    parts = [what]
    for key, value in lines:
        if key == "Report" or (key != "Period" and value.startswith("All ")):
            continue
        parts.append(value)
    slug = "_".join(re.sub(r"[^a-z0-9]+", "-", p.casefold()).strip("-") for p in parts)
    return f"{slug[:150]}.{extension}"


def write_csv(
    report: Report,
    out: TextIO,
    header: Sequence[tuple[str, str]] = (),
    rows: Iterable[Mapping[str, Any]] | None = None,
) -> int:
    """Write the report as CSV to an open text stream (after ``header`` lines, "# key: value");
    returns the number of data rows. ``rows``: the rows to write (default: the result's own), taken one
    at a time as written."""
    d = definition_for(report)
    names = list(d.csv_columns)
    if rows is None:
        rows = d.csv_rows(report)
    writer = csv.writer(out, lineterminator="\r\n")
    for key, value in header:
        writer.writerow([_cell(f"# {key}: {value}")])
    writer.writerow(names)
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(n)) for n in names])
        count += 1
    return count


def csv_text(report: Report) -> str:
    buffer = io.StringIO()
    write_csv(report, buffer)
    return buffer.getvalue()


def export_csv(
    reports: Any, report: Report, destination: str | Path | TextIO, *, header: bool = False
) -> int:
    """Check the EXPORT permission, write the CSV (a path: UTF-8 with BOM) and audit it. Returns rows.
    ``header``: first say what the file holds and with which filters ("#" lines). A paged report (a
    page of its lots or gaps) is written whole: every row, read from the database as it is written.

    A file appears under its name only once its audit entry is committed (private, 0600)."""
    reports.require_export()
    d = definition_for(report)
    name = d.audit_name(report)
    rows = d.all_csv_rows(reports, report)
    filters = getattr(report, "filters", None)
    lines = described(reports, report) if header else []
    if isinstance(destination, (str, Path)):
        path = Path(destination)
        with staged_output(path) as tmp:
            with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
                count = write_csv(report, fh, lines, rows)
            reports.record_export(name, str(path), rows=count, filters=filters)
        return count
    count = write_csv(report, destination, lines, rows)
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
