"""Fast at any size (issue 17): every figure at 10k, 100k and 1M patients on SQLite and at 100k on
PostgreSQL, each beside its baseline measured in the same run, in one table.

    python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--pg URL [--pg-only]] [--keep]
                                     [--workdir /tmp/clinicrec-scale] [--runs 3] [--skip-gui]

``--keep`` builds each demo database once into WORKDIR (``demo-<size>.sqlite3``, with the build's figures
in ``demo-<size>.json``) and reuses it on the next run; without it the databases are built afresh and
removed. The GUI figures run on a copy of each file (the application's first start encrypts a plain
file in place), so a kept file stays plain and every figure of the next run can read it.
``--pg URL`` (an empty PostgreSQL database; ``scripts/pg-test-server.sh start`` makes a server) builds
the 100k demo there (kept: ``demo-pg-100000.json`` says it is built) and measures the service
figures over loopback beside the same figures measured on SQLite's 100k file in the same run, the two
alternating run by run (so that the machine's load weighs on both alike), each after a warm-up.
``--pg-only``: only that comparison (the SQLite 100k file reused from WORKDIR, or built and kept).

Figures (ratio = ClinicRec / baseline; the target is on the ratio unless it names a unit):
  build       demo build vs the same rows inserted with plain sqlite3          <= 3x (1M: < 600 s)
              (every row of the file, the reports' derived tables included; beside it, informational,
              the earlier baseline: the clinical records and audit trail alone)
  start       process start -> first rows painted, signed in at once, vs a bare PySide6 window  <= 2x:
              after a normal exit (the file checked then), and with the file changed since (a crash,
              another workstation: the check runs behind the first rows and the sign-in's write waits)
              (and beside it, informational: the processor time both used until then, every thread's)
  wait        the user's wait (dialog painted + Enter -> first rows) vs the bare window          <= 2x
              (a person typing the password, bench_ui_start's KEY_MS a key, Enter as long after it;
              and the same with the password pasted and "Sign in" clicked at once)
  search      a keystroke's search (services, first page) p95 vs plain indexed SQL p95  <= 2x, < 30 ms
  keystroke   a keystroke in the running application (model reset, first page, repaint) p95   < 30 ms
  save        a 100-point session saved with audit vs plain sqlite3 (the same rows and an audit entry)
              <= 5x; and the same draft saved again with one point moved (the autosave) vs plain
              sqlite3's update of that point with its audit entry                              <= 5x
  report:*    each report (services/reports), last 12 months and all dates              < 2 s
  screen      the reports screen (1280 x 800): the longest the GUI event loop waits while a tab's report
              is computed (on the worker) and its result measured, laid out and painted; the worst tab
              of outcomes, breakdown by zone, product use and follow-up gaps, each run 4 times  < 50 ms
  handout     the handout PDF vs a plain ReportLab document of the same text           <= 1.3x
  memory      resident set with the patient list open (bare window beside it)  < 200 MiB (1M: 250)
  PG 100k     the demo build on PostgreSQL vs SQLite's (each as built, in this run or the one that kept it),
              and each service figure on PostgreSQL vs the same on SQLite (search: p95 over every prefix and
              run; reports: the median of --runs runs after a warm-up; saves: the median of 15, the two
              databases taking turns save by save, with each side's CPU time beside it)  <= 2x
  Argon2id    the password check alone, with the application's parameters (informational: deliberate
              security work, inside "start" and "wait"; never weakened for speed)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ui_start as ui  # noqa: E402
from bench_store import plain_copy  # noqa: E402

from clinicrec.text import fold  # noqa: E402

Row = tuple[str, str, str, str, str, str, str]  # size, figure, ours, baseline, ratio, target, verdict
#: One-word prefixes, and two words as a nurse types a name ("s smith": its prefixes were 100-200 ms at 1M
#: while every one-word probe took 5).
PROBES = (
    *("maria", "garcia", "zoe", "smith", "lu", "o'b", "cr-004", "ng", "tan", "ch"),
    *("s smith", "zoe nunez", "maria g"),
)
#: The first page the reports screen asks for (services/reports/product_use.py and gaps.py, PAGE).
USE_PAGE, GAPS_PAGE = 20, 200


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def _ms(x: float) -> str:
    return f"{x * 1000:,.1f} ms" if x < 10 else f"{x:,.1f} s"


def _line(
    size: str, figure: str, ours: float, base: float | None, limit: float, unit_target: str = ""
) -> Row:
    """``limit`` is on the ratio when there is a baseline, else on ``ours`` (seconds)."""
    ratio = ours / base if base else None
    ok = (ratio if ratio is not None else ours) <= limit
    target = f"<= {limit:g}x" if ratio is not None else f"< {_ms(limit)}"
    if unit_target:
        target += f", {unit_target}"
        ok = ok and _unit_ok(ours, unit_target)
    return (
        size,
        figure,
        _ms(ours),
        _ms(base) if base else "-",
        f"{ratio:.2f}x" if ratio is not None else "-",
        target,
        "OK" if ok else "SLOW",
    )


def _unit_ok(ours: float, unit_target: str) -> bool:
    value, unit = unit_target.removeprefix("< ").split()
    return ours < float(value.replace(",", "")) * (0.001 if unit == "ms" else 1.0)


# -- databases -------------------------------------------------------------------------------------------
def build_or_reuse(url: str, path: Path | None, patients: int, meta: Path, keep: bool) -> dict[str, float]:
    """The demo at ``url`` (built unless kept from an earlier run) and its build figures."""
    from clinicrec.demo import build_demo

    if keep and meta.exists() and (path is None or path.exists()):
        return dict(json.loads(meta.read_text()))
    if path is not None:
        for suffix in ("", "-wal", "-shm", "-checked"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    print(f"building {patients:,} patients at {path or url} ...", flush=True)
    summary = build_demo(url, patients=patients)
    figures = {"build": summary.seconds, "sessions": summary.sessions, "points": summary.points}
    if path is not None:
        with tempfile.TemporaryDirectory(prefix="clinicrec-plain-", dir=path.parent) as tmp:
            timings: dict[str, float] = {}
            figures["plain_build"] = plain_copy(path, Path(tmp) / "plain.sqlite3", timings)
            figures["plain_records"] = timings["records"]
    meta.write_text(json.dumps(figures))
    print(f"  built in {summary.seconds:.1f} s", flush=True)
    return figures


def services_for(url: str, role: str = "injector"):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from clinicrec.db.models import UserRow
    from clinicrec.services.app import open_services
    from clinicrec.services.auth import actor_of

    services = open_services(url)
    with services.db.read() as s:
        user = s.execute(select(UserRow).where(UserRow.role == role).limit(1)).scalar_one()
        services.act_as(actor_of(user))
    return services


# -- figures ---------------------------------------------------------------------------------------------
def search_figures(services, plain: Callable[[str], object]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """p95 of one keystroke's search (every prefix of every probe): ClinicRec's and plain SQL's."""
    ours, base = [], []
    prefixes = [p[:i] for p in PROBES for i in range(1, len(p) + 1)]
    for q in prefixes[:5]:  # warm the caches
        services.patients.search(q)
        plain(q)
    for _ in range(3):
        for q in prefixes:
            t = time.perf_counter()
            services.patients.search(q)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            plain(q)
            base.append(time.perf_counter() - t)
    return _p95(ours), _p95(base)


