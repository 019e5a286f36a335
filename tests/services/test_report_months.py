"""The breakdown by month's key on SQLite (``one_pass.month_case``: a CASE over when the clinic's months
begin) is the key of the Python function the exact statements call (``clinic_month``), at every month's
edge and daylight-saving change, in zones east and west of UTC and with half-hour offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from clinicrec.db.engine import make_engine
from clinicrec.db.types import UTCDateTime
from clinicrec.domain.clinic_time import start_of_day
from clinicrec.services.reports.one_pass import month_case

ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham")


def _instants(zone: str) -> list[datetime]:
    """A second either side of every local midnight that starts a month of 2025-2026, every DST change
    (the zone's local 01:00-03:00 on every Sunday of March, April, October, November), and noon."""
    out: list[datetime] = []
    for year in (2025, 2026):
        for month in range(1, 13):
            edge = start_of_day(date(year, month, 1), zone)
            out += [edge + timedelta(seconds=s) for s in (-1, 0, 1, 12 * 3600)]
    day = date(2025, 3, 1)
    while day < date(2026, 12, 1):
        if day.month in (3, 4, 10, 11) and day.weekday() == 6:
            out += [start_of_day(day, zone) + timedelta(minutes=30 * i) for i in range(8)]
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("zone", ZONES)
def test_the_month_case_gives_the_python_function_s_key(zone: str, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'months.sqlite3'}")
    times = Table("times", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime))
    times.metadata.create_all(engine)
    instants = _instants(zone)
    with engine.begin() as conn:
        conn.execute(insert(times), [{"at": t} for t in instants])
        key = month_case(times.c.at, date(2024, 12, 1), date(2026, 12, 31), zone)
        rows = conn.execute(select(times.c.at, key, func.clinic_month(times.c.at, zone))).all()
        outside = conn.execute(
            select(month_case(times.c.at, date(2025, 6, 1), date(2025, 6, 30), zone)).where(
                times.c.at >= datetime(2025, 8, 1, tzinfo=UTC)
            )
        ).scalars()
        assert set(outside) == {None}  # beyond the span: no key rather than a wrong one
    engine.dispose()
    assert len(rows) == len(instants)
    assert [(at, case) for at, case, _ in rows] == [(at, python) for at, _, python in rows]
    assert len({python for _, _, python in rows}) == 25  # December 2024 to December 2026
