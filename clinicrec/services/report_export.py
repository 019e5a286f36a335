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
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TextIO

from ..domain.enums import TimePoint
from .files import staged_output
from .reports import empty_outcome
from .reports_stats import Estimate
from .reports_types import (
    GAIS_ORDER,
    MEASURES,
    Breakdown,
    FollowUpGaps,
    Outcome,
    OutcomeSummary,
    ProductUseReport,
    RecallReport,
    ReportBundle,
    SafetyReport,
)

Report = OutcomeSummary | Breakdown | SafetyReport | ProductUseReport | RecallReport | FollowUpGaps
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


def _estimate_cols(prefix: str, e: Estimate) -> dict[str, Any]:
    return {
        f"{prefix}_n": e.n,
        f"{prefix}_mean": e.mean,
        f"{prefix}_sd": e.sd,
        f"{prefix}_ci95_low": e.low,
        f"{prefix}_ci95_high": e.high,
        f"{prefix}_reliability": e.reliability.value,
    }


def outcome_columns(o: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {"time_point": o.time_point.value, "followed_up": o.followed_up}
    for m in MEASURES:
        mc = o.measure(m)
        cols = _estimate_cols(f"{m.value}_change", mc.change)
        cols[f"{m.value}_improved"] = mc.improved
        cols[f"{m.value}_improved_share"] = mc.improved_share
        out.update(cols)
    out["gais_n"] = o.gais.n
    out.update({f"gais_{g.value}": o.gais.count(g) for g in GAIS_ORDER})
    out.update(_estimate_cols("satisfaction", o.satisfaction))
    return out


def table(report: Report) -> tuple[list[str], list[dict[str, Any]]]:
    """(column names, rows as dicts) for any report."""
    rows: list[dict[str, Any]]
    if isinstance(report, OutcomeSummary):
        rows = [{"sessions": report.sessions, **outcome_columns(o)} for o in report.outcomes]
    elif isinstance(report, Breakdown):
        rows = [
            {
                "by": report.by.value,
                "group": r.key,
                "group_label": r.label,
                "sessions": r.sessions,
                **outcome_columns(r.outcome),
                "adverse_events": r.adverse_events,
                "adverse_events_per_100": r.ae_rate,
            }
            for r in report.rows
        ]
    elif isinstance(report, SafetyReport):
        rows = [
            {
                "section": "all",
                "key": "all",
                "label": "All sessions",
                "sessions": report.sessions,
                "events": report.events,
                "rate_per_100": report.rate,
            }
        ]
        rows += [
            {
                "section": "kind",
                "key": k.kind.value,
                "label": k.kind.label,
                "sessions": report.sessions,
                "events": k.events,
                "sessions_affected": k.sessions_affected,
                "severe": k.severe,
                "rate_per_100": k.rate,
            }
            for k in report.by_kind
        ]
        for section, groups in (("product", report.by_product), ("injector", report.by_injector)):
            rows += [
                {
                    "section": section,
                    "key": g.key,
                    "label": g.label,
                    "sessions": g.sessions,
                    "events": g.events,
                    "sessions_affected": g.sessions_affected,
                    "rate_per_100": g.rate,
                }
                for g in groups
            ]
    elif isinstance(report, ProductUseReport):
        rows = [
            {
                "section": "product",
                "product": t.brand,
                "lots": t.lots,
                "vials": t.vials,
                "sessions": t.sessions,
                "units": t.units,
            }
            for t in report.products
        ]
        rows += [
            {
                "section": "lot",
                "product": u.brand,
                "lot_number": u.lot_number,
                "vials": u.vials,
                "sessions": u.sessions,
                "units": u.units,
            }
            for u in report.lots
        ]
        rows += [
            {
                "section": "waste",
                "product": w.brand,
                "lot_number": w.lot_number,
                "vials": w.vials,
                "vial_units": w.vial_units,
                "units_drawn": w.drawn,
                "units_wasted": w.wasted,
            }
            for w in report.waste
        ]
    elif isinstance(report, RecallReport):
        rows = [
            {
                "lot_number": r.lot_number,
                "product": r.brand,
                "expiry_date": r.expiry_date,
                "chart_number": r.chart_number,
                "patient_name": r.patient_name,
                "date_of_birth": r.date_of_birth,
                "phone": r.phone,
                "email": r.email,
                "address": r.address.replace("\n", ", "),
                "session_id": r.session_id,
                "performed_at_utc": r.performed_at,
                "status": r.status,
                "injector": r.injector,
                "units": r.units,
            }
            for r in report.rows
        ]
    elif isinstance(report, FollowUpGaps):
        rows = [
            {
                "session_id": r.session_id,
                "chart_number": r.chart_number,
                "patient_name": r.patient_name,
                "phone": r.phone,
                "performed_on": r.performed_on,
                "injector": r.injector,
                "due_on": r.due_on,
                "days_past_due": r.days_past_due,
                "status": r.status,
            }
            for r in report.rows
        ]
    else:
        raise TypeError(f"not a report: {type(report).__name__}")
    return _COLUMNS[type(report)](report), rows


def _outcome_names() -> list[str]:
    return list(outcome_columns(empty_outcome(TimePoint.WEEK_4)))


_COLUMNS: dict[type, Callable[[Any], list[str]]] = {
    OutcomeSummary: lambda r: ["sessions", *_outcome_names()],
    Breakdown: lambda r: [
        "by",
        "group",
        "group_label",
        "sessions",
        *_outcome_names(),
        "adverse_events",
        "adverse_events_per_100",
    ],
    SafetyReport: lambda r: [
        "section",
        "key",
        "label",
        "sessions",
        "events",
        "sessions_affected",
        "severe",
        "rate_per_100",
    ],
    ProductUseReport: lambda r: [
        "section",
        "product",
        "lot_number",
        "lots",
        "vials",
        "sessions",
        "units",
        "vial_units",
        "units_drawn",
        "units_wasted",
    ],
    RecallReport: lambda r: [
        "lot_number",
        "product",
        "expiry_date",
        "chart_number",
        "patient_name",
        "date_of_birth",
        "phone",
        "email",
        "address",
        "session_id",
        "performed_at_utc",
        "status",
        "injector",
        "units",
    ],
    FollowUpGaps: lambda r: [
        "session_id",
        "chart_number",
        "patient_name",
        "phone",
        "performed_on",
        "injector",
        "due_on",
        "days_past_due",
        "status",
    ],
}


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


def _kind(report: Report) -> str:
    return {
        OutcomeSummary: "summary",
        Breakdown: "breakdown",
        SafetyReport: "safety",
        ProductUseReport: "product-use",
        RecallReport: "recall",
        FollowUpGaps: "gaps",
    }[type(report)]


def export_csv(reports: Any, report: Report, destination: str | Path | TextIO) -> int:
    """Check the EXPORT permission, write the CSV (a path: UTF-8 with BOM) and audit it. Returns rows."""
    reports.require_export()
    extra = f" lot {report.lot_number}" if isinstance(report, RecallReport) else ""
    filters = getattr(report, "filters", None)
    if isinstance(destination, (str, Path)):
        path = Path(destination)
        with staged_output(path) as tmp:  # the file appears only once its audit entry is committed
            with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
                count = write_csv(report, fh)
            reports.record_export(_kind(report) + extra, str(path), rows=count, filters=filters)
        return count
    count = write_csv(report, destination)
    reports.record_export(
        _kind(report) + extra, getattr(destination, "name", "stream"), rows=count, filters=filters
    )
    return count


def export_pdf(
    reports: Any, bundle: ReportBundle, destination: str | Path | IO[bytes], paper: str = "A4"
) -> None:
    """Check the EXPORT permission, write the meeting PDF and audit it."""
    from ..pdf.report_pdf import build_report_pdf

    reports.require_export()
    rows = len(bundle.summary.outcomes)
    if isinstance(destination, (str, Path)):
        with staged_output(destination) as tmp:  # the file appears only once its audit entry is committed
            build_report_pdf(bundle, str(tmp), paper=paper)
            where = str(destination)
            reports.record_export("meeting report", where, rows=rows, filters=bundle.filters, fmt="pdf")
        return
    build_report_pdf(bundle, destination, paper=paper)
    where = getattr(destination, "name", "stream")
    reports.record_export("meeting report", where, rows=rows, filters=bundle.filters, fmt="pdf")
