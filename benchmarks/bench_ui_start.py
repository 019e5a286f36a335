"""How fast the patient list appears, and how fast it answers a keystroke, on a 100,000-patient database.

    python benchmarks/bench_ui_start.py [DATABASE] [--runs 5]

Without DATABASE a demo database of 100,000 patients is built first (``build_demo``) in a temporary
folder and removed afterwards (``--keep PATH`` builds it at PATH and keeps it for the next run).

Each figure comes from fresh subprocesses (median of ``--runs``):

(a) process start -> the main window's patient list has painted its first rows (services opened and
    migrated as the application does, a signed-in user set with ``act_as``, no sign-in dialog);
(b) process start -> a bare PySide6 QMainWindow has painted, for comparison (target: a < 2 x b);
(c) one search keystroke on the 100k database: text set in the search box one character at a time,
    the model searched at once (no debounce), timed through model reset, first page and repaint
    (target: < 30 ms); and until the event loop is idle again (a broad query's count runs then).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

A_OVER_B_TARGET = 2.0
KEYSTROKE_TARGET_MS = 30.0
#: What the benchmark types, one character at a time (each word after clearing the box).
TYPED = ("maria", "zoe nunez", "garcia", "cr-0042", "1985-03-14", "o'brien", "lu")


# -- children (each runs in its own process) -------------------------------------------------------------
def _when_painted(widget, report) -> None:  # type: ignore[no-untyped-def]
    """Call ``report()`` once, right after ``widget`` has handled its first paint event."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _Watcher(QObject):
        done = False

        def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                QTimer.singleShot(0, report)
            return False

    watcher = _Watcher(widget)
    widget.installEventFilter(watcher)


def child_bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.resize(1280, 800)

    def report() -> None:
        print(json.dumps({"painted": time.time()}), flush=True)
        app.quit()

    _when_painted(window, report)
    window.show()
    app.exec()


def _open(database: str):  # type: ignore[no-untyped-def]
    from clinicrec.services.app import open_services
    from clinicrec.services.permissions import Actor

    services = open_services(f"sqlite:///{database}")
    users = services.auth.list_users()
    user = next((u for u in users if u.role.value == "injector"), users[0])
    services.act_as(Actor(user.id, user.username, user.full_name, user.credentials, user.role))  # type: ignore[arg-type]
    return services


def child_first_rows(database: str) -> None:
    marks = {"python": time.time()}
    import sqlalchemy.orm  # noqa: F401 - timed on its own: the largest single import

    marks["sqlalchemy"] = time.time()
    from clinicrec.ui.app import make_application
    from clinicrec.ui.changes import ChangeBus
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.prompts import Prompts
    from clinicrec.ui.worker import Worker

    marks["imports"] = time.time()
    app = make_application([])
    services = _open(database)
    marks["services"] = time.time()
    bus = ChangeBus()
    services.subscribe(bus.publish)
    window = MainWindow(services, bus, Prompts(), Worker())
    window.resize(1280, 800)
    table = window.patient_list.table
    marks["window"] = time.time()

    def report() -> None:
        rows = window.patient_list.model.rowCount()
        print(
            json.dumps(
                {
                    "painted": time.time(),
                    "rows": rows,
                    "total": window.patient_list.model.total,
                    "marks": marks,
                }
            ),
            flush=True,
        )
        app.quit()

    _when_painted(table.viewport(), report)
    window.show()
    app.exec()


def child_keystrokes(database: str) -> None:
    from clinicrec.ui.app import make_application
    from clinicrec.ui.changes import ChangeBus
    from clinicrec.ui.main_window import MainWindow
    from clinicrec.ui.prompts import Prompts
    from clinicrec.ui.worker import Worker

    app = make_application([])
    services = _open(database)
    window = MainWindow(services, ChangeBus(), Prompts(), Worker())
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    panel = window.patient_list
    shown: list[float] = []
    idle: list[float] = []
    for word in TYPED:
        panel.search_edit.clear()
        panel.search_now()
        app.processEvents()
        for i in range(1, len(word) + 1):
            started = time.perf_counter()
            panel.search_edit.setText(word[:i])
            panel.search_now()  # what the debounce timer would call: model reset + first page
            panel.table.viewport().repaint()  # the new rows painted
            shown.append((time.perf_counter() - started) * 1000)
            app.processEvents()  # and whatever follows (the deferred count of a broad query)
            idle.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"keystrokes_ms": shown, "idle_ms": idle}), flush=True)