def plain_search_sqlite(path: Path) -> Callable[[str], object]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def plain(q: str) -> object:
        key = fold(q)
        return conn.execute(
            "SELECT id, chart_number, last_name, first_name, date_of_birth, phone FROM patients "
            "WHERE (last_key >= ? AND last_key < ?) OR (first_key >= ? AND first_key < ?) "
            "OR (chart_number >= ? AND chart_number < ?) ORDER BY last_key, first_key, id LIMIT 200",
            (key, key + "\uffff", key, key + "\uffff", q.upper(), q.upper() + "\uffff"),
        ).fetchall()

    return plain


def _hundred_point_draft(services):  # type: ignore[no-untyped-def]
    """A new draft of 100 points (four zones) on a new vial, with consent and baseline, for patient 1.

    The vial's lot is its own (named after the moment it is opened): a save recomputes the waste row of
    its vial's day, lot and opener from every vial of that key, so with one lot for every run the key
    grew by a vial and its sessions at each run of the day, on each database as often as it had been
    measured (a PostgreSQL server kept between runs summed 45 vials where the SQLite file beside it
    summed 6), and the two saves compared did unequal work."""
    from clinicrec.domain.enums import DiluentKind, Indication, TimePoint, Zone
    from clinicrec.domain.facemap import grid_fill
    from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession, Vial
    from clinicrec.domain.scales import CURRENT_SCALE_VERSION

    now = datetime.now(UTC)
    vial = services.vials.open_vial(
        Vial(
            1,
            f"SCALE{now:%y%m%d%H%M%S%f}",
            now.date().replace(year=now.year + 3),
            100.0,
            now,
            DiluentKind.SALINE_PRESERVED,
            2.5,
        )
    ).vial
    coords = [
        (z, x, y)
        for z in (Zone.FOREHEAD, Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.NOSE)
        for (x, y) in grid_fill(z, 0.8)
    ][:100]
    return TreatmentSession(
        patient_id=1,
        performed_at=now,
        injector_id=services.actor.user_id,
        consent=Consent("MB-CONSENT-3", now, "Maria López"),
        indications=frozenset({Indication.PORES}),
        points=tuple(InjectionPoint.from_volume(z, x, y, vial, 0.01) for z, x, y in coords),
        baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 3, 2, CURRENT_SCALE_VERSION),
    )


