"""How long do the outcome reports take on a big clinic? ``python benchmarks/bench_reports.py [DB] [runs]``

DB is a demo database file (default /tmp/demo100k.sqlite3, built by ``clinicrec demo --patients 100000``).
It is never modified: when it is not at the newest schema, a copy is migrated in a temporary folder.

Prints, in one run:
* the outcome summary through ``ReportService.summary`` (SQLAlchemy, two queries, figures with 95% CIs)
  beside the same aggregate written as one plain SQL query on ``sqlite3`` (target: under 1.5x), after
  checking that both give the same numbers;
* the other reports' times (for information);
* how long the GUI event loop is kept waiting while the reports screen computes through the Worker
  (a 10 ms timer's longest gap: the screen must stay responsive).
"""

from __future__ import annotations

import gc
import io
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import best_and_median, row
from sqlalchemy import select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.migrate import current_revision, head_revision, upgrade
from clinicrec.db.models import SessionRow, UserRow
from clinicrec.domain.enums import Zone
from clinicrec.domain.report_types import MEASURES, BreakdownBy, ReportFilters
from clinicrec.services.app import Services
from clinicrec.services.auth import actor_of
from clinicrec.services.base import Context
from clinicrec.services.reports import ReportRequest, definition
from clinicrec.services.reports.export import write_csv

TARGET = 1.5

PLAIN_SUMMARY = """
SELECT f.time_point,
       (SELECT count(*) FROM treatment_sessions s2 WHERE s2.status = 'signed'
           AND NOT EXISTS (SELECT 1 FROM treatment_sessions a2 WHERE a2.amends_id = s2.id)
           AND s2.performed_at >= :start AND s2.performed_at < :end) AS sessions,
       count(*) AS followed_up,
       count(f.pores - b.pores), sum(f.pores - b.pores), sum((f.pores - b.pores) * (f.pores - b.pores)),
       sum(CASE WHEN f.pores - b.pores <= -1 THEN 1 ELSE 0 END),
       count(f.oil - b.oil), sum(f.oil - b.oil), sum((f.oil - b.oil) * (f.oil - b.oil)),
       sum(CASE WHEN f.oil - b.oil <= -1 THEN 1 ELSE 0 END),
       count(f.redness - b.redness), sum(f.redness - b.redness),
       sum((f.redness - b.redness) * (f.redness - b.redness)),
       sum(CASE WHEN f.redness - b.redness <= -1 THEN 1 ELSE 0 END),
       sum(f.gais = 'very_much_improved'), sum(f.gais = 'much_improved'), sum(f.gais = 'improved'),
       sum(f.gais = 'no_change'), sum(f.gais = 'worse'),
       count(f.satisfaction), sum(f.satisfaction), sum(f.satisfaction * f.satisfaction)
FROM treatment_sessions s
JOIN assessments f ON f.session_id = coalesce(s.root_id, s.id) AND f.time_point != 'baseline'
LEFT JOIN assessments b ON b.session_id = s.id AND b.time_point = 'baseline'
WHERE s.status = 'signed'
  AND NOT EXISTS (SELECT 1 FROM treatment_sessions a WHERE a.amends_id = s.id)
  AND s.performed_at >= :start AND s.performed_at < :end
  AND NOT EXISTS (SELECT 1 FROM assessments g
                  WHERE g.session_id = f.session_id AND g.time_point = f.time_point
                  AND (g.assessed_on > f.assessed_on OR (g.assessed_on = f.assessed_on AND g.id > f.id)))
GROUP BY f.time_point
"""