# -- the parent ----------------------------------------------------------------------------------------
def _run_child(*args: str) -> tuple[float, dict]:  # type: ignore[type-arg]
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # An installed application has its bytecode compiled at install time; let the warm-up run compile
    # ours too, or every start would measure the compiler instead of the application.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.time()
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("{"))
    result = json.loads(line)
    result["started"] = started
    return (result.get("painted", started) - started) * 1000, result


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def _build(path: Path, patients: int) -> None:
    from clinicrec.services.demo import build_demo

    print(f"Building a demo database with {patients:,} patients at {path} ...", flush=True)
    summary = build_demo(f"sqlite:///{path}", patients=patients)
    print(f"  built in {summary.seconds:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", nargs="?", help="an existing ClinicRec SQLite database")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--patients", type=int, default=100_000, help="size of the demo built without DATABASE"
    )
    parser.add_argument("--keep", metavar="PATH", help="build the demo at PATH and keep it")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        {
            "bare": lambda: child_bare(),
            "first-rows": lambda: child_first_rows(rest[0]),
            "keystrokes": lambda: child_keystrokes(rest[0]),
        }[kind]()
        return 0

    tmp = None
    if args.database:
        database = Path(args.database)
    elif args.keep:
        database = Path(args.keep)
        if not database.exists():
            _build(database, args.patients)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="clinicrec-bench-")
        database = Path(tmp.name) / "demo.sqlite3"
        _build(database, args.patients)
    try:
        first_rows, bare, keystrokes = [], [], []
        phases: dict[str, list[float]] = {}
        info: dict = {}  # type: ignore[type-arg]
        _run_child("bare")  # warm the file cache once, as a second start would be
        _run_child("first-rows", str(database))
        for _ in range(args.runs):
            ms, info = _run_child("first-rows", str(database))
            first_rows.append(ms)
            marks = [
                ("interpreter start", info["started"], info["marks"]["python"]),
                ("import sqlalchemy.orm", info["marks"]["python"], info["marks"]["sqlalchemy"]),
                (
                    "import PySide6 + clinicrec (alembic, ui)",
                    info["marks"]["sqlalchemy"],
                    info["marks"]["imports"],
                ),
                ("QApplication + open/migrate + act_as", info["marks"]["imports"], info["marks"]["services"]),
                ("MainWindow() incl. first page query", info["marks"]["services"], info["marks"]["window"]),
                ("show -> first rows painted", info["marks"]["window"], info["painted"]),
            ]
            for label, start, end in marks:
                phases.setdefault(label, []).append((end - start) * 1000)
            bare.append(_run_child("bare")[0])
        idle: list[float] = []
        for _ in range(max(1, args.runs // 2)):
            result = _run_child("keystrokes", str(database))[1]
            keystrokes += result["keystrokes_ms"]
            idle += result["idle_ms"]
    finally:
        if tmp is not None:
            tmp.cleanup()

    a, b = statistics.median(first_rows), statistics.median(bare)
    k_median = statistics.median(keystrokes)
    k_p95 = _p95(keystrokes)
    print()
    print(
        f"database: {database} ({info.get('total', '?'):,} patients; first page {info.get('rows', '?')} rows)"
    )
    print(f"(a) start -> patient list painted   median {a:7.0f} ms   runs {[round(x) for x in first_rows]}")
    print(f"(b) start -> bare QMainWindow       median {b:7.0f} ms   runs {[round(x) for x in bare]}")
    print(
        f"    ratio a/b = {a / b:.2f}  (target < {A_OVER_B_TARGET:g})  "
        f"{'OK' if a / b < A_OVER_B_TARGET else 'SLOW'}"
    )
    print("    where (a) goes (medians):")
    for label, values in phases.items():
        print(f"      {label:<42} {statistics.median(values):7.0f} ms")
    ui = statistics.median(
        [
            sum(v[i] for k, v in phases.items() if k.startswith(("MainWindow", "show")))
            for i in range(len(first_rows))
        ]
    )
    print(f"    the UI's own part (window built + first rows painted): {ui:.0f} ms = {ui / b:.2f} x (b)")
    print(
        f"(c) search keystroke -> rows shown  median {k_median:6.1f} ms   p95 {k_p95:6.1f} ms   "
        f"max {max(keystrokes):6.1f} ms   ({len(keystrokes)} keystrokes)"
    )
    print(
        f"    until idle again (incl. the deferred count)   median {statistics.median(idle):6.1f} ms   "
        f"p95 {_p95(idle):6.1f} ms   max {max(idle):6.1f} ms"
    )
    print(
        f"    target < {KEYSTROKE_TARGET_MS:g} ms per keystroke: "
        f"{'OK' if k_p95 < KEYSTROKE_TARGET_MS else 'SLOW'} (p95)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
