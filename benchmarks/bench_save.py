"""The save figure of issue 17 alone: a 100-point session saved (new, then re-saved with one point
moved) beside the same writes in plain sqlite3, taken in turns (``bench_scale.save_figures``).

    python benchmarks/bench_save.py [--sizes 5000,100000] [--workdir /tmp/clinicrec-scale] [--runs 15]
                                    [--rounds 3]

The demo databases in WORKDIR (``demo-<size>.sqlite3``) are reused, or built and kept, as
``bench_scale.py --keep`` does. Each round opens the services afresh and prints its figures with the
machine's load average; the medians of the rounds close the output. The services' drafts stay in the
file (they are audited); the plain saves' rows are removed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale as scale  # noqa: E402

FIGURES = (("new", "new_plain", "new draft"), ("resave", "resave_plain", "re-save, one point moved"))


def measure(path: Path, runs: int) -> dict[str, float]:
    services = scale.services_for(f"sqlite:///{path}")
    try:
        return scale.save_figures(services, path, runs)
    finally:
        services.db.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="5000,100000")
    ap.add_argument("--workdir", default="/tmp/clinicrec-scale")
    ap.add_argument("--runs", type=int, default=15, help="runs of each side per figure and round")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    worst = 0.0
    for size in [int(s) for s in args.sizes.split(",") if s]:
        path = work / f"demo-{size}.sqlite3"
        scale.build_or_reuse(f"sqlite:///{path}", path, size, work / f"demo-{size}.json", True)
        rounds = []
        for i in range(args.rounds):
            load = os.getloadavg()[0]
            f = measure(path, args.runs)
            rounds.append(f)
            parts = [
                f"{label} {f[ours] * 1000:.2f} / {f[plain] * 1000:.2f} ms = {f[ours] / f[plain]:.2f}x"
                f" (CPU {f[ours + '_cpu'] * 1000:.2f} / {f[plain + '_cpu'] * 1000:.2f} ms"
                f" = {f[ours + '_cpu'] / f[plain + '_cpu']:.2f}x)"
                for ours, plain, label in FIGURES
            ]
            print(f"{size:>8,} round {i + 1} (load {load:.2f}): " + "; ".join(parts), end="")
            print(f"; bare commit {f['commit'] * 1000:.2f} ms", flush=True)
        for ours, plain, label in FIGURES:
            o = statistics.median(r[ours] for r in rounds)
            p = statistics.median(r[plain] for r in rounds)
            oc = statistics.median(r[ours + "_cpu"] for r in rounds)
            pc = statistics.median(r[plain + "_cpu"] for r in rounds)
            worst = max(worst, o / p)
            print(
                f"{size:>8,} {label}: ClinicRec {o * 1000:.2f} ms, plain {p * 1000:.2f} ms, {o / p:.2f}x; "
                f"CPU {oc * 1000:.2f} / {pc * 1000:.2f} ms, {oc / pc:.2f}x"
            )
    return 0 if worst <= 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
