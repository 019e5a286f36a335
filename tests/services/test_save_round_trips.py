"""What a 100-point draft's save costs in statements (issue 17): on PostgreSQL every round trip to the
server is paid for, so the round trips of a new draft and of an autosave's re-save are counted from
libpq's own trace of the messages sent and received; on SQLite, the statements SQLite ran (its trace
callback). Either number growing fails here, so a save does not drift back to a statement per table."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from clinicrec.services import audit
from clinicrec.services.app import Services
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, grid

pytestmark = pytest.mark.postgres
_traces = itertools.count()

#: (new draft, re-save with one point moved) of a 100-point draft with a baseline, one vial, no
#: acknowledgement: PostgreSQL round trips (BEGIN and COMMIT included), SQLite statements run.
POSTGRES_ROUND_TRIPS = (8, 9)
SQLITE_STATEMENTS = (17, 19)


def round_trips(trace: str) -> int:
    """How many times the client sent statements and waited for the server's answer, from a libpq trace
    (each line ``F``rontend or ``B``ackend, tab, length, tab, message): each simple ``Query`` and each
    ``Sync`` that closes a batch of extended-protocol messages (one statement, or a whole pipeline) is
    one wait for the server. (Counting turns from sending to receiving instead would depend on timing:
    a pipeline's answers may be read while it is still being sent.)"""
    messages = [line.split("\t")[:3] for line in trace.splitlines() if line.strip()]
    return sum(1 for m in messages if len(m) == 3 and m[0] == "F" and m[2].split(" ")[0] in ("Query", "Sync"))


@contextmanager
def counted(services: Services, tmp_path: Path) -> Iterator[list[int]]:
    """Counts what the services' connections send while the block runs: PostgreSQL round trips (libpq's
    trace), SQLite statements (each statement SQLite runs, an executemany's rows one by one)."""
    engine = services.db.engine
    out: list[int] = []
    if engine.dialect.name == "sqlite":
        ran: list[str] = []

        def on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            dbapi_conn.set_trace_callback(ran.append)

        def on_checkin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.set_trace_callback(None)

        event.listen(engine, "checkout", on_checkout)
        event.listen(engine, "checkin", on_checkin)
        try:
            yield out
        finally:
            event.remove(engine, "checkout", on_checkout)
            event.remove(engine, "checkin", on_checkin)
        # the points' executemany runs its statement once per point: counted as one statement here
        out.append(len(ran) - sum(1 for sql in ran if sql.startswith("INSERT INTO injection_points")) + 1)
        return
    import psycopg

    path = tmp_path / f"libpq-{next(_traces)}.trace"
    files: list[Any] = []

    def trace_on(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        f = path.open("a")
        files.append(f)
        dbapi_conn.pgconn.trace(f.fileno())
        dbapi_conn.pgconn.set_trace_flags(
            psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
        )

    def trace_off(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn is not None:
            dbapi_conn.pgconn.untrace()

    event.listen(engine, "checkout", trace_on)
    event.listen(engine, "checkin", trace_off)
    try:
        yield out
    finally:
        event.remove(engine, "checkout", trace_on)
        event.remove(engine, "checkin", trace_off)
        for f in files:
            f.close()
    out.append(round_trips(path.read_text() if path.exists() else ""))


def _count(services: Services, tmp_path: Path, save: Callable[[], object]) -> int:
    with counted(services, tmp_path) as n:
        save()
    return n[0]


def test_a_new_draft_and_its_resave_cost_a_fixed_number_of_round_trips(world: World, tmp_path: Path) -> None:
    svc = world.services
    vial = make_vial(svc)
    draft = chart(world, make_patient(svc), grid(vial, 0.4, 100), notes="")
    svc.charting.save_draft(draft)  # the first save of the process (statements prepared, caches filled)
    saved: list[Any] = []
    new = _count(svc, tmp_path, lambda: saved.append(svc.charting.save_draft(replace(draft))))
    current = saved[0]
    moved = replace(current.points[5], x=current.points[5].x + 0.01)
    points = (*current.points[:5], moved, *current.points[6:])
    resave = _count(
        svc, tmp_path, lambda: saved.append(svc.charting.save_draft(replace(current, points=points)))
    )
    assert saved[-1].points[5].x == moved.x and saved[-1].version == current.version + 1
    expected = POSTGRES_ROUND_TRIPS if svc.db.engine.dialect.name == "postgresql" else SQLITE_STATEMENTS
    assert (new, resave) == expected
    with svc.db.read() as s:
        assert audit.verify(s).ok  # what was cut was round trips, not the record's proof


def test_round_trips_are_counted_from_the_trace() -> None:
    """The counter itself: a pipeline of two statements is one round trip, answers read early or not;
    three queries are three; two statements each closed by its Sync are two."""
    pipeline = (
        "F\t9\tParse\t x\nF\t9\tBind\t x\nB\t4\tParseComplete\n"  # an answer read while still sending
        "F\t9\tParse\t y\nF\t4\tSync\nB\t5\tReadyForQuery\n"
    )
    three = 'F\t10\tQuery\t "BEGIN"\nB\t5\tReadyForQuery\t T\n' * 3
    two = "F\t9\tBind\t x\nF\t4\tSync\nB\t5\tReadyForQuery\n" * 2
    assert (round_trips(pipeline), round_trips(three), round_trips(two), round_trips("")) == (1, 3, 2, 0)
