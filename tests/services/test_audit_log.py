"""Reading the audit trail: filters, newest-first paging, readable rows, CSV export (itself audited)."""

from __future__ import annotations

import csv
import json
import os
import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clinicrec.db.models import AuditRow
from clinicrec.domain.enums import AuditAction
from clinicrec.domain.errors import AuthenticationError, PermissionDenied
from clinicrec.services import audit as audit_mod
from clinicrec.services.audit_log import AuditFilters, FieldChange, format_value
from clinicrec.services.printing import OutputError
from tests.conftest import World, make_patient

DAY1 = datetime(2030, 3, 9, 22, 30, tzinfo=UTC)  # 23:30 on 9 March in UTC+1; after the template's entries
TZ = timezone(timedelta(hours=1))


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """Entries written from now on carry ``when`` (the audit module stamps real time otherwise)."""
    monkeypatch.setattr(audit_mod, "utcnow", lambda: when)


@pytest.fixture
def trail(world: World) -> World:
    """Patient work by two injectors over three days, plus failed sign-ins; read as the manager."""
    with pytest.MonkeyPatch.context() as monkeypatch:  # its own: the time travel alone is undone after
        return _trail(world, monkeypatch)


def _trail(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    svc = world.services
    at(monkeypatch, DAY1)
    world.as_(world.injector)
    ada = make_patient(svc, first_name="Ada", last_name="Lovelace", chart_number="CR-000001")
    at(monkeypatch, DAY1 + timedelta(days=1))
    svc.patients.update(replace(svc.patients.get(ada.id), phone="+44 20 7946 0000"))
    world.as_(world.injector2)
    zoe = make_patient(svc, first_name="Zoë", last_name="Ñúñez", chart_number="CR-000002")
    at(monkeypatch, DAY1 + timedelta(days=2))
    svc.patients.get(zoe.id, log_view=True)
    world.as_(world.manager)
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            svc.auth.sign_in("nurse", "wrong password")
    svc.act_as(world.manager)
    world.made = {"ada": ada.id, "zoe": zoe.id}  # type: ignore[dict-item]
    return world


def newest_id(world: World) -> int:
    with world.services.db.read() as s:
        return int(s.execute(select(func.max(AuditRow.id))).scalar() or 0)


def test_entries_come_newest_first_with_readable_fields(trail: World) -> None:
    log = trail.services.audit_log
    entries = log.search(AuditFilters(), 0, 1000)
    assert len(entries) == log.count(AuditFilters()) == newest_id(trail)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    newest = entries[0]
    assert (newest.action, newest.action_label) == ("sign_in_failed", "Sign-in failed")
    assert newest.username == "nurse"
    assert newest.summary() == "Reason: wrong password"
    view = next(e for e in entries if e.action == "view")
    assert view.patient_label == "CR-000002 · Ñúñez, Zoë"
    assert view.user_label == "Olga Other (nurse2)"
    assert view.entity_label == f"Patient {trail.made['zoe']}"
    update = next(e for e in entries if e.action == "update" and e.entity == "patient")
    assert update.summary() == "Phone: +1 555 0101 → +44 20 7946 0000"
    assert update.changes == (FieldChange("phone", "+1 555 0101", "+44 20 7946 0000"),)
    assert update.local_time(TZ).utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (AuditFilters(username="nurse2"), [("view", "patient"), ("create", "patient")]),
        (AuditFilters(action=AuditAction.UPDATE), [("update", "patient")]),
        (AuditFilters(patient="lovelace"), [("update", "patient"), ("create", "patient")]),
        (AuditFilters(patient="CR-000002"), [("view", "patient"), ("create", "patient")]),
        (AuditFilters(patient="nunez zoe"), [("view", "patient"), ("create", "patient")]),
        (
            AuditFilters(entity="patient", action=AuditAction.CREATE),
            [("create", "patient"), ("create", "patient")],
        ),
    ],
)
def test_filters(trail: World, filters: AuditFilters, expected: list[tuple[str, str]]) -> None:
    log = trail.services.audit_log
    found = log.search(filters)
    assert [(e.action, e.entity) for e in found] == expected
    assert log.count(filters) == len(expected)


def test_filter_by_patient_id_and_user_including_failed_sign_ins(trail: World) -> None:
    log = trail.services.audit_log
    ada = trail.made["ada"]
    assert {e.patient_id for e in log.search(AuditFilters(patient_id=ada))} == {ada}
    nurse = log.search(AuditFilters(username="nurse"))
    assert [e.action for e in nurse] == ["sign_in_failed", "sign_in_failed", "update", "create"]


