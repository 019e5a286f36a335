"""``clinicrec report`` of a paged report computes only its first page but writes every row: product use's
file holds every lot, with no 'other lots' row (the follow-up gaps' complete export is tested on the reports
screen, tests/ui/reports/test_report_paging.py: this small demo has no gap)."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from clinicrec.db.models import UserRow
from clinicrec.domain.report_types import ReportFilters
from clinicrec.services.app import open_services
from clinicrec.services.auth import actor_of
from clinicrec.services.reports import registry
from tests.cli.conftest import Cli


@pytest.fixture
def pages_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in ("product-use", "gaps"):
        d = registry.definition(kind)
        monkeypatch.setitem(registry._REGISTRY, kind, dataclasses.replace(d, page_size=1))


def test_the_command_line_writes_every_lot(cli: Cli, tmp_path: Path, pages_of_one: None) -> None:
    services = open_services(f"sqlite:///{cli.db}")
    try:
        with services.db.read() as s:
            services.act_as(
                actor_of(s.execute(select(UserRow).where(UserRow.role == "manager")).scalars().first())
            )
        whole = services.reports.product_use(ReportFilters())
    finally:
        services.db.dispose()
    assert whole.complete and whole.lot_count > len(whole.products)  # more lots than a page of one shows
    use_csv = tmp_path / "use.csv"
    assert cli.as_user("manager", "report", "--kind", "product-use", "-o", str(use_csv)).code == 0
    rows = list(csv.DictReader(use_csv.read_text(encoding="utf-8-sig").splitlines()))
    lots = [(r["product"], r["lot_number"], r["units"]) for r in rows if r["section"] == "lot"]
    assert lots == [(u.brand, u.lot_number, f"{u.units:.4f}".rstrip("0").rstrip(".")) for u in whole.lots]
    assert sum(1 for r in rows if r["section"] == "waste") == len(whole.waste)
    assert not any("other lot" in r["lot_number"] for r in rows)
