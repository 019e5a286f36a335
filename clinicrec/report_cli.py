"""``clinicrec report``: the figures of the reports screen as CSV, for automation.

    clinicrec report [--kind summary|breakdown|safety|product-use|recall|gaps] [--by product|dilution|zone|
                     injector|month] [--lot LOT] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--product BRAND|ID]
                     [--injector USERNAME|ID] [--zone ZONE] [--indication INDICATION]
                     [--dilution le2|2-4|4-6|gt6]
                     [--time-point day_14|week_4|...] [-o FILE.csv]

The same filters as the screen and the same CSV as its Export button (``services.report_export``).
Writing the CSV is an export: it needs the EXPORT permission and is recorded in the audit trail under
the acting user (``--user``). Without ``-o`` (or with ``-o -``) the CSV goes to standard output.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from .domain.enums import Indication, TimePoint, Zone
from .domain.errors import ClinicRecError
from .domain.report_kinds import BreakdownBy, DilutionBand, ReportKind

if TYPE_CHECKING:  # the report modules load when a report runs, not with every ``clinicrec`` command
    from .domain.report_types import ReportFilters
    from .services.reports.export import Report


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` command to a ``parser.add_subparsers()`` object."""
    r = subparsers.add_parser(
        "report",
        help="write outcome report figures as CSV",
        description="Write the outcome report figures as CSV (the reports screen's figures).",
    )
    r.add_argument(
        "--kind",
        choices=[k.value for k in ReportKind],
        default=ReportKind.SUMMARY.value,
        help="which report (default: summary)",
    )
    r.add_argument(
        "--by",
        choices=[b.value for b in BreakdownBy],
        default=BreakdownBy.PRODUCT.value,
        help="breakdown groups, for --kind breakdown (default: product)",
    )
    r.add_argument("--lot", help="lot number, for --kind recall")
    r.add_argument("--from", dest="start", type=_iso_date, metavar="YYYY-MM-DD", help="first session date")
    r.add_argument("--to", dest="end", type=_iso_date, metavar="YYYY-MM-DD", help="last session date")
    r.add_argument("--product", help="product brand (e.g. 'Botox Cosmetic') or id")
    r.add_argument("--injector", help="injector's user name or id")
    r.add_argument("--zone", choices=[z.value for z in Zone])
    r.add_argument("--indication", choices=[i.value for i in Indication])
    r.add_argument(
        "--dilution",
        choices=[b.value for b in DilutionBand],
        help="U/0.1 mL band of the session's first vial: le2 (<= 2), 2-4, 4-6, gt6 (> 6)",
    )
    r.add_argument(
        "--time-point",
        choices=[t.value for t in TimePoint if t is not TimePoint.BASELINE],
        help="follow-up time point (breakdowns default to week_4)",
    )
    r.add_argument("-o", "--output", default="-", help="CSV file to write (default: standard output)")
    return r


def _lookup(services: Any, model: Any, text: str, *columns: Any) -> int:
    from sqlalchemy import func, or_, select

    with services.db.read() as s:
        if text.isdigit() and s.get(model, int(text)) is not None:
            return int(text)
        found = s.execute(
            select(model.id).where(or_(*[func.lower(c) == text.strip().lower() for c in columns]))
        )
        ids = found.scalars().all()
    if len(ids) != 1:
        raise ClinicRecError(f"no single match for {text!r}" if ids else f"nothing called {text!r}")
    return int(ids[0])


def filters_from(args: argparse.Namespace, services: Any) -> ReportFilters:
    from .db.models import ProductRow, UserRow
    from .domain.report_types import ReportFilters

    return ReportFilters(
        start=args.start,
        end=args.end,
        product_id=_lookup(services, ProductRow, args.product, ProductRow.brand) if args.product else None,
        injector_id=(
            _lookup(services, UserRow, args.injector, UserRow.username, UserRow.full_name)
            if args.injector
            else None
        ),
        zone=Zone(args.zone) if args.zone else None,
        indication=Indication(args.indication) if args.indication else None,
        dilution=DilutionBand(args.dilution) if args.dilution else None,
        time_point=TimePoint(args.time_point) if args.time_point else None,
    )


def compute(args: argparse.Namespace, services: Any) -> Report:
    """The report asked for, computed by its definition in the report registry."""
    from .domain.report_types import ReportFilters
    from .services.reports import ReportRequest, definition

    report = definition(args.kind)
    for name in report.requires:
        if not (getattr(args, name, None) or "").strip():
            raise ClinicRecError(f"--kind {report.kind} needs --{name} {name.upper()}")
    f = filters_from(args, services) if report.uses_filters else ReportFilters()
    request = ReportRequest(f, by=BreakdownBy(args.by), lot=args.lot or "")
    return report.run(services.reports, request)


def run_report(args: argparse.Namespace, services: Any) -> int:
    """Compute the report as the services' acting user and write it as CSV. Returns the exit status."""
    from .services.reports.export import export_csv

    try:
        services.reports.require_export()
        report = compute(args, services)
        if args.output in (None, "-"):
            export_csv(services.reports, report, sys.stdout)
        else:
            rows = export_csv(services.reports, report, args.output)
            print(f"{args.output} ({rows} rows)")
    except ClinicRecError as e:
        print(f"clinicrec report: {e}", file=sys.stderr)
        return 2
    return 0
