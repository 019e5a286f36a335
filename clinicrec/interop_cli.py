"""``clinicrec fhir export`` and ``clinicrec import patients``: data in and out from the command line.

    clinicrec fhir export [--patient ID | --from YYYY-MM-DD --to YYYY-MM-DD] [--format bundle|ndjson] -o PATH
    clinicrec import patients FILE.csv [--map map.json] [--dry-run] [--date-order dmy|mdy]
                     [--duplicates skip|import] [--accept-rejects] [--rejects REJECTS.csv]
                     [--encoding NAME] [--delimiter CHAR]
    clinicrec import patients BUNDLE.json     (a FHIR Bundle of Patient and AllergyIntolerance resources)

The logic lives in services.interop; these handlers only parse, call and print. An export needs the
export permission, an import an administrator; both are audited under --user.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the interop services load when a command runs, not with every ``clinicrec``
    from .services.interop.patient_import import ImportPlan

INTEROP_COMMANDS = ("fhir", "import")
DATE_ORDERS = ("dmy", "mdy")
DECISIONS = ("skip", "import")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_interop_parsers(subparsers: Any) -> None:
    f = subparsers.add_parser("fhir", help="HL7 FHIR R4 export (Bundle JSON or bulk NDJSON)")
    fsub = f.add_subparsers(dest="fhir_action", required=True)
    e = fsub.add_parser("export", help="export a patient, a date range or the whole clinic as FHIR R4")
    e.add_argument("--patient", type=int, help="one patient's id (default: every patient)")
    e.add_argument("--from", dest="start", type=_iso_date, metavar="YYYY-MM-DD", help="first session date")
    e.add_argument("--to", dest="end", type=_iso_date, metavar="YYYY-MM-DD", help="last session date")
    e.add_argument("--format", choices=["bundle", "ndjson"], default="bundle", help="default: bundle")
    e.add_argument("-o", "--output", required=True, help="the .json file (bundle) or a new folder (ndjson)")

    i = subparsers.add_parser("import", help="bring patients in from another system")
    isub = i.add_subparsers(dest="import_what", required=True)
    p = isub.add_parser("patients", help="patients from a CSV file or a FHIR Bundle (.json)")
    p.add_argument("file", type=Path)
    p.add_argument("--map", type=Path, help='JSON {"field": "column"}; default: a guess from the header')
    p.add_argument("--dry-run", action="store_true", help="check and report; change nothing")
    p.add_argument("--date-order", choices=DATE_ORDERS, help="day or month first, for n/n/yyyy dates")
    p.add_argument("--duplicates", choices=DECISIONS, help="decision for every possible duplicate")
    p.add_argument(
        "--accept-rejects", action="store_true", help="import the valid rows, set rejected ones aside"
    )
    p.add_argument(
        "--rejects", type=Path, help="where to write the rejected rows (default: FILE.rejects.csv)"
    )
    p.add_argument("--encoding", help="the file's text encoding (default: found from the file)")
    p.add_argument("--delimiter", help="the column separator (default: found from the file)")


def run_interop(args: argparse.Namespace, services: Any) -> int:
    if args.command == "fhir":
        return _export(args, services)
    return _import(args, services)


def _export(args: argparse.Namespace, services: Any) -> int:
    from .services.interop.fhir_export import ExportScope, FhirExportService

    scope = ExportScope(args.patient, args.start, args.end)
    exporter = FhirExportService(services.ctx)
    if args.format == "bundle":
        result = exporter.export_bundle(Path(args.output), scope)
    else:
        result = exporter.export_ndjson(Path(args.output), scope)
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts.items()))
    print(f"{result.path}: {result.total} resources ({counts})")
    return 0


def _import(args: argparse.Namespace, services: Any) -> int:
    from .services.interop.csv_read import DateOrder, read_csv
    from .services.interop.patient_import import Decision, PatientImportService

    importer = PatientImportService(services.ctx)
    source: Path = args.file
    if source.suffix.lower() == ".json":
        try:
            bundle = json.loads(source.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as e:
            print(f"clinicrec: cannot read {source} as JSON: {e}", file=sys.stderr)
            return 2
        plan = importer.plan_fhir(bundle, source=source.name)
    else:
        mapping = json.loads(args.map.read_text(encoding="utf-8")) if args.map else None
        table = read_csv(source, encoding=args.encoding, delimiter=args.delimiter)
        order = DateOrder(args.date_order) if args.date_order else None
        plan = importer.plan_csv(table, mapping, date_order=order, source=source.name)
    _report(plan)
    if plan.rejects:
        rejects = args.rejects or source.with_name(source.stem + ".rejects.csv")
        plan.write_rejects(rejects)
        print(f"Rejected rows written to {rejects}")
    decision = Decision(args.duplicates) if args.duplicates else None
    result = importer.run(
        plan, all_duplicates=decision, accept_rejects=args.accept_rejects, dry_run=args.dry_run
    )
    verb = "Would import" if result.dry_run else "Imported"
    print(
        f"{verb} {result.imported} patients; {result.skipped_duplicates} possible duplicates skipped or "
        f"undecided; {result.rejected} rows rejected."
    )
    return 0


def _report(plan: ImportPlan) -> None:
    for note in plan.notes:
        print(note)
    for r in plan.rejects[:50]:
        print(f"  row {r.row} (line {r.line}), {r.field}: {r.reason}")
    if len(plan.rejects) > 50:
        print(f"  ... and {len(plan.rejects) - 50} more problems (see the rejects file)")
    for d in plan.duplicates[:50]:
        print(f"  row {d.row}: possible duplicate of {d.other} (decide: {' or '.join(d.decisions)})")
    if len(plan.duplicates) > 50:
        print(f"  ... and {len(plan.duplicates) - 50} more possible duplicates")
