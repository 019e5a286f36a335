"""``clinicrec fhir export``: a patient, a date range or the whole clinic as HL7 FHIR R4.

    clinicrec fhir export [--patient ID | --from YYYY-MM-DD --to YYYY-MM-DD] [--format bundle|ndjson] -o PATH

The logic lives in services.interop; this only parses, calls and prints. An export needs the export
permission and is audited under whoever signed in.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..options import iso_date

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "fhir"
HELP = "HL7 FHIR R4 export (Bundle JSON or bulk NDJSON)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["export"])
    parser.add_argument("--patient", type=int, help="one patient's id (default: every patient)")
    parser.add_argument(
        "--from", dest="start", type=iso_date, metavar="YYYY-MM-DD", help="first session date"
    )
    parser.add_argument("--to", dest="end", type=iso_date, metavar="YYYY-MM-DD", help="last session date")
    parser.add_argument("--format", choices=["bundle", "ndjson"], default="bundle", help="default: bundle")
    parser.add_argument(
        "-o", "--output", required=True, help="the .json file (bundle) or a new folder (ndjson)"
    )


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...domain.errors import ClinicRecError
    from ...services.permissions import Action

    if args.start and args.end and args.start > args.end:
        raise ClinicRecError(f"--from {args.start} is after --to {args.end}")
    return _export(args, app.signed_in(Action.EXPORT))


def _export(args: argparse.Namespace, services: Any) -> int:
    from ...services.interop.fhir_export import ExportScope, FhirExportService

    scope = ExportScope(args.patient, args.start, args.end)
    exporter = FhirExportService(services.ctx)
    if args.format == "bundle":
        result = exporter.export_bundle(Path(args.output), scope)
    else:
        result = exporter.export_ndjson(Path(args.output), scope)
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts.items()))
    print(f"{result.path}: {result.total} resources ({counts})")
    return 0
