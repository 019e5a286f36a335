"""``clinicrec import patients``: bring patients in from another system (administrators).

    clinicrec import patients FILE.csv [--map map.json] [--dry-run] [--date-order dmy|mdy]
                     [--duplicates skip|import] [--accept-rejects] [--rejects REJECTS.csv]
                     [--encoding NAME] [--delimiter CHAR]
    clinicrec import patients BUNDLE.json     (a FHIR Bundle of Patient and AllergyIntolerance resources)

Every row is checked first; rejected rows go to a rejects file, possible duplicates wait for a decision,
and the import is one transaction, audited under whoever signed in.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...services.interop.patient_import import ImportPlan
    from ..app import CliApp

NAME = "import"
HELP = "bring patients in from another system (CSV or a FHIR Bundle)"
DATE_ORDERS = ("dmy", "mdy")
DECISIONS = ("skip", "import")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=["patients"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--map", type=Path, help='JSON {"field": "column"}; default: a guess from the header')
    parser.add_argument("--dry-run", action="store_true", help="check and report; change nothing")
    parser.add_argument("--date-order", choices=DATE_ORDERS, help="day or month first, for n/n/yyyy dates")
    parser.add_argument("--duplicates", choices=DECISIONS, help="decision for every possible duplicate")
    parser.add_argument(
        "--accept-rejects", action="store_true", help="import the valid rows, set rejected ones aside"
    )
    parser.add_argument(
        "--rejects", type=Path, help="where to write the rejected rows (default: FILE.rejects.csv)"
    )
    parser.add_argument("--encoding", help="the file's text encoding (default: found from the file)")
    parser.add_argument("--delimiter", help="the column separator (default: found from the file)")


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...domain.errors import ClinicRecError
    from ...services.permissions import Action

    if not args.file.is_file():
        raise ClinicRecError(f"{args.file}: no such file")
    if args.map is not None and not args.map.is_file():
        raise ClinicRecError(f"--map {args.map}: no such file")
    return _import(args, app.signed_in(Action.MANAGE_SETTINGS))


def _import(args: argparse.Namespace, services: Any) -> int:
    from ...services.interop.csv_read import DateOrder, read_csv
    from ...services.interop.patient_import import Decision, PatientImportService

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