class _PlainAudit:
    """The baseline's audit trail: tables made like ``audit_log`` and ``audit_head`` (same columns and
    indexes, in the same file), so that the plain save writes and chains an entry as ClinicRec does,
    without touching the real trail (which must still verify: the baseline's rows are not kept)."""

    LOG, HEAD = "bench_plain_audit_log", "bench_plain_audit_head"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.drop()
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN ('audit_log', 'audit_head') AND sql IS NOT NULL "
            "ORDER BY type <> 'table', type"  # tables before their indexes and triggers
        ).fetchall():
            conn.execute(
                sql.replace("audit_log", self.LOG)
                .replace("audit_head", self.HEAD)
                .replace(" ix_", " ix_bench_")
            )
        conn.execute(f"INSERT INTO {self.HEAD} (id, last_id, last_hash) VALUES (1, 0, ?)", ("0" * 64,))

    def record(self, at: datetime, uid: int, action: str, sid: int, changes: object) -> None:
        """One chained entry: the changes' canonical JSON and the entry's SHA-256, as a plain save would."""
        import hashlib

        last_id, last_hash = self.conn.execute(f"SELECT last_id, last_hash FROM {self.HEAD}").fetchone()
        text = json.dumps(changes, sort_keys=True, separators=(",", ":"), default=str)
        h = hashlib.sha256(
            json.dumps([last_hash, last_id + 1, str(at), uid, action, sid, text]).encode()
        ).hexdigest()
        self.conn.execute(
            f"INSERT INTO {self.LOG} (id, at, user_id, username, action, entity, entity_id, patient_id, "
            "changes, prev_hash, hash) VALUES (?, ?, ?, 'bench', ?, 'session', ?, 1, ?, ?, ?)",
            (last_id + 1, at, uid, action, str(sid), text, last_hash, h),
        )
        self.conn.execute(f"UPDATE {self.HEAD} SET last_id = ?, last_hash = ? WHERE id = 1", (last_id + 1, h))

    def drop(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {self.LOG}")
        self.conn.execute(f"DROP TABLE IF EXISTS {self.HEAD}")


def save_figures(services, path: Path | None, runs: int = 15) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Medians of saving a 100-point session with the services and with plain sqlite3 (SQLite only):
    ``new``/``new_plain`` a new draft; ``resave``/``resave_plain`` the same draft saved again with one
    point moved (the autosave while a nurse charts); ``*_cpu``: the same figures' CPU time alone
    (``_alternating``); ``commit``: a bare sqlite3 commit of one row on the same file and connection (what
    a durable commit costs here: the WAL's fsync).

    The plain saves write the same rows (the session with its consent, 100 points, its vial, its baseline)
    plus one chained audit entry with the changes as JSON (the points, old and new), in one
    ``BEGIN IMMEDIATE`` transaction, on a connection with the application's pragmas (the file's WAL,
    ``synchronous=FULL``, ``foreign_keys=ON``), opened before the timing. A plain re-save reads the
    session's version and points and replaces the points, as a program that saves the draft it holds
    does (ClinicRec, remembering what it stored, updates only the moved point). They check nothing (no
    validation, no version or tamper check), which is the work ClinicRec adds.

    Each figure's runs alternate with its baseline's in blocks (``_alternating``), so that a checkpoint of
    the WAL or the machine's load falls on both alike."""
    from dataclasses import replace

    from clinicrec.domain.scales import CURRENT_SCALE_VERSION

    draft = _hundred_point_draft(services)
    now = draft.performed_at
    saved = [services.charting.save_draft(draft)]

    def new() -> None:
        services.charting.save_draft(replace(draft))

    def resave() -> None:
        cur = saved[0]
        p = cur.points[5]
        moved = replace(p, x=p.x + (0.001 if p.x < 0.5 else -0.001))
        saved[0] = services.charting.save_draft(
            replace(cur, points=(*cur.points[:5], moved, *cur.points[6:]))
        )

    if path is None:
        return {"new": _median(new, runs), "resave": _median(resave, runs)}
    conn = sqlite3.connect(path, isolation_level=None)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # the application made it so
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    trail = _PlainAudit(conn)
    uid, vial_id = services.actor.user_id, draft.points[0].vial_id
    made: list[int] = []

    def plain() -> None:
        conn.execute("BEGIN IMMEDIATE")
        sid = conn.execute(
            "INSERT INTO treatment_sessions (patient_id, performed_at, injector_id, prescriber, "
            "order_reference, consent_form_version, consented_at, consent_obtained_by, indications, notes, "
            "status, amendment_reason, version, created_at, updated_at, updated_by_id) "
            "VALUES (1, ?, ?, '', '', 'MB-CONSENT-3', ?, 'Maria López', 'pores', '', 'draft', '', 1, "
            "?, ?, ?)",
            (now, uid, now, now, now, uid),
        ).lastrowid
        assert sid is not None
        conn.execute("UPDATE treatment_sessions SET root_id = ? WHERE id = ?", (sid, sid))
        rows = [
            (sid, i, p.zone.value, p.x, p.y, p.vial_id, p.units, p.volume_ml, "volume", "")
            for i, p in enumerate(draft.points)
        ]
        conn.executemany(
            "INSERT INTO injection_points (session_id, seq, zone, x, y, vial_id, units, volume_ml, basis, "
            "note) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        conn.execute("INSERT INTO session_vials (session_id, vial_id, seq) VALUES (?, ?, 0)", (sid, vial_id))
        conn.execute(
            "INSERT INTO assessments (session_id, time_point, assessed_on, pores, oil, redness, "
            "scale_version, photos_taken, touch_up_given, notes, created_at) "
            "VALUES (?, 'baseline', ?, 3, 3, 2, ?, 0, 0, '', ?)",
            (sid, now.date(), CURRENT_SCALE_VERSION, now),
        )
        trail.record(
            now, uid, "create", sid, {"points": [None, [r[2:9] for r in rows]], "vials": [None, [vial_id]]}
        )
        conn.execute("COMMIT")
        made.append(sid)

    def plain_resave() -> None:
        sid = made[0]
        conn.execute("BEGIN IMMEDIATE")
        (version,) = conn.execute("SELECT version FROM treatment_sessions WHERE id = ?", (sid,)).fetchone()
        old = conn.execute(
            "SELECT seq, zone, x, y, vial_id, units, volume_ml, basis, note FROM injection_points "
            "WHERE session_id = ? ORDER BY seq",
            (sid,),
        ).fetchall()
        moved = [
            *old[:5],
            (5, old[5][1], old[5][2] + (0.001 if old[5][2] < 0.5 else -0.001), *old[5][3:]),
            *old[6:],
        ]
        conn.execute("DELETE FROM injection_points WHERE session_id = ?", (sid,))
        conn.executemany(
            "INSERT INTO injection_points (session_id, seq, zone, x, y, vial_id, units, volume_ml, basis, "
            "note) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(sid, *r) for r in moved],
        )
        conn.execute(
            "UPDATE treatment_sessions SET version = ?, updated_at = ? WHERE id = ? AND version = ?",
            (version + 1, now, sid, version),
        )
        trail.record(now, uid, "update", sid, {"points": [[r[1:] for r in old], [r[1:] for r in moved]]})
        conn.execute("COMMIT")

    def bare_commit() -> None:
        conn.execute("BEGIN IMMEDIATE")
        # a changed value: SQLite writes (and syncs) nothing for a row updated to what it holds
        conn.execute(f"UPDATE {trail.HEAD} SET last_id = last_id + 1 WHERE id = 1")
        conn.execute("COMMIT")

    out: dict[str, float] = {}
    cpu: dict[str, float] = {}
    out["new"], out["new_plain"] = _alternating(new, plain, runs, cpu)
    out["new_cpu"], out["new_plain_cpu"] = cpu["ours"], cpu["plain"]
    out["resave"], out["resave_plain"] = _alternating(resave, plain_resave, runs, cpu)
    out["resave_cpu"], out["resave_plain_cpu"] = cpu["ours"], cpu["plain"]
    out["commit"] = _median(bare_commit, runs)
    # the baseline's rows are not audited: they go again, so that the kept database still verifies
    marks = ",".join("?" * len(made))
    conn.execute("BEGIN IMMEDIATE")
    for table in ("injection_points", "session_vials", "assessments"):
        conn.execute(f"DELETE FROM {table} WHERE session_id IN ({marks})", made)
    conn.execute(f"DELETE FROM treatment_sessions WHERE id IN ({marks})", made)
    trail.drop()
    conn.execute("COMMIT")
    conn.close()
    return out


def _alternating(
    ours: Callable[[], object], plain: Callable[[], object], runs: int, cpu: dict[str, float] | None = None
) -> tuple[float, float]:
    """Medians of ``runs`` runs of each, taken in blocks of ``BLOCK`` that take turns (ABAB...).

    Each block begins with one run that is not counted: the other side's writes, through its own
    connection, made SQLite drop this connection's page cache (WAL mode), which the application, saving
    through the same connection every few seconds, does not pay; counted, it would add the same reads to
    both sides (a plain save measured 1.0 ms in a row took 3.4-3.8 ms taking turns run by run, at 100k)
    and make the ratio look better than it is.

    ``cpu``: filled with the medians of this process's CPU time per run (``ours``, ``plain``): both sides
    run here (sqlite3 too), so the two figures leave out the disk's syncs and the other processes' load,
    which the wall-clock figures carry."""
    times: tuple[list[float], list[float]] = ([], [])
    cpu_times: tuple[list[float], list[float]] = ([], [])
    while len(times[1]) < runs:
        for side, fn in ((0, ours), (1, plain)):
            fn()
            for _ in range(BLOCK):
                c, t = time.process_time(), time.perf_counter()
                fn()
                times[side].append(time.perf_counter() - t)
                cpu_times[side].append(time.process_time() - c)
    if cpu is not None:
        cpu["ours"], cpu["plain"] = statistics.median(cpu_times[0]), statistics.median(cpu_times[1])
    return statistics.median(times[0]), statistics.median(times[1])


#: Runs counted per block in ``_alternating``.
BLOCK = 3


def report_figures(services) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The slowest of two runs of every report, over the last 12 months and over all dates."""
    from sqlalchemy import func, select

    from clinicrec.db.models import SessionRow
    from clinicrec.domain.report_types import BreakdownBy, ReportFilters

    with services.db.read() as s:
        end = s.execute(select(func.max(SessionRow.performed_at))).scalar_one().date()
    out: dict[str, float] = {}
    for label, days in (("12 months", 365), ("all dates", 3650)):
        f = ReportFilters(start=end - timedelta(days=days), end=end)
        jobs: dict[str, Callable[[], object]] = {
            "summary": lambda f=f: services.reports.summary(f),
            "safety": lambda f=f: services.reports.safety(f),
            # the paged reports as the screen asks for them: their first page, every row counted
            "product use": lambda f=f: services.reports.product_use(f, USE_PAGE),
            "follow-up gaps": lambda f=f: services.reports.follow_up_gaps(f, GAPS_PAGE),
        }
        jobs.update(
            {f"by {b.value}": (lambda b=b, f=f: services.reports.breakdown(f, b)) for b in BreakdownBy}
        )
        for name, job in jobs.items():
            out[f"report {name}, {label}"] = max(_once(job) for _ in range(2))
    return out


#: The reports screen's tabs the screen figure goes through: a chart and its table, a breakdown, and the
#: two long lists (a page of them at a time).
SCREEN_TABS = (("outcomes", None), ("breakdown", "zone"), ("product-use", None), ("gaps", None))
#: The event loop's timer while a report computes: the figure is its longest gap.
TICK_MS = 5


def screen_figures(services, runs: int = 3) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The reports screen as a manager uses it (1280 x 800, the application's style, its real Worker):
    per tab, the longest the GUI event loop waited (a TICK_MS timer's longest gap) from asking for the
    tab's report to its result painted, the worst of ``runs`` + 1 runs (the first included: it shows
    the tab's table for the first time). The start-up objects are frozen out of the collector first,
    as the application does once its main window shows."""
    import gc
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer

    from clinicrec.ui.prompts import Prompts
    from clinicrec.ui.reports.reports_screen import ReportsScreen
    from clinicrec.ui.startup import make_application
    from clinicrec.ui.worker import Worker

    make_application()
    worker = Worker()
    screen = ReportsScreen(services, Prompts(), worker)
    screen.resize(1280, 800)
    screen.show()
    ready: list[float] = []
    screen.sig_report_ready.connect(lambda *_a: ready.append(time.perf_counter()))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def events_for(seconds: float) -> None:
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            QCoreApplication.processEvents()
            time.sleep(0.001)

    gc.collect()
    gc.freeze()
    out: dict[str, float] = {}
    try:
        for key, by in SCREEN_TABS:
            screen.tabs.setCurrentIndex(list(screen.pages).index(key))
            if by is not None:
                choice = screen.pages[key].by  # type: ignore[attr-defined]
                choice.setCurrentIndex(choice.findData(by))
            worst = 0.0
            for _ in range(runs + 1):
                worker.wait()
                events_for(0.1)  # the tab shown and idle: only the report's own work is measured
                ready.clear()
                ticks.clear()
                started = time.perf_counter()
                timer.start()
                screen.refresh()
                while not ready:
                    QCoreApplication.processEvents()
                    time.sleep(0.001)
                events_for(0.1)  # and what its result makes the screen do (measure, lay out, paint)
                timer.stop()
                marks = [started, *ticks, time.perf_counter()]
                worst = max(worst, max(b - a for a, b in zip(marks, marks[1:], strict=False)))
            out[key if by is None else f"{key} by {by}"] = worst
    finally:
        worker.wait()
        screen.close()
        screen.deleteLater()
        worker.deleteLater()
        # deleted now: outside an event loop, processEvents never runs deferred deletions, and the next
        # size's screen was measured beside the earlier ones (the figure grew by 10-25 ms a screen)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
    return out


def handout_figures() -> tuple[float, float]:
    """The handout beside its plain baseline (``bench_pdf.plain_handout``: the same paragraphs, fonts,
    page size and face map in a plain ReportLab document), medians of runs taken alternately."""
    import io

    import bench_pdf

    from clinicrec.domain.models import ClinicSettings
    from clinicrec.pdf import build_handout

    clinic = ClinicSettings(name="Lumen Skin Clinic", address="12 Harbour Street\nBristol BS1 4QA")
    record = bench_pdf.make_record(100)
    return bench_pdf.paired_medians(
        lambda: build_handout(record, clinic, io.BytesIO()), bench_pdf.plain_handout(record, clinic), 21
    )


def _once(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _median(fn: Callable[[], object], runs: int) -> float:
    fn()
    return statistics.median(_once(fn) for _ in range(runs))


def gui_copy(path: Path) -> Path:
    """A fresh copy of the demo file for the GUI figures, beside it (``demo-<size>-gui.sqlite3``).

    The application's first start encrypts a plain file in place (Argon2id-wrapped key): run on the kept
    file itself, it would leave a file that the next run's plain-sqlite3 baselines and ``--pg``'s SQLite
    side cannot read (EncryptedDatabase). The copy is removed by ``gui_figures`` when it is done."""
    copy = path.with_name(f"{path.stem}-gui{path.suffix}")
    _remove_database(copy, backups=True)
    shutil.copyfile(path, copy)
    wal = Path(f"{path}-wal")
    if wal.exists():  # a kept file not closed cleanly: its last commits are in the WAL
        shutil.copyfile(wal, f"{copy}-wal")
    return copy


def _remove_database(path: Path, *, backups: bool = False) -> None:
    """The file and its sidecars; with ``backups``, also the backups the application took of it (in the
    ``backups`` folder beside it: each named after the file, e.g. ``demo-100000-gui-auto-....sqlite3``)."""
    for suffix in ("", "-wal", "-shm", "-checked", ".keys"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if backups:
        for taken in (path.parent / "backups").glob(f"{path.stem}-*"):
            taken.unlink()
        (path.parent / "backups" / f"{path.name}.keys").unlink(missing_ok=True)


def gui_figures(path: Path, runs: int) -> dict[str, float]:
    """From fresh processes (bench_ui_start's children): start, the user's wait, keystrokes, memory.

    Measured on a copy of ``path`` (``gui_copy``), so that ``path`` stays a plain file for every figure of
    the next run."""
    copy = gui_copy(path)
    try:
        return _gui_figures(copy, runs)
    finally:
        _remove_database(copy, backups=True)


def setup_timeout(path: Path) -> float:
    """How long a set-up child (``warm``) may take on ``path``: 10 minutes, and 7 more a gigabyte. At a
    million patients (5.5 GB) its first start encrypts the copy (2 minutes quiet, 4.3 loaded), and its
    daily and exit backups copy and check it (about 2 minutes each): a loaded machine went past the
    10 minutes every child had, and the run ended without its table."""
    return 600.0 + 420.0 * path.stat().st_size / 1e9


def _gui_figures(path: Path, runs: int) -> dict[str, float]:
    from clinicrec.demo import DEMO_PASSWORD

    who = (str(path), ui.DEMO_USER, DEMO_PASSWORD)
    ui._run_child("bare")
    robot, changed, waited, pasted, bare, rss, bare_rss, dialog = [], [], [], [], [], [], [], []
    cpu, bare_cpu = [], []
    for _ in range(runs):
        # a normal exit: backup, sign-out, the file checked and remembered (set-up, not measured)
        ui._run_child("warm", *who, timeout=setup_timeout(path))
        ms, info = ui._run_child("robot", *who)  # ... so this start reads nothing before the first rows
        robot.append(ms / 1000)
        rss.append(info.get("rss_mib", 0.0))
        cpu.append(info.get("cpu_ms", 0.0) / 1000)
        # the robot's sign-in wrote (and it ended without the exit's check): the file has changed since,
        # as after a crash or another workstation's writes; the check runs behind, writes wait for it
        _, info = ui._run_child("person", *who)
        m = info["marks"]
        waited.append((m["dialog"] - info["started"]) + (m["rows"] - m["click"]))
        dialog.append(m["dialog"] - info["started"])
        _, info = ui._run_child("paste", *who)
        m = info["marks"]
        pasted.append((m["dialog"] - info["started"]) + (m["rows"] - m["click"]))
        ms, info = ui._run_child("robot", *who)
        changed.append(ms / 1000)
        ms, info = ui._run_child("bare")
        bare.append(ms / 1000)
        bare_rss.append(info.get("rss_mib", 0.0))
        bare_cpu.append(info.get("cpu_ms", 0.0) / 1000)
    keys = [k / 1000 for k in ui._run_child("type", *who)[1]["keystrokes_ms"]]
    return {
        "start": statistics.median(robot),
        "start_changed": statistics.median(changed),
        "wait": statistics.median(waited),
        "wait_pasted": statistics.median(pasted),
        "dialog": statistics.median(dialog),
        "bare": statistics.median(bare),
        "keystroke": _p95(keys),
        "rss": max(rss),
        "bare_rss": statistics.median(bare_rss),
        "argon2": ui._password_check_ms() / 1000,
        "cpu": statistics.median(cpu),
        "bare_cpu": statistics.median(bare_cpu),
    }


# -- the run ---------------------------------------------------------------------------------------------
def measure_sqlite(size: int, work: Path, keep: bool, runs: int, gui: bool) -> list[Row]:
    label = f"{size // 1000:,}k" if size < 1_000_000 else f"{size // 1_000_000}M"
    path = work / f"demo-{size}.sqlite3"
    built = build_or_reuse(f"sqlite:///{path}", path, size, work / f"demo-{size}.json", keep)
    rows = [
        _line(
            label,
            "build (demo vs plain inserts)",
            built["build"],
            built["plain_build"],
            3.0,
            "< 600 s" if size >= 1_000_000 else "",
        )
    ]
    if "plain_records" in built:  # the earlier baseline, without the reports' derived rows (bench_store)
        ours, base = built["build"], built["plain_records"]
        rows.append(
            (
                label,
                "  vs the records' inserts alone",
                _ms(ours),
                _ms(base),
                f"{ours / base:.2f}x",
                "",
                "info",
            )
        )
    services = services_for(f"sqlite:///{path}")
    ours, base = search_figures(services, plain_search_sqlite(path))
    rows.append(_line(label, "search keystroke (p95)", ours, base, 2.0, "< 30 ms"))
    saves = save_figures(services, path)
    rows.append(_line(label, "save a 100-point session", saves["new"], saves["new_plain"], 5.0))
    rows.append(_line(label, "  re-save it, one point moved", saves["resave"], saves["resave_plain"], 5.0))
    for key, figure in (("new", "  save, CPU time alone"), ("resave", "  re-save, CPU time alone")):
        ours, base = saves[f"{key}_cpu"], saves[f"{key}_plain_cpu"]
        rows.append((label, figure, _ms(ours), _ms(base), f"{ours / base:.2f}x", "-", "info"))
    # What a durable commit costs on this disk now (the WAL's fsync): inside both sides of the save figures.
    rows.append((label, "  a bare sqlite3 commit, one row", _ms(saves["commit"]), "-", "-", "-", "info"))
    services.db.dispose()
    managers = services_for(f"sqlite:///{path}", role="manager")
    rows += [_line(label, name, t, None, 2.0) for name, t in report_figures(managers).items()]
    waits = screen_figures(managers)
    tab = max(waits, key=lambda k: waits[k])
    rows.append(_line(label, f"reports screen: GUI's longest wait ({tab})", waits[tab], None, 0.05))
    managers.db.dispose()
    if gui:
        rows += gui_rows(label, size, gui_figures(path, runs))
    return rows


def gui_rows(label: str, size: int, g: dict[str, float]) -> list[Row]:
    """The start-up, wait, keystroke and memory rows of ``gui_figures``' figures."""
    rows: list[Row] = []
    rows.append(_line(label, "start -> first rows (signed in)", g["start"], g["bare"], 2.0))
    rows.append(_line(label, "  same, file changed since its check", g["start_changed"], g["bare"], 2.0))
    # The processor time both processes used until then (every thread's): the start's work, which a
    # loaded machine stretches in wall-clock time but not in amount.
    cpu_ratio = f"{g['cpu'] / g['bare_cpu']:.2f}x" if g["bare_cpu"] else "-"
    rows.append((label, "  its processor time", _ms(g["cpu"]), _ms(g["bare_cpu"]), cpu_ratio, "", "info"))
    # The password check is deliberate security work (Argon2id, t=3, 64 MiB): part of the figures
    # above (an encrypted file's key is unwrapped beside the loading, and as a person types the password:
    # only partly on their path; all of it for a password pasted and signed in at once).
    rows.append((label, "  Argon2id sign-in check alone", _ms(g["argon2"]), "-", "-", "kept", "info"))
    if "dialog" in g:
        # A sign-in at once cannot begin its Argon2id before the dialog is up: the dialog painted plus
        # Argon2id alone is the least a start signed in at once (or a pasted password's wait) can take.
        floor = g["dialog"] + g["argon2"]
        rows.append(
            (
                label,
                "  least at once: dialog + Argon2id",
                _ms(floor),
                _ms(g["bare"]),
                f"{floor / g['bare']:.2f}x",
                "-",
                "info",
            )
        )
    rows.append(_line(label, "the user's wait (file changed)", g["wait"], g["bare"], 2.0))
    if "wait_pasted" in g:
        rows.append(_line(label, "  same, the password pasted", g["wait_pasted"], g["bare"], 2.0))
    rows.append(_line(label, "keystroke in the app (p95)", g["keystroke"], None, 0.030))
    mib = 250.0 if size >= 1_000_000 else 200.0
    rows.append(
        (
            label,
            "memory, patient list open",
            f"{g['rss']:.0f} MiB",
            f"{g['bare_rss']:.0f} MiB",
            f"{g['rss'] / g['bare_rss']:.2f}x" if g["bare_rss"] else "-",
            f"< {mib:g} MiB",
            "OK" if 0 < g["rss"] < mib else "SLOW",
        )
    )
    return rows


def measure_pg(url: str, work: Path, keep: bool, runs: int) -> list[Row]:
    """PostgreSQL at 100k: each service figure beside the same figure on SQLite's 100k file, measured
    alike and alternately in this run (target: within 2x; the search also under 30 ms)."""
    path = work / "demo-100000.sqlite3"
    lite_built = build_or_reuse(f"sqlite:///{path}", path, 100_000, work / "demo-100000.json", keep)
    pg_built = build_or_reuse(url, None, 100_000, work / "demo-pg-100000.json", keep)
    pg, lite = services_for(url), services_for(f"sqlite:///{path}")
    # (each built once: in this run, or in the run that kept it)
    out = [_line("PG 100k", "demo build vs SQLite's", pg_built["build"], lite_built["build"], 2.0)]
    ours, base = _search_side_by_side(pg, lite, runs)
    out.append(_line("PG 100k", "search keystroke (p95) vs SQLite", ours, base, 2.0, "< 30 ms"))
    trips = _round_trips(pg)
    out.append(
        (
            "PG 100k",
            "  statements per keystroke, most",
            str(trips),
            "-",
            "-",
            "<= 2",
            "OK" if trips <= 2 else "SLOW",
        )
    )
    saves = _saves_side_by_side(pg, lite, 15)
    out.append(_line("PG 100k", "save a 100-point session vs SQLite", *saves["new"], 2.0))
    out.append(_line("PG 100k", "  re-save it, one point moved", *saves["resave"], 2.0))
    cpu_rows = (("new_cpu", "  save, this process's CPU alone"), ("resave_cpu", "  re-save, CPU alone"))
    for figure, label in cpu_rows:
        ours, base = saves[figure]
        out.append(("PG 100k", label, _ms(ours), _ms(base), f"{ours / base:.2f}x", "info", "info"))
    for services in (pg, lite):
        services.db.dispose()
    pg, lite = services_for(url, role="manager"), services_for(f"sqlite:///{path}", role="manager")
    for name, (ours, base) in _reports_side_by_side(pg, lite, runs).items():
        out.append(_line("PG 100k", f"{name} vs SQLite", ours, base, 2.0))
    for services in (pg, lite):
        services.db.dispose()
    return out


def _saves_side_by_side(pg, lite, runs: int) -> dict[str, tuple[float, float]]:  # type: ignore[no-untyped-def]
    """A new 100-point draft saved, then re-saved with one point moved (``save_figures``' two figures), on
    each database in turns, save by save (so that the machine's load, which weighs more on PostgreSQL's
    round trips, falls on both alike), after two warm-up saves of each: (PostgreSQL, SQLite) medians of
    ``runs``, wall clock and this process's CPU time (``*_cpu``: the client's own work, without the
    server's and the disk's)."""
    from dataclasses import replace

    sides = []
    for services in (pg, lite):
        draft = _hundred_point_draft(services)
        sides.append((services, draft, [services.charting.save_draft(draft)]))

    def new(side) -> None:  # type: ignore[no-untyped-def]
        services, draft, _ = side
        services.charting.save_draft(replace(draft))

    def resave(side) -> None:  # type: ignore[no-untyped-def]
        services, _, saved = side
        cur = saved[0]
        p = cur.points[5]
        moved = replace(p, x=p.x + (0.001 if p.x < 0.5 else -0.001))
        points = (*cur.points[:5], moved, *cur.points[6:])
        saved[0] = services.charting.save_draft(replace(cur, points=points))

    out: dict[str, tuple[float, float]] = {}
    for name, fn in (("new", new), ("resave", resave)):
        times: tuple[list[float], list[float]] = ([], [])
        cpu: tuple[list[float], list[float]] = ([], [])
        for i in range(runs + 2):
            for k, side in enumerate(sides):
                c, t = time.process_time(), time.perf_counter()
                fn(side)
                if i >= 2:
                    times[k].append(time.perf_counter() - t)
                    cpu[k].append(time.process_time() - c)
        out[name] = (statistics.median(times[0]), statistics.median(times[1]))
        out[name + "_cpu"] = (statistics.median(cpu[0]), statistics.median(cpu[1]))
    return out


def _search_side_by_side(pg, lite, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """p95 of a keystroke's search (every prefix of every probe, ``runs`` times) on each database, the
    two taking turns, after one warm-up pass over every prefix."""
    prefixes = [p[:i] for p in PROBES for i in range(1, len(p) + 1)]
    for q in prefixes:
        pg.patients.search(q)
        lite.patients.search(q)
    ours, base = [], []
    for _ in range(max(runs, 3)):
        for q in prefixes:
            ours.append(_once(lambda q=q: pg.patients.search(q)))
            base.append(_once(lambda q=q: lite.patients.search(q)))
    return _p95(ours), _p95(base)


def _round_trips(pg) -> int:  # type: ignore[no-untyped-def]
    """The most statements (round trips to the server) one keystroke's search sent, over every prefix."""
    from sqlalchemy import event

    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    most = 0
    event.listen(pg.db.engine, "before_cursor_execute", note)
    try:
        for q in [p[:i] for p in PROBES for i in range(1, len(p) + 1)]:
            sent.clear()
            pg.patients.search(q)
            most = max(most, len(sent))
    finally:
        event.remove(pg.db.engine, "before_cursor_execute", note)
    return most


def _reports_side_by_side(pg, lite, runs: int) -> dict[str, tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Every report over the last 12 months and all dates: the median of ``runs`` runs on each database,
    taking turns, after a warm-up run of each."""
    from sqlalchemy import func, select

    from clinicrec.db.models import SessionRow
    from clinicrec.domain.report_types import BreakdownBy, ReportFilters

    with lite.db.read() as s:
        end = s.execute(select(func.max(SessionRow.performed_at))).scalar_one().date()
    out: dict[str, tuple[float, float]] = {}
    for label, days in (("12 months", 365), ("all dates", 3650)):
        f = ReportFilters(start=end - timedelta(days=days), end=end)
        jobs: dict[str, Callable[[object], object]] = {
            "summary": lambda r, f=f: r.summary(f),
            "safety": lambda r, f=f: r.safety(f),
            "product use": lambda r, f=f: r.product_use(f, USE_PAGE),
            "follow-up gaps": lambda r, f=f: r.follow_up_gaps(f, GAPS_PAGE),
        }
        jobs.update({f"by {b.value}": (lambda r, b=b, f=f: r.breakdown(f, b)) for b in BreakdownBy})
        for name, job in jobs.items():
            job(pg.reports)
            job(lite.reports)
            times: tuple[list[float], list[float]] = ([], [])
            for _ in range(max(runs, 3)):
                times[0].append(_once(lambda job=job: job(pg.reports)))
                times[1].append(_once(lambda job=job: job(lite.reports)))
            out[f"report {name}, {label}"] = (statistics.median(times[0]), statistics.median(times[1]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--workdir", default="/tmp/clinicrec-scale")
    ap.add_argument("--keep", action="store_true", help="reuse (or build and keep) the databases in WORKDIR")
    ap.add_argument("--pg", metavar="URL", help="an empty PostgreSQL database for the 100k figures")
    ap.add_argument(
        "--pg-only",
        action="store_true",
        help="with --pg: only PostgreSQL beside SQLite at 100k (WORKDIR's 100k file reused or built, kept)",
    )
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per start-up figure")
    ap.add_argument("--skip-gui", action="store_true", help="the service figures only (no Qt processes)")
    ap.add_argument(
        "--build-only", action="store_true", help="build (or reuse) the databases, measure nothing"
    )
    ap.add_argument(
        "--gui-only",
        action="store_true",
        help="the start-up, wait, keystroke and memory figures only (WORKDIR's databases, built if missing)",
    )
    args = ap.parse_args(argv)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.build_only:
        for size in sizes:
            path = work / f"demo-{size}.sqlite3"
            build_or_reuse(f"sqlite:///{path}", path, size, work / f"demo-{size}.json", True)
        return 0
    if args.gui_only:
        gui: list[Row] = []
        for size in sizes:
            path = work / f"demo-{size}.sqlite3"
            build_or_reuse(f"sqlite:///{path}", path, size, work / f"demo-{size}.json", True)
            label = f"{size // 1000:,}k" if size < 1_000_000 else f"{size // 1_000_000}M"
            gui += gui_rows(label, size, gui_figures(path, args.runs))
            _print(gui)
        return 0 if all(r[-1] in ("OK", "info") for r in gui) else 1
    if args.pg_only and not args.pg:
        ap.error("--pg-only needs --pg URL")
    rows: list[Row] = []
    pg_rows = measure_pg(args.pg, work, args.keep or args.pg_only, args.runs) if args.pg else []
    if args.pg_only:
        _print(pg_rows)
        return 0 if all(r[-1] in ("OK", "info") for r in pg_rows) else 1
    ours, base = handout_figures()
    rows.append(_line("any", "handout PDF vs plain ReportLab", ours, base, 1.3))
    for size in sizes:
        # the 100k file measure_pg built in this run is reused even without --keep
        reuse = args.keep or (bool(args.pg) and size == 100_000)
        rows += measure_sqlite(size, work, reuse, args.runs, not args.skip_gui)
        _print(rows)
    rows += pg_rows
    _print(rows)
    if not args.keep:
        for size in sizes:
            _remove_database(work / f"demo-{size}.sqlite3")
    return 0 if all(r[-1] in ("OK", "info") for r in rows) else 1


def _print(rows: list[Row]) -> None:
    head: Row = ("size", "figure", "ClinicRec", "baseline", "ratio", "target", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print()
    for r in [head, *rows]:
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
