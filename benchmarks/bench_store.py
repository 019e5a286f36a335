"""Record-store benchmark: demo build, patient search and a 100-point save, each beside the same work
done with plain ``sqlite3`` in the same run (ratios, because these machines are noisy).

    python benchmarks/bench_store.py [--patients 100000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import best_and_median, row  # noqa: E402

from clinicrec.demo import build_demo  # noqa: E402
from clinicrec.domain.enums import Indication, TimePoint, Zone  # noqa: E402
from clinicrec.domain.facemap import grid_fill  # noqa: E402
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession  # noqa: E402
from clinicrec.domain.scales import CURRENT_SCALE_VERSION  # noqa: E402
from clinicrec.services.app import open_services  # noqa: E402
from clinicrec.services.auth import actor_of  # noqa: E402
from clinicrec.text import fold  # noqa: E402

TABLES = (
    "patients",
    "vials",
    "vial_additives",
    "treatment_sessions",
    "session_vials",
    "injection_points",
    "acknowledgements",
    "assessments",
    "adverse_events",
    "audit_log",
)


def plain_copy(src: Path, dst: Path, timings: dict[str, float] | None = None) -> float:
    """Baseline for the demo build: write the same rows into the same schema with plain sqlite3.

    Every row the demo's file holds, table by table: the clinical records and their audit trail
    (``TABLES``), and also the users, products and clinic, and the reports' derived tables
    (``report_*``), which the demo builds as much as its records: a file without them is not the
    demo. ``timings`` (if given) gets ``records``: the inserts of ``TABLES`` alone with their commit, the
    earlier baseline, for comparison."""
    s = sqlite3.connect(src)
    schema = [
        r[0]
        for r in s.execute(
            "SELECT sql FROM sqlite_master WHERE type IN ('table','index') AND sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%'"
        )
    ]
    tables = [
        str(r[0])
        for r in s.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    d = sqlite3.connect(dst, isolation_level=None)
    for stmt in schema:
        d.execute(stmt)
    d.execute("PRAGMA journal_mode=WAL")
    d.execute("PRAGMA synchronous=FULL")
    # Read in chunks (a million patients' rows do not fit in memory at once); only the inserts and the
    # commits are timed, as when every row was read first. The records first, committed (the earlier
    # baseline exactly), then the rest in a second transaction.
    parts = []
    for part in (list(TABLES), [t for t in tables if t not in TABLES]):
        elapsed = 0.0
        d.execute("BEGIN")
        for table in part:
            cur = s.execute(f'SELECT * FROM "{table}"')
            while rows := cur.fetchmany(50_000):
                t = time.perf_counter()
                d.executemany(f'INSERT INTO "{table}" VALUES ({",".join("?" * len(rows[0]))})', rows)
                elapsed += time.perf_counter() - t
        t = time.perf_counter()
        d.execute("COMMIT")
        parts.append(elapsed + time.perf_counter() - t)
    d.close()
    s.close()
    if timings is not None:
        timings["records"] = parts[0]
    return sum(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="clinicrec-bench-"))
    db = work / "demo.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)

    print(f"Building a {args.patients:,}-patient demo database in {work} ...")
    summary = build_demo(f"sqlite:///{db}", patients=args.patients)
    base_build = plain_copy(db, work / "plain.sqlite3")
    print(f"  {summary.patients:,} patients, {summary.sessions:,} sessions, {summary.points:,} points")
    results = [row("demo build (generate + store)", summary.seconds, base_build, "(target: about a minute)")]

    services = open_services(f"sqlite:///{db}")
    from sqlalchemy import select

    from clinicrec.db.models import UserRow

    with services.db.read() as s:
        services.act_as(actor_of(s.execute(select(UserRow).where(UserRow.username == "maria")).scalar_one()))
    conn = sqlite3.connect(db)
    queries = ["gar", "mül", "zoe", "ng", "smith", "pat", "o'b", "lop", "tan", "ch"]

    def ours_search() -> None:
        for q in queries:
            services.patients.search(q, limit=200)

    def plain_search() -> None:
        for q in queries:
            key = fold(q)
            conn.execute(
                "SELECT id, chart_number, last_name, first_name, date_of_birth, phone FROM patients "
                "WHERE (last_key >= ? AND last_key < ?) OR (first_key >= ? AND first_key < ?) "
                "OR (chart_number >= ? AND chart_number < ?) ORDER BY last_key, first_key, id LIMIT 200",
                (key, key + "\uffff", key, key + "\uffff", q.upper(), q.upper() + "\uffff"),
            ).fetchall()

    _, ours = best_and_median(ours_search, repeat=15)
    _, base = best_and_median(plain_search, repeat=15)
    results.append(row(f"patient name search (x{len(queries)})", ours, base))

    from dataclasses import replace

    from clinicrec.domain.enums import DiluentKind
    from clinicrec.domain.models import Vial

    v = services.vials.open_vial(
        Vial(
            1,
            "BENCH01",
            datetime.now(UTC).date().replace(year=2030),
            100.0,
            datetime.now(UTC),
            DiluentKind.SALINE_PRESERVED,
            2.5,
        )
    ).vial
    coords = [
        (z, x, y)
        for z in (Zone.FOREHEAD, Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.NOSE)
        for (x, y) in grid_fill(z, 0.8)
    ][:100]
    assert len(coords) == 100
    now = datetime.now(UTC)
    draft = TreatmentSession(
        patient_id=1,
        performed_at=now,
        injector_id=services.actor.user_id,
        consent=Consent("MB-CONSENT-3", now, "Maria López"),
        indications=frozenset({Indication.PORES}),
        points=tuple(InjectionPoint.from_volume(z, x, y, v, 0.01) for z, x, y in coords),
        baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 3, 2, CURRENT_SCALE_VERSION),
    )

    def ours_save() -> None:
        services.charting.save_draft(replace(draft))

    pconn = sqlite3.connect(db, isolation_level=None)
    pconn.execute("PRAGMA synchronous=FULL")

    def plain_save() -> None:
        pconn.execute("BEGIN IMMEDIATE")
        cur = pconn.execute(
            "INSERT INTO treatment_sessions (patient_id, performed_at, injector_id, prescriber, "
            "order_reference, "
            "indications, notes, status, amendment_reason, version, created_at, updated_at) "
            "VALUES (1, ?, 3, '', '', 'pores', '', 'draft', '', 1, ?, ?)",
            (now, now, now),
        )
        sid = cur.lastrowid
        pconn.executemany(
            "INSERT INTO injection_points (session_id, seq, zone, x, y, vial_id, units, volume_ml, basis) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (sid, i, p.zone.value, p.x, p.y, p.vial_id, p.units, p.volume_ml, "volume")
                for i, p in enumerate(draft.points)
            ],
        )
        pconn.execute("INSERT INTO session_vials (session_id, vial_id, seq) VALUES (?, ?, 0)", (sid, v.id))
        pconn.execute(
            "INSERT INTO assessments (session_id, time_point, assessed_on, pores, oil, redness, "
            "scale_version, photos_taken, touch_up_given, notes, created_at) "
            "VALUES (?, 'baseline', ?, 3, 3, 2, ?, 0, 0, '', ?)",
            (sid, now.date(), CURRENT_SCALE_VERSION, now),
        )
        pconn.execute("COMMIT")

    _, ours = best_and_median(ours_save, repeat=10)
    _, base = best_and_median(plain_save, repeat=10)
    results.append(row("save a 100-point session", ours, base))
    print()
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
