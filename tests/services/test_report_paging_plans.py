"""The paged reports' statements keep their plans (issue 17): product use's first lots and follow-up gaps'
first page and counts read no growing table whole; the gaps' counts walk the date index over the period
(not every signed session: 3x slower at a million patients); the lots are grouped once per statement,
each product's first lots taken from that one grouping; the CSV of every row reads no table whole either."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from clinicrec.domain.report_types import ReportFilters
from clinicrec.services.app import Services
from clinicrec.services.reports import ReportRequest, definition
from clinicrec.services.reports.export import write_csv
from tests.services.test_query_plans import TODAY, demo, full_scans, manager, plans_of  # noqa: F401

YEAR = ReportFilters(start=TODAY - timedelta(days=365), end=TODAY)
TEN_YEARS = ReportFilters(start=TODAY - timedelta(days=3650), end=TODAY)


def test_the_pages_and_the_full_csv_read_no_growing_table_whole(manager: Services, demo: Path) -> None:  # noqa: F811
    def csv_of(kind: str) -> None:
        page = definition(kind).run(manager.reports, ReportRequest(YEAR, limit=1))
        write_csv(page, io.StringIO(), rows=definition(kind).all_csv_rows(manager.reports, page))

    work = {
        "product use, first lot": lambda: manager.reports.product_use(YEAR, 1),
        "product use, all dates": lambda: manager.reports.product_use(TEN_YEARS, 3),
        "gaps, first 5": lambda: manager.reports.follow_up_gaps(YEAR, 5),
        "gaps, counts only": lambda: manager.reports.follow_up_gaps(YEAR, 0),
        "product use CSV": lambda: csv_of("product-use"),
        "gaps CSV": lambda: csv_of("gaps"),
    }
    problems = {name: full_scans(plans_of(manager, demo, job)) for name, job in work.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_gap_counts_walk_the_date_index(manager: Services, demo: Path) -> None:  # noqa: F811
    plans = plans_of(manager, demo, lambda: manager.reports.follow_up_gaps(YEAR, 0))
    counts = [steps for sql, steps in plans if "count(*)" in sql and "treatment_sessions" in sql]
    assert counts, [sql[:80] for sql, _ in plans]
    assert any("ix_treatment_sessions_performed_at" in step for step in counts[0]), counts[0]
    assert not any("ix_treatment_sessions_status" in step for step in counts[0]), counts[0]


def test_a_products_first_lots_come_from_one_grouping(manager: Services, demo: Path) -> None:  # noqa: F811
    plans = plans_of(manager, demo, lambda: manager.reports.product_use(YEAR, 2))
    ranked = [steps for sql, steps in plans if "WITH lots AS MATERIALIZED" in sql]
    assert len(ranked) == 2, [sql[:80] for sql, _ in plans]  # the lots drawn, the lots wasted
    for steps in ranked:
        reads = [s for s in steps if "report_day_lots" in s or "report_day_vials" in s]
        assert len(reads) == 1, steps  # grouped once; each product's first lots read the grouping
