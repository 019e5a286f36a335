"""FHIR export and patient import, each beside a plain baseline run in the same process.

- Whole-clinic bulk NDJSON export of the demo database vs writing the same tables' rows as JSON lines
  with plain ``json`` from plain ``sqlite3`` rows. The export runs in a child process, so that its peak
  memory (max RSS) is its own; the target is < 300 MiB and within 3x of the baseline.
- Importing N CSV rows (read, map, check, find duplicates, one transaction, a creation entry per patient
  and one for the import) vs a plain ``csv`` + ``sqlite3`` import of the same file into the same schema
  (``plain_import`` says exactly what it does). Target: 100,000 rows under 60 s and within 3x.

    python benchmarks/bench_fhir.py [--patients 100000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import row  # noqa: E402

#: What the export reads, as plain rows (the baseline writes each as a JSON object per line).
TABLES = (
    "clinic", "users", "products", "patients", "treatment_sessions", "injection_points", "vials",
    "vial_additives", "assessments", "adverse_events",
)  # fmt: skip


def plain_json(db: Path, out: Path) -> float:
    out.mkdir()
    t = time.perf_counter()
    conn = sqlite3.connect(db)
    for table in TABLES:
        cur = conn.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed names)
        names = [d[0] for d in cur.description]
        with (out / f"{table}.ndjson").open("w", encoding="utf-8") as fh:
            for r in cur:
                fh.write(json.dumps(dict(zip(names, r, strict=True)), default=str))
                fh.write("\n")
    conn.execute("SELECT * FROM audit_log WHERE action = 'print'").fetchall()
    conn.close()
    return time.perf_counter() - t


def child_export(db: str, out: str) -> None:
    """Run in a child process: the export alone, then its seconds and peak memory as JSON."""
    from sqlalchemy import select

    from clinicrec.db.models import UserRow
    from clinicrec.services.app import open_services
    from clinicrec.services.auth import actor_of
    from clinicrec.services.interop.fhir_export import FhirExportService

    services = open_services(f"sqlite:///{db}")
    with services.db.read() as s:
        services.act_as(actor_of(s.execute(select(UserRow).where(UserRow.role == "admin")).scalars().first()))
    t = time.perf_counter()
    result = FhirExportService(services.ctx).export_ndjson(Path(out))
    seconds = time.perf_counter() - t
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "resources": result.total}))


def make_csv(n: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(["Dossier", "Nom", "Prénom", "Né le", "Sexe", "Téléphone", "Courriel", "Adresse", "Allergies"])
    for i in range(n):
        born = f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1940 + i % 60}"
        address = f"{i} rue de la Paix\n75002 Paris"
        allergy = "latex" if i % 10 == 0 else ""
        sex = "F" if i % 3 else "M"
        name = (f"Lefèvre{i % 9000}", f"Zoë{i}")
        w.writerow([f"IMP-{i:06d}", *name, born, sex, "+33 1 23 45", f"p{i}@b.example", address, allergy])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


MAP = {
    "chart_number": "Dossier", "last_name": "Nom", "first_name": "Prénom", "date_of_birth": "Né le",
    "sex": "Sexe", "phone": "Téléphone", "email": "Courriel", "address": "Adresse", "allergies": "Allergies",
}  # fmt: skip


def empty_clinic(path: Path):  # type: ignore[no-untyped-def]
    from clinicrec.domain.enums import Role
    from clinicrec.domain.models import ClinicSettings, User
    from clinicrec.services.app import open_services

    services = open_services(f"sqlite:///{path}", create=True, encrypt_new_database=False)
    services.auth.create_first_admin(User("admin", "Alex Admin", "MD", Role.ADMIN), "bench password 1")
    services.act_as(services.auth.sign_in("admin", "bench password 1"))
    services.clinic.setup(ClinicSettings(name="Bench Clinic"))
    return services


def bench_import(work: Path, n: int) -> tuple[float, float]:
    """Seconds for our import and for the plain baseline."""
    from clinicrec.services.interop.csv_read import DateOrder, read_csv
    from clinicrec.services.interop.patient_import import PatientImportService

    data = make_csv(n)
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    services = empty_clinic(work / f"import-{stamp}.sqlite3")
    importer = PatientImportService(services.ctx)
    t = time.perf_counter()
    plan = importer.plan_csv(read_csv(data), MAP, date_order=DateOrder.DAY_FIRST, source="bench.csv")
    result = importer.run(plan)
    ours = time.perf_counter() - t
    assert result.imported == n, result
    # Baseline (see plain_import): the same file into the same schema with plain sqlite3.
    plain = work / f"plain-import-{stamp}.sqlite3"
    empty_clinic(plain).db.dispose()
    base = plain_import(plain, data)
    services.db.dispose()
    for path in work.glob(f"*import-{stamp}.sqlite3*"):
        path.unlink()
    return ours, base


def plain_import(db: Path, data: bytes) -> float:
    """Seconds for a plain import of ``data`` (make_csv's file) into ``db``, an empty clinic the
    application made (so the same ``patients`` table: its unique chart number, its three indexes,
    its foreign key to ``users``; no triggers on it), opened with plain ``sqlite3`` and the pragmas
    the application's engine sets (WAL, ``synchronous=FULL``, ``foreign_keys=ON``).

    It decodes the file, reads it with ``csv.reader``, converts the dates with ``strptime``, lowers
    the names as a stand-in for the search keys, and inserts every column the application stores
    (the same values: version, times, the importing user, allergy status, screening flags) with one
    ``executemany`` in one transaction, plus ONE audit row for the import and the audit head's update.
    It does not check values, search for duplicates, hash the chain, or write the application's one
    creation entry per patient (100,000 more audit rows): that work is counted against the import."""
    from clinicrec.domain.models import SafetyScreening

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    admin = conn.execute("SELECT id, username FROM users").fetchone()
    now = datetime.now(UTC).isoformat(sep=" ")
    screening = ["scr_" + f for f in SafetyScreening.QUESTIONS]
    cols = ["chart_number", "last_name", "first_name", "date_of_birth", "sex", "phone", "email", "address"]
    cols += ["allergies", "allergy_status", "first_key", "last_key", "notes", "scr_other"]
    cols += ["preferred_language", "version", "created_at", "updated_at", "updated_by_id", *screening]
    flags = (False,) * len(screening)
    sql = f"INSERT INTO patients ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})"
    audit_cols = "at, id, user_id, username, action, entity, entity_id, changes, prev_hash, hash"
    t = time.perf_counter()
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    next(reader)
    rows = []
    for r in reader:
        born = datetime.strptime(r[3], "%d/%m/%Y").date().isoformat()
        status = "listed" if r[8] else "not_recorded"
        keys = (r[2].lower(), r[1].lower())
        rows.append((*r[:3], born, *r[4:9], status, *keys, "", "", "en", 1, now, now, admin[0], *flags))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, rows)
    last_id, last_hash = conn.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    changes = json.dumps({"imported": [None, len(rows)], "source": [None, "bench.csv"]})
    h = hashlib.sha256(f"{last_hash}{changes}".encode()).hexdigest()
    conn.execute(
        f"INSERT INTO audit_log ({audit_cols}) VALUES (?, ?, ?, ?, 'create', 'patient_import', '', ?, ?, ?)",
        (now, last_id + 1, *admin, changes, last_hash, h),
    )
    conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", (last_id + 1, h))
    conn.execute("COMMIT")
    seconds = time.perf_counter() - t
    conn.close()
    return seconds


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child-export":
        child_export(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs of each (default 3)")
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="clinicrec-bench-fhir-"))
    db = work / "demo.sqlite3"
    if not db.exists():
        from clinicrec.demo import build_demo

        print(f"Building a {args.patients:,}-patient demo database in {work} ...")
        summary = build_demo(f"sqlite:///{db}", patients=args.patients)
        print(f"  {summary.patients:,} patients, {summary.sessions:,} sessions, {summary.points:,} points")
    # Best of --repeat runs of each, interleaved: the machine is shared and noisy.
    bases, runs = [], []
    for _ in range(args.repeat):
        stamp = datetime.now(UTC).strftime("%H%M%S%f")
        bases.append(plain_json(db, work / f"plain-{stamp}"))
        child = subprocess.run(
            [sys.executable, __file__, "--child-export", str(db), str(work / f"fhir-{stamp}")],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
        shutil.rmtree(work / f"plain-{stamp}")
        shutil.rmtree(work / f"fhir-{stamp}")
    base = min(bases)
    figures = min(runs, key=lambda f: f["seconds"])
    figures["peak_mib"] = max(f["peak_mib"] for f in runs)
    results = [
        row(
            "whole-clinic bulk NDJSON export",
            figures["seconds"],
            base,
            f"(target < 3x; {figures['resources']:,} resources; peak memory {figures['peak_mib']:.0f} MiB, "
            "target < 300 MiB)",
        )
    ]
    imports = [bench_import(work, args.patients) for _ in range(args.repeat)]
    ours, base = min(i[0] for i in imports), min(i[1] for i in imports)
    target = f"(target < 60 s and < 3x; ours {ours:.1f} s)"
    results.append(row(f"import {args.patients:,} CSV rows", ours, base, target))
    print()
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
