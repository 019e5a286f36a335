"""A large demo's visits generated in a second process while this one stores them.

Generating the visits (``SessionGenerator.run``: every point's place, the part digests, the signed content)
is Python; storing them is mostly SQLite's own C code. On two cores the two overlap: a million patients'
build spent some 300 of its 800 seconds generating while nothing was stored.

The second process runs the very same generator from the very same random state, so the records are the
same as a build in one process (tests/demo/test_demo_build.py compares them). It hands over what it made
at each of ``run``'s flushes; this process appends it to its own generator's lists, exactly as ``run``
would have, and stores it while the next batch is made.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from typing import Any

from .sessions import SessionGenerator

#: The generator's lists of rows, in the order ``run`` fills them (``points``: drained at each flush).
ROWS = ("vials", "additives", "sessions", "session_vials", "acks", "assessments", "events")
#: Batches made ahead of the storing (enough that a step of other work here never holds the other
#: process up), and the points in each (``run``'s own flush size).
AHEAD, POINTS_PER_BATCH = 4, 400_000
#: What a step of ``meanwhile`` yields when it has nothing to do until the next batch is stored.
IDLE = object()
_DONE = object()


def run_beside(
    gen: SessionGenerator, store: Callable[[], None], meanwhile: Iterator[object] | None = None
) -> None:
    """``gen.run(flush=store)``, the generating done by a second process: ``gen``'s lists, points, part
    digests and random state end as ``run`` would leave them, ``store`` called after each batch.
    ``meanwhile``: other work, one step of it each time no batch is waiting (a step that yields ``IDLE``
    had none to do: the next batch is then waited for; what is left of it when the last batch has come
    is left to the caller)."""
    ctx = multiprocessing.get_context("spawn")  # never fork: the caller may have threads (Qt, Argon2)
    batches: Any = ctx.Queue(maxsize=AHEAD)
    screening = [{k: v for k, v in p.items() if k == "id" or k.startswith("scr_")} for p in gen.patients]
    child = ctx.Process(
        target=_generate,
        args=(gen.rng.getstate(), gen.today, gen.brand_id, gen.in_use, screening, POINTS_PER_BATCH, batches),
        name="clinicrec-demo-visits",
        daemon=True,
    )
    # A spawned process imports the caller's main script again unless it is guarded by
    # ``if __name__ == "__main__"``; an unguarded one (a clinic's own script) would build a second time.
    # The child needs nothing of it: it is shown an empty main module while it starts.
    caller = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        child.start()
    finally:
        sys.modules["__main__"] = caller
    try:
        while True:
            kind, payload = _next(batches, child, meanwhile or iter(()))
            if kind == "error":
                raise RuntimeError(f"The demo's visits could not be generated:\n{payload}")
            rows, points, digests = payload
            for name in ROWS:
                getattr(gen, name).extend(rows[name])
            gen.points.extend(points)
            gen.point_digests.update(digests)
            gen.points_made += len(points)
            if kind == "done":
                gen.rng.setstate(rows["rng"])
                return
            store()
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def _next(batches: Any, child: Any, meanwhile: Iterator[object]) -> tuple[str, Any]:
    """The next batch, a step of ``meanwhile`` done whenever none is waiting (blocking only when it has
    none to do); a child that died without saying why is an error, not a wait for ever."""
    item: tuple[str, Any]
    while True:
        try:
            item = batches.get_nowait()
            return item
        except queue.Empty:
            pass
        if next(meanwhile, _DONE) not in (_DONE, IDLE):
            continue
        try:
            item = batches.get(timeout=1.0)
            return item
        except queue.Empty:
            if not child.is_alive():
                return "error", f"the generating process ended (exit code {child.exitcode})"


def _generate(
    state: Any,
    today: Any,
    brand_id: dict[str, int],
    in_use: dict[int, int],
    patients: list[Any],
    every: int,
    out: Any,
) -> None:
    """In the second process: run the generator, sending each flush's new rows, points and digests."""
    try:
        import random

        rng = random.Random()
        rng.setstate(state)
        gen = SessionGenerator(rng, today, brand_id, in_use, patients)
        sent = dict.fromkeys(ROWS, 0)

        def batch() -> tuple[dict[str, Any], list[Any], dict[int, str]]:
            rows: dict[str, Any] = {}
            for name in ROWS:
                made = getattr(gen, name)
                rows[name], sent[name] = made[sent[name] :], len(made)
            # new objects for what comes next: the queue pickles these in its own thread meanwhile
            points, digests = gen.points, gen.point_digests
            gen.points, gen.point_digests = [], {}
            return rows, points, digests

        gen.run(flush=lambda: out.put(("rows", batch())), every=every)
        rows, points, digests = batch()
        rows["rng"] = rng.getstate()
        out.put(("done", (rows, points, digests)))
    except BaseException:  # noqa: BLE001 - said to the parent, which raises it
        out.put(("error", traceback.format_exc()))
    finally:
        out.close()
        out.join_thread()
