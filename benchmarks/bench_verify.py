"""``audit verify`` on a demo database, beside reading the same rows with plain ``sqlite3`` and hashing
each row with ``hashlib`` in the same run (a ratio, because these machines are noisy).

Target (issue 12): under 3 s on the 100,000-patient demo, or within 3x of the baseline.

    python benchmarks/bench_verify.py [--patients 100000] [--db FILE] [--runs 3]

``--db`` reuses a demo database (built there first if the file does not exist).
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import row  # noqa: E402

from clinicrec.db.engine import Database, make_engine  # noqa: E402
from clinicrec.demo import build_demo  # noqa: E402
from clinicrec.services import audit  # noqa: E402
from clinicrec.services.audit_verify import statements  # noqa: E402


def baseline(path: Path) -> int:
    """Read every row verify reads, with plain sqlite3, and hash each one (its repr) with hashlib."""
    conn = sqlite3.connect(path)
    n = 0
    sha = hashlib.sha256
    try:
        for sql in statements():
            for r in conn.execute(sql):
                sha(repr(r).encode("utf-8")).hexdigest()
                n += 1
    finally:
        conn.close()
    return n


def ours(db: Database) -> audit.VerifyResult:
    with db.read() as s:
        return audit.verify(s)


def best(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="a demo database to reuse (built there if missing)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "demo.sqlite3"
        if not path.exists():
            summary = build_demo(f"sqlite:///{path}", patients=args.patients)
            print(
                f"demo: {summary.patients:,} patients, {summary.sessions:,} sessions, "
                f"{summary.points:,} points, "
                f"built in {summary.seconds:.1f} s"
            )
        db = Database(make_engine(f"sqlite:///{path}"))
        try:
            ours(db)  # warm the page cache for both
            base_t, rows = best(lambda: baseline(path), args.runs)
            our_t, result = best(lambda: ours(db), args.runs)
        finally:
            db.dispose()
    assert isinstance(result, audit.VerifyResult)
    print(
        f"verify: {result.entries_checked:,} entries, {result.records_checked:,} records "
        f"({result.signed_sessions_checked:,} signed sessions), ok={result.ok}; baseline read {rows:,} rows"
    )
    print(row("audit verify (full)", our_t, base_t, "target: < 3 s or ratio <= 3x"))
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
