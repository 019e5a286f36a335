"""``clinicrec report``: the figures of the reports screen as CSV, for automation.

The same filters as the screen and the same CSV as its Export button (``services.reports.export``).
Writing the CSV is an export: it needs the EXPORT permission and is recorded in the audit trail under
whoever signed in; a file appears only once that entry is committed. Without ``-o`` (or ``-o -``) the CSV
goes to standard output.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ...domain.enums import Indication, TimePoint, Zone
from ...domain.errors import ClinicRecError
from ...domain.report_kinds import BreakdownBy, DilutionBand, ReportKind
from ..options import iso_date

if TYPE_CHECKING:
    from ...domain.report_types import ReportFilters
    from ...services.app import Services
    from ...services.reports.export import Report
    from ..app import CliApp

NAME = "report"
HELP = "write outcome report figures as CSV (the reports screen's figures)"


def add_arguments(r: argparse.ArgumentParser) -> None:
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
    r.add_argument("--from", dest="start", type=iso_date, metavar="YYYY-MM-DD", help="first session date")
    r.add_argument("--to", dest="end", type=iso_date, metavar="YYYY-MM-DD", help="last session date")
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


def filters_from(args: argparse.Namespace, services: Services) -> ReportFilters:
    from ...domain.report_types import ReportFilters

    if args.start and args.end and args.start > args.end:
        raise ClinicRecError(f"--from {args.start} is after --to {args.end}")
    return ReportFilters(
        start=args.start,
        end=args.end,
        product_id=services.lookups.product_id(args.product) if args.product else None,
        injector_id=services.lookups.user_id(args.injector) if args.injector else None,
        zone=Zone(args.zone) if args.zone else None,
        indication=Indication(args.indication) if args.indication else None,
        dilution=DilutionBand(args.dilution) if args.dilution else None,
        time_point=TimePoint(args.time_point) if args.time_point else None,
    )


def compute(args: argparse.Namespace, services: Services) -> Report:
    """The report asked for, computed by its definition in the report registry."""
    from ...domain.report_types import ReportFilters
    from ...services.reports import ReportRequest, definition

    report = definition(args.kind)
    for name in report.requires:
        if not (getattr(args, name, None) or "").strip():
            raise ClinicRecError(f"--kind {report.kind} needs --{name} {name.upper()}")
    f = filters_from(args, services) if report.uses_filters else ReportFilters()
    # a paged report (lots, follow-up gaps) is computed as its first page: the CSV streams every row
    request = ReportRequest(f, by=BreakdownBy(args.by), lot=args.lot or "", limit=report.page_size)
    return report.run(services.reports, request)


def run(args: argparse.Namespace, app: CliApp) -> int:
    """Compute the report as the signed-in user and write it as CSV."""
    from ...services.files import check_destination
    from ...services.permissions import Action
    from ...services.reports.export import export_csv

    to_file = args.output not in (None, "-")
    if to_file:
        check_destination(Path(args.output))  # refused before anyone signs in or anything is read
    services = app.signed_in(Action.EXPORT)
    report = compute(args, services)
    if not to_file:
        # The figures leave only once their export is recorded: written to memory, audited, then printed.
        buffer = io.StringIO()
        buffer.name = "<stdout>"  # type: ignore[misc]  # what the audit entry says it went to
        export_csv(services.reports, report, buffer)
        sys.stdout.write(buffer.getvalue())
    else:
        rows = export_csv(services.reports, report, args.output)
        print(f"{args.output} ({rows} rows)")
    return 0
