"""Small timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def best_and_median(fn: Callable[[], object], repeat: int = 15, warmup: int = 2) -> tuple[float, float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def row(label: str, ours: float, base: float, target: str = "") -> str:
    ratio = ours / base if base else float("inf")
    times = f"{ours * 1000:10.2f} ms   baseline {base * 1000:10.2f} ms"
    return f"{label:<38} {times}   ratio {ratio:6.2f}x  {target}"
