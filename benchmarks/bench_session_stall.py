"""Does the window ever freeze while a nurse charts? The GUI event loop's longest stall during a session
charted as a nurse does it, on the 100,000-patient demo database, with real widgets (offscreen).

    python benchmarks/bench_session_stall.py [--patients 100000] [--db PATH] [--dose-changes 12]

Without --db the demo database is built (``build_demo``) at ``<tmp>/clinicrec-stall-<patients>.sqlite3``
if missing, and reused by the next run. The application starts as ``ui/app.py`` starts it (the main
window, ``gc.freeze()``, the session window's code imported on a background thread, waited for: the
nurse opens a patient once the application has started). The nurse (the demo's injector 'maria') signs
in, opens a patient with earlier sessions in the main window, starts a new session (Ctrl+N), opens a
vial (recorded on the worker, as the vial dialog does), grid-fills five zones, changes doses on a dozen
selections, fills consent, indication and baseline ratings, waits for each autosave (the real 1.5 s
timer, the real worker pool) and signs with her password.

A 1 ms watchdog timer notes when the event loop runs; the longest gap between two of its ticks is the
longest the window was unresponsive (target: under 50 ms while charting). Signing is reported apart: it is
a deliberate act that checks the chart before asking for the password. The charting's gaps are also
split by whether a job ran on the worker pool, with the part of each gap that was not the GUI thread's
own work: where that part is large only while a job runs, the GUI thread waited for the GIL held by
the job's pure-Python work (``--switch-interval`` changes how long a thread may keep it), not for a
busy machine. Every autosave (the service call,
timed on the worker) is reported as median and p95 beside the same write done with plain sqlite3: the
session row updated and its points rewritten in one BEGIN IMMEDIATE transaction, synchronous=FULL.
"""

from __future__ import annotations

import argparse
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

STALL_TARGET_MS = 50.0
ZONES = ("forehead", "cheek_left", "cheek_right", "nose", "chin")