def database(path: Path) -> tuple[Path, tempfile.TemporaryDirectory[str] | None]:
    """The file to benchmark: ``path`` itself if at the newest schema, else a migrated copy."""
    engine = make_engine(f"sqlite:///{path}")
    at = current_revision(engine)
    engine.dispose()
    if at == head_revision():
        return path, None
    tmp = tempfile.TemporaryDirectory(prefix="bench-reports-")
    copy = Path(tmp.name) / path.name
    print(f"{path} is at schema {at}; migrating a copy to {head_revision()} in {tmp.name} ...", flush=True)
    shutil.copy(path, copy)
    engine = make_engine(f"sqlite:///{copy}")
    upgrade(engine, backup_dir=Path(tmp.name) / "backups")
    engine.dispose()
    shutil.rmtree(Path(tmp.name) / "backups", ignore_errors=True)
    return copy, tmp


def services_for(path: Path) -> Services:
    db = Database(make_engine(f"sqlite:///{path}"))
    svc = Services(Context(db, lambda: datetime.now(UTC)))
    with db.read() as s:
        svc.act_as(
            actor_of(s.execute(select(UserRow).where(UserRow.role == "manager").limit(1)).scalar_one())
        )
    return svc


def check_same(summary, plain_rows) -> None:  # type: ignore[no-untyped-def]
    by_tp = {r[0]: r for r in plain_rows}
    for o in summary.outcomes:
        r = by_tp[o.time_point.value]
        assert r[1] == summary.sessions and r[2] == o.followed_up, o.time_point
        for i, m in enumerate(MEASURES):
            n, total = r[3 + 4 * i], r[4 + 4 * i]
            mc = o.measure(m)
            assert (mc.change.n, mc.improved) == (n, r[6 + 4 * i]), (o.time_point, m)
            assert mc.change.mean is None or abs(mc.change.mean - total / n) < 1e-12
        assert o.gais.n == sum(r[15:20]) and o.satisfaction.n == r[20]