def test_date_range_is_whole_local_days(trail: World) -> None:
    log = trail.services.audit_log
    local_day1 = (DAY1 + timedelta(hours=1)).date()  # 9 March 23:30 in UTC+1
    first = log.search(AuditFilters().with_days(local_day1, local_day1, TZ))
    assert [(e.action, e.username) for e in first] == [("create", "nurse")]
    utc_day2 = AuditFilters().with_days(date(2030, 3, 10), date(2030, 3, 10), UTC)
    assert [(e.action, e.username) for e in log.search(utc_day2)] == [
        ("create", "nurse2"),
        ("update", "nurse"),
    ]
    two_days = AuditFilters().with_days(local_day1, local_day1 + timedelta(days=1), TZ)
    assert [e.action for e in log.search(two_days)] == ["create", "update", "create"]
    assert log.count(AuditFilters().with_days(None, local_day1, TZ)) == 1 + log.count(
        AuditFilters(before=DAY1)
    )


def test_paging_is_stable_while_new_entries_arrive(trail: World) -> None:
    log = trail.services.audit_log
    pinned = AuditFilters(up_to_id=log.newest_id())
    first = log.search(pinned, 0, 3)
    make_patient(trail.as_(trail.injector))  # a new entry, newest of all
    trail.as_(trail.manager)
    rest = log.search(pinned, 3, 1000)
    everything = log.search(pinned, 0, 1000)
    assert [e.id for e in first + rest] == [e.id for e in everything]
    assert log.count(AuditFilters()) == log.count(pinned) + 1


def test_injectors_cannot_read_or_export_the_trail(trail: World, tmp_path: Path) -> None:
    svc = trail.as_(trail.injector)
    for call in (
        lambda: svc.audit_log.search(AuditFilters()),
        lambda: svc.audit_log.count(AuditFilters()),
        lambda: svc.audit_log.verify_chain(),
        lambda: svc.audit_log.export_csv(AuditFilters(), tmp_path / "x.csv"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not (tmp_path / "x.csv").exists()


def test_export_writes_every_matching_entry_and_is_audited(trail: World, tmp_path: Path) -> None:
    log = trail.services.audit_log
    filters = AuditFilters(username="nurse2")
    before = newest_id(trail)
    out = tmp_path / "trail.csv"
    assert log.export_csv(filters, out, tz=TZ) == 2
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["action"] for r in rows] == ["View", "Create"]
    assert rows[1]["patient_name"] == "Ñúñez, Zoë" and rows[1]["time_local"].endswith("+01:00")
    assert json.loads(rows[1]["changes"])["first_name"] == [None, "Zoë"]
    assert stat.S_IMODE(os.stat(out).st_mode) & 0o077 == 0  # patient names: owner only
    [entry] = log.search(AuditFilters(action=AuditAction.EXPORT))
    assert entry.id == before + 1 and entry.username == "manager" and entry.entity == "audit_log"
    changes = {c.field: c.new for c in entry.changes}
    assert changes["rows"] == 2 and changes["file"] == "trail.csv" and "user nurse2" in changes["filters"]

    everything = tmp_path / "all.csv"
    n = log.export_csv(AuditFilters(), everything)
    assert n == newest_id(trail) - 1  # all but the export entry written while exporting


def test_export_cells_cannot_run_as_spreadsheet_formulas(world: World, tmp_path: Path) -> None:
    make_patient(world.services, first_name='=HYPERLINK("http://x")', last_name="-Evil")
    svc = world.as_(world.manager)
    svc.audit_log.export_csv(AuditFilters(action=AuditAction.CREATE, entity="patient"), tmp_path / "x.csv")
    with open(tmp_path / "x.csv", encoding="utf-8-sig", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["patient_name"] == '\'-Evil, =HYPERLINK("http://x")'


def test_export_to_a_missing_folder_is_refused_plainly_and_not_audited(trail: World, tmp_path: Path) -> None:
    before = newest_id(trail)
    with pytest.raises(OutputError, match="does not exist"):
        trail.services.audit_log.export_csv(AuditFilters(), tmp_path / "nowhere" / "x.csv")
    assert newest_id(trail) == before


def test_verify_chain(trail: World) -> None:
    result = trail.services.audit_log.verify_chain()
    assert result.ok and result.entries_checked == newest_id(trail)


def test_values_read_plainly() -> None:
    assert format_value(None) == "—" and format_value(True) == "yes" and format_value(2.50) == "2.5"
    assert format_value([1, 2, 3]) == "3 items" and format_value([]) == "(none)"
    assert format_value([{"zone": "nose"}], full=True) == '{"zone":"nose"}'
    assert format_value("a" * 64) == "a" * 12 + "…" and format_value("a" * 64, full=True) == "a" * 64
    assert FieldChange("password", "***", "changed").summary() == "Password: changed"


def test_a_tests_workstation_anchors_stay_in_its_own_folder(
    trail: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The time travel above once undid the test's anchors folder with it: verify then read and wrote the
    user's own anchor book, where a temporary file of an earlier run at the same path made it fork."""
    from clinicrec.services.audit_anchor import anchor_dir

    assert anchor_dir().is_relative_to(tmp_path_factory.getbasetemp())
    assert trail.services.audit_log.verify_chain().ok
    assert (anchor_dir() / "audit-anchors.json").is_file()  # the head it verified, kept there