def build_demo_if_missing(path: Path, patients: int) -> None:
    if path.exists():
        return
    try:
        from clinicrec.demo import build_demo
    except ImportError:  # the demo generator has its own package on newer branches
        from clinicrec.demo import build_demo  # type: ignore[no-redef]

    print(f"Building a {patients:,}-patient demo database at {path} ...", flush=True)
    summary = build_demo(f"sqlite:///{path}", patients=patients)
    print(
        f"  {summary.patients:,} patients, {summary.sessions:,} sessions in {summary.seconds:.1f} s",
        flush=True,
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


class Watchdog:
    """A 1 ms timer; the gaps between its ticks are how long the event loop was busy elsewhere."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.phase = "start"
        self.gaps: dict[str, list[float]] = {}
        self.busy: dict[str, list[float]] = {}  # the GUI thread's own CPU time within each gap
        #: (gap, own CPU, whether the worker pool had a job running at either end) of every tick
        self.ticks: list[tuple[str, float, float, bool]] = []
        self.worker_busy: Callable[[], bool] = lambda: False
        self._last_worker = False
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.setdefault(self.phase, []).append(now - self._last)
        self.busy.setdefault(self.phase, []).append(cpu - self._last_cpu)
        working = self.worker_busy()
        self.ticks.append((self.phase, now - self._last, cpu - self._last_cpu, working or self._last_worker))
        self._last, self._last_cpu, self._last_worker = now, cpu, working

    def start(self, phase: str) -> None:
        self._tick()
        self.phase = phase

    def longest(self, prefix: str, *, busy: bool = False) -> float:
        table = self.busy if busy else self.gaps
        return max((g for p, gaps in table.items() if p.startswith(prefix) for g in gaps), default=0.0)

    def worst(self, n: int = 5) -> list[tuple[float, str]]:
        return sorted(((g, p) for p, gaps in self.gaps.items() for g in gaps), reverse=True)[:n]


def main() -> int:  # noqa: PLR0915 - one scenario, read top to bottom
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--dose-changes", type=int, default=12)
    ap.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="the interpreter's GIL switch interval in ms (the worker pool's: 1; Python's default: 5): "
        "shows how much of a gap is the GUI thread waiting for the GIL held by the worker's Python",
    )
    args = ap.parse_args()
    db_path = args.db or Path(tempfile.gettempdir()) / f"clinicrec-stall-{args.patients}.sqlite3"
    build_demo_if_missing(db_path, args.patients)

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select

    from clinicrec.db.models import SessionRow
    from clinicrec.domain.enums import DiluentKind, Indication, Measure, Zone
    from clinicrec.domain.models import Vial
    from clinicrec.services.app import open_services
    from clinicrec.ui.changes import ChangeBus
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.preload import preload_in_background
    from clinicrec.ui.prompts import Prompts
    from clinicrec.ui.startup import make_application
    from clinicrec.ui.worker import Worker

    try:
        from clinicrec.demo import DEMO_PASSWORD
    except ImportError:
        from clinicrec.demo import DEMO_PASSWORD  # type: ignore[no-redef]

    class NursePrompts(Prompts):
        """The nurse's answers: a reason for any warning, her password when signing; no other box."""

        def __init__(self) -> None:
            self.shown: list[tuple[str, str]] = []

        def info(self, parent, title, text):  # type: ignore[no-untyped-def]
            self.shown.append((title, text))

        warn = error = info

        def confirm(self, parent, title, text):  # type: ignore[no-untyped-def]
            return True

        def text(self, parent, title, label, default=""):  # type: ignore[no-untyped-def]
            return "Discussed with the prescriber; benchmark run"

        def reason(self, parent, title, label, choices=()):  # type: ignore[no-untyped-def]
            return "Discussed with the prescriber; benchmark run"

        def password(self, parent, title, label):  # type: ignore[no-untyped-def]
            return DEMO_PASSWORD

        def sign_session(self, parent, summary):  # type: ignore[no-untyped-def]
            self.shown.append(("Sign session", summary.text().splitlines()[0]))
            return DEMO_PASSWORD

        def save_discard_cancel(self, parent, title, text):  # type: ignore[no-untyped-def]
            raise AssertionError(f"unexpected question: {title}")

    app = make_application(["bench"])
    assert isinstance(app, QApplication)
    services = open_services(f"sqlite:///{db_path}")
    services.auth.sign_in("maria", DEMO_PASSWORD)
    with services.db.read() as s:  # a patient with a history, as most of a clinic's day
        patient_id = s.execute(
            select(SessionRow.patient_id)
            .group_by(SessionRow.patient_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
    bus, prompts, worker = ChangeBus(), NursePrompts(), Worker()  # the pool sets its switch interval
    if args.switch_interval is not None:  # this run's own instead
        sys.setswitchinterval(args.switch_interval / 1000)
    services.subscribe(bus.publish)

    autosaves: list[float] = []
    real_save = services.charting.save_draft

    def timed_save(session):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return real_save(session)
        finally:
            if threading.current_thread() is not threading.main_thread():
                autosaves.append(time.perf_counter() - t)

    services.charting.save_draft = timed_save  # type: ignore[method-assign]
    dog = Watchdog()
    dog.worker_busy = lambda: worker.busy

    def settle(done: Callable[[], bool], timeout: float = 60.0) -> None:
        """Run the event loop (as a nurse waits) until ``done()``."""
        end = time.perf_counter() + timeout
        loop, poll = QEventLoop(), QTimer()
        poll.setInterval(5)

        def check() -> None:
            if done() or time.perf_counter() > end:
                loop.quit()

        poll.timeout.connect(check)
        poll.start()
        if not done():
            loop.exec()
        poll.stop()
        if not done():
            raise TimeoutError("the window did not get there in time")

    def idle_for(seconds: float) -> None:
        end = time.perf_counter() + seconds
        settle(lambda: time.perf_counter() > end)

    dog.timer.start()
    dog.start("idle")  # the machine's own noise: nothing happens in the window
    idle_for(3.0)
    dog.start("main window")  # the application's own start, before the nurse opens a session
    gc.freeze()  # as ui/app.py does before building the main window: the start-up objects never die
    main = MainWindow(services, bus, prompts, worker, stepwise=True)  # as ui/app.py builds it: in steps
    main.resize(1280, 800)
    main.building.sig_done.connect(main.show)  # shown once whole, with its first page
    main.building.start()
    settle(lambda: main.isVisible())
    preloading = preload_in_background()  # as ui/app.py does: the session window's code, imported aside
    idle_for(0.3)
    settle(lambda: not preloading.is_alive())  # the application has started before the nurse opens a patient
    dog.start("open")
    main.show_patient(patient_id)
    settle(lambda: main.chart.patient is not None)  # read on the worker: the nurse waits for the chart
    idle_for(0.3)
    main.new_session()
    settle(lambda: bool(main.session_windows))
    window = main.session_windows[0]
    c = window.controller
    idle_for(0.3)

    def saved() -> bool:
        return not c.dirty and c._save is None and not c.autosave_timer.isActive()  # noqa: SLF001

    dog.start("chart: vial")
    now = datetime.now(UTC)
    product_id = next(p.id for p in services.products.list() if p.brand == "Botox Cosmetic")
    vial = Vial(
        product_id,
        "STALL01",
        now.date().replace(year=now.year + 2),
        100.0,
        now,
        DiluentKind.SALINE_PRESERVED,
        2.5,
    )
    opened: list[object] = []  # recorded on the window's worker, as the vial dialog does
    worker.run(lambda: services.vials.open_vial(vial), opened.append, opened.append)
    settle(lambda: bool(opened))
    status = opened[0]
    assert not isinstance(status, Exception), f"the vial was not opened: {status}"
    added: list[bool] = []
    window.safety.use_vial(status, then=added.append)  # what the vial raises is checked on the worker
    settle(lambda: bool(added))
    assert added == [True], "the vial was not added"
    tools = window.ui.tools
    for zone in ZONES:
        dog.start(f"chart: grid fill {zone}")
        tools.set_zone(Zone(zone))
        tools.spacing.setValue(0.8)
        tools.fill_button.click()
        idle_for(0.4)  # the nurse looks at the map
    dog.start("chart: autosave")
    settle(saved)
    uids = window.points_model.uids()
    for i in range(args.dose_changes):
        dog.start(f"chart: dose change {i + 1}")
        window.map.set_selected_uids(uids[i * 7 : i * 7 + 7])
        typed = tools.selected_dose.value  # the nurse types the dose (a line edit: kept as typed)
        typed.setText(f"{0.3 + 0.05 * (i % 4):g}")
        typed.textEdited.emit(typed.text())
        tools.apply_dose_button.click()
        dog.start("chart: autosave")
        settle(saved)  # each change saved by the autosave before the next
    dog.start("chart: consent and ratings")
    d = window.ui.details
    d.indications[Indication.PORES].setChecked(True)
    d.consent_confirmed.setChecked(True)
    for m, grade in ((Measure.PORES, 3), (Measure.OIL, 2), (Measure.REDNESS, 1)):
        window.ui.baseline.pickers[m].set_value(grade)
    settle(saved)
    idle_for(0.3)

    dog.start("sign")
    signed: list[int] = []
    window.sig_session_signed.connect(signed.append)
    QTimer.singleShot(0, window.signing.sign)
    settle(lambda: bool(signed))
    idle_for(0.3)
    dog.start("end")
    dog.timer.stop()
    worker.wait()
    points = window.points_model.rowCount()
    session_id = c.session_id
    window.controller.dirty = False
    main.close()

    # The same write as each autosave, with plain sqlite3.
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    rows = conn.execute(
        "SELECT seq, zone, x, y, vial_id, units, volume_ml, basis FROM injection_points WHERE session_id = ?",
        (session_id,),
    ).fetchall()
    cols = "session_id, seq, zone, x, y, vial_id, units, volume_ml, basis"
    plain: list[float] = []
    for _ in range(max(len(autosaves), 10)):
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE treatment_sessions SET notes = notes, updated_at = ? WHERE id = ?", (now, session_id)
        )
        conn.execute("DELETE FROM injection_points WHERE session_id = -1")
        conn.executemany(f"INSERT INTO injection_points ({cols}) VALUES (-1,?,?,?,?,?,?,?,?)", rows)
        conn.execute("COMMIT")
        plain.append(time.perf_counter() - t)
    conn.execute("DELETE FROM injection_points WHERE session_id = -1")
    conn.close()

    overall_ms = max(dog.longest(p) for p in ("open", "chart", "sign")) * 1000
    charting_ms = dog.longest("chart") * 1000
    own_ms = max(dog.longest(p, busy=True) for p in ("open", "chart", "sign")) * 1000
    print(
        f"\nDatabase: {db_path} ({args.patients:,} patients requested); session {session_id},"
        f" {points} points; GIL switch interval {sys.getswitchinterval() * 1000:g} ms;"
        f" load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"Longest event-loop stall, open to signed: {overall_ms:7.1f} ms"
        f"   target < {STALL_TARGET_MS:.0f} ms  {'OK' if overall_ms < STALL_TARGET_MS else 'OVER'}"
        f"   (while charting: {charting_ms:.1f} ms; the GUI thread's own longest work: {own_ms:.1f} ms)"
    )
    print("  phase        longest gap   of which the GUI thread's own work (thread CPU time)")
    for phase in ("idle", "main window", "open", "chart", "sign"):
        print(
            f"  {phase:<11} {dog.longest(phase) * 1000:9.1f} ms"
            f"   {dog.longest(phase, busy=True) * 1000:9.1f} ms"
        )
    for working, label in ((True, "a job on the worker"), (False, "the worker idle")):
        chart = [(g, b) for p, g, b, w in dog.ticks if p.startswith("chart") and w == working]
        if chart:
            g, b = max(chart)
            waited = sorted(gap - own for gap, own in chart)
            print(
                f"  chart, {label:<19}: longest gap {g * 1000:6.1f} ms (own work {b * 1000:5.1f} ms);"
                f" time not the GUI thread's own, p99 {percentile(waited, 99) * 1000:5.1f} ms,"
                f" max {waited[-1] * 1000:5.1f} ms; {len(chart)} ticks"
            )
    print("  the longest five:", ", ".join(f"{g * 1000:.0f} ms ({p})" for g, p in dog.worst()))
    print(
        f"Autosave ({len(autosaves)} saves, on the worker): "
        f"median {statistics.median(autosaves) * 1000:7.1f} ms"
        f"   p95 {percentile(autosaves, 95) * 1000:7.1f} ms"
    )
    print(
        f"Same write, plain sqlite3 ({len(plain)}):        median {statistics.median(plain) * 1000:7.1f} ms"
        f"   p95 {percentile(plain, 95) * 1000:7.1f} ms"
        f"   ratio {statistics.median(autosaves) / statistics.median(plain):5.1f}x"
    )
    if prompts.shown:
        print("Messages shown:", *(f"  {t}: {x[:100]}" for t, x in prompts.shown), sep="\n")
    return 0 if overall_ms < STALL_TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