def responsiveness(svc: Services, f: ReportFilters) -> list[tuple[str, float, float]]:
    """(tab, seconds to compute, longest event-loop gap in seconds) with the real threaded Worker."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from clinicrec.ui.prompts import Prompts
    from clinicrec.ui.reports.reports_screen import ReportsScreen
    from clinicrec.ui.worker import Worker

    app = QApplication.instance() or QApplication([])
    worker = Worker()
    screen = ReportsScreen(svc, Prompts(), worker)
    screen.resize(1280, 800)
    done: list[float] = []
    screen.sig_report_ready.connect(lambda *_a: done.append(time.perf_counter()))
    out = []
    for key, by in (
        ("outcomes", None),
        ("breakdown", BreakdownBy.ZONE),
        ("product-use", None),
        ("gaps", None),
    ):
        screen.tabs.setCurrentIndex(list(screen.pages).index(key))
        if by is not None:
            screen.pages["breakdown"].by.setCurrentIndex(screen.pages["breakdown"].by.findData(by.value))
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda ticks=ticks: ticks.append(time.perf_counter()))
        done.clear()
        start = time.perf_counter()
        timer.start()
        screen.refresh()
        while not done:
            QCoreApplication.processEvents()
            time.sleep(0.001)
        timer.stop()
        gaps = [b - a for a, b in zip([start, *ticks], [*ticks, done[0]], strict=False)]
        out.append((f"{key}{' by ' + by.value if by else ''}", done[0] - start, max(gaps)))
    worker.wait()
    screen.deleteLater()
    QCoreApplication.processEvents()
    assert app is not None
    return out


def main(db_file: str = "/tmp/demo100k.sqlite3", runs: int = 7) -> int:
    path, tmp = database(Path(db_file))
    svc = services_for(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with svc.db.read() as s:
        last = s.execute(
            select(SessionRow.performed_at).order_by(SessionRow.performed_at.desc()).limit(1)
        ).scalar_one()
    end = last.date()
    periods = {
        "all dates": ReportFilters(start=end - timedelta(days=3650), end=end),
        "last 12 months": ReportFilters(start=end - timedelta(days=365), end=end),
    }
    print(f"database {path} · best of {runs} runs after a warm-up · sqlite {sqlite3.sqlite_version}")
    status = 0
    for label, f in periods.items():
        params = {
            "start": f"{f.start} 00:00:00.000000",
            "end": f"{f.end + timedelta(days=1)} 00:00:00.000000",
        }
        summary = svc.reports.summary(f)
        check_same(summary, con.execute(PLAIN_SUMMARY, params).fetchall())
        ours, ours_med = best_and_median(lambda f=f: svc.reports.summary(f), repeat=runs)
        base, base_med = best_and_median(
            lambda p=params: con.execute(PLAIN_SUMMARY, p).fetchall(), repeat=runs
        )
        ratio = ours / base
        status |= ratio >= TARGET
        print(
            row(
                f"outcome summary, {label}",
                ours,
                base,
                f"target < {TARGET}x {'OK' if ratio < TARGET else 'MISSED'}",
            )
        )
        print(
            f"{'':<38} median {ours_med * 1000:7.2f} ms   baseline {base_med * 1000:7.2f} ms   "
            f"({summary.sessions:,} sessions, {sum(o.followed_up for o in summary.outcomes):,} follow-ups)"
        )
    f = periods["last 12 months"]
    print("other reports, last 12 months (best of 3):")
    jobs = {f"breakdown by {b.value}": (lambda b=b: svc.reports.breakdown(f, b)) for b in BreakdownBy}
    use_page, gaps_page = definition("product-use").page_size, definition("gaps").page_size
    jobs.update(
        {
            "safety": lambda: svc.reports.safety(f),
            f"product use, {use_page} lots/product": lambda: svc.reports.product_use(f, use_page),
            "product use, every lot (before)": lambda: svc.reports.product_use(f),
            f"follow-up gaps, first {gaps_page}": lambda: svc.reports.follow_up_gaps(f, gaps_page),
            "follow-up gaps, every one (before)": lambda: svc.reports.follow_up_gaps(f),
            "summary, zone = nose": lambda: svc.reports.summary(
                ReportFilters(start=f.start, end=f.end, zone=Zone.NOSE)
            ),
        }
    )
    for name, job in jobs.items():
        best, _ = best_and_median(job, repeat=3, warmup=1)
        print(f"  {name:<36} {best * 1000:9.1f} ms")
    for label, g in periods.items():  # the paged reports over all dates too: the most rows
        for name, job in (
            (f"product use, {use_page} lots/product", lambda g=g: svc.reports.product_use(g, use_page)),
            (f"follow-up gaps, first {gaps_page}", lambda g=g: svc.reports.follow_up_gaps(g, gaps_page)),
        ):
            best, _ = best_and_median(job, repeat=3, warmup=1)
            print(f"  {name + ', ' + label:<48} {best * 1000:9.1f} ms")
    for kind in ("product-use", "gaps"):  # the CSV of every row, streamed
        page = definition(kind).run(svc.reports, ReportRequest(f, limit=definition(kind).page_size))
        sink = io.StringIO()
        start = time.perf_counter()
        rows = write_csv(page, sink, rows=definition(kind).all_csv_rows(svc.reports, page))
        print(
            f"  CSV of every row, {kind:<20} {(time.perf_counter() - start) * 1000:9.1f} ms ({rows:,} rows)"
        )
    print("reports screen (threaded Worker): the GUI event loop's longest wait while the report computes")
    for tab, seconds, stall in responsiveness(svc, f):
        print(
            f"  {tab:<36} computed in {seconds * 1000:7.1f} ms, "
            f"event loop never blocked > {stall * 1000:5.1f} ms"
        )
    gc.collect()
    gc.freeze()  # what the application can do once started: full GC passes then skip the start-up objects
    print("  ... after gc.freeze() (a full garbage collection of a big heap is most of any stall):")
    for tab, seconds, stall in responsiveness(svc, f):
        print(
            f"  {tab:<36} computed in {seconds * 1000:7.1f} ms, "
            f"event loop never blocked > {stall * 1000:5.1f} ms"
        )
    con.close()
    svc.db.dispose()
    if tmp is not None:
        tmp.cleanup()
    return int(status)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2], *[int(a) for a in sys.argv[2:3]]))
