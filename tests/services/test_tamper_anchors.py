"""The heads kept outside the database: backups' sidecars, the daily digest, the command line.

Each test truncates or rewrites the trail so that the chain in the file is valid again, and checks that
an anchor seen earlier (and only that anchor: this workstation's book is emptied first, as on another
computer) exposes it.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from clinicrec import cli
from clinicrec.db.models import AuditRow
from clinicrec.domain.errors import ConcurrentEditError
from clinicrec.services.audit_anchor import AnchorBook, parse_digest, sidecar_path
from clinicrec.services.maintenance import MaintenanceService
from tests.conftest import PASSWORD, World, make_patient
from tests.services.test_audit_trail import _tamper
from tests.services.test_tamper import _entry_of, _rewrite_trail, clinic_history


def _another_workstation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLINICREC_ANCHOR_DIR", str(tmp_path / "elsewhere"))


def _cut_after(world: World, keep: int) -> None:
    with world.services.db.read() as s:
        kept_hash = s.execute(select(AuditRow.hash).where(AuditRow.id == keep)).scalar_one()
    _tamper(
        world,
        f"DELETE FROM audit_log WHERE id > {keep}",
        f"UPDATE audit_head SET last_id = {keep}, last_hash = '{kept_hash}' WHERE id = 1",
    )


def test_a_backup_records_its_head_beside_it_and_catches_a_truncation(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clinic_history(world)
    world.as_(world.admin)
    backups = world.path.parent / "backups"  # type: ignore[union-attr]
    info = MaintenanceService(world.services.ctx).backup_now()
    assert info.path.parent == backups
    manifest = json.loads(sidecar_path(info.path).read_text())
    with world.services.db.read() as s:
        backup_entry = s.execute(select(AuditRow).where(AuditRow.action == "backup")).scalar_one()
    assert manifest["head_entry"] == backup_entry.id - 1  # the head the copy holds, taken before its entry
    assert sidecar_path(info.path).stat().st_mode & 0o777 == 0o600
    _another_workstation(monkeypatch, tmp_path)
    world.as_(world.manager)
    _cut_after(world, manifest["head_entry"] - 3)  # the last three entries the backup saw are gone
    result = world.services.audit_log.verify_chain()
    [problem] = [p for p in result.problems if "went backwards" in p.message]
    assert f"backup {info.path.name} saw entry {manifest['head_entry']}" in problem.message


def test_the_daily_digest_catches_a_history_rewritten_with_the_apps_own_hash(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ids = clinic_history(world)
    digest = tmp_path / "digest-2026-12-03.txt"
    head = world.services.audit_log.export_digest(digest)
    text = digest.read_text()
    assert f"Head entry: {head.entry_id}" in text and f"Head hash: {head.hash}" in text
    assert digest.stat().st_mode & 0o777 == 0o600
    anchor = parse_digest(text, digest.name)
    assert (anchor.entry_id, anchor.hash) == (head.entry_id, head.hash)
    _another_workstation(monkeypatch, tmp_path)
    _rewrite_trail(world, _entry_of(world, "patient", ids["patient"]), username="mallory")
    assert world.services.audit_log.verify_chain().ok  # nothing else remembers the old history...
    result = world.services.audit_log.verify_chain([anchor])  # ...but the digest does
    assert not result.ok and f"entry {head.entry_id} no longer has the hash digest {digest.name}" in (
        result.first_problem.message if result.first_problem else ""
    )


def test_an_unwritable_data_folder_does_not_stop_the_work(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert not AnchorBook(blocked).remember("db", 5, "ab" * 32, datetime.now(UTC))
    assert AnchorBook(tmp_path / "ok").remember("db", 5, "ab" * 32, datetime.now(UTC))
    assert [a.entry_id for a in AnchorBook(tmp_path / "ok").anchors("db")] == [5, 5]


def test_a_digest_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="not a ClinicRec audit digest"):
        parse_digest("Head entry: 12\n", "notes.txt")


def test_command_line_digest_and_verify_against_it(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic_history(world)
    db = str(world.path)

    def main(argv: list[str]) -> int:  # signed in as the administrator, the password on standard input
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
        return cli.main([*argv, "--user", "admin", "--password-stdin"])

    digest = tmp_path / "digest.txt"
    assert main(["--db", db, "audit", "digest", "-o", str(digest)]) == 0
    written = capsys.readouterr().out
    assert "Digest written" in written
    digest_head = int(written.split("head entry ")[1].split(",")[0])
    assert main(["--db", db, "audit", "verify", "--anchor", str(digest)]) == 0
    assert "Audit trail intact" in capsys.readouterr().out
    _another_workstation(monkeypatch, tmp_path)
    _cut_after(world, digest_head - 2)  # entries the digest saw are gone (each command's sign-in adds one)
    assert main(["--db", db, "audit", "verify", "--anchor", str(digest)]) == 1
    assert "the trail went backwards: digest digest.txt" in capsys.readouterr().err
    assert main(["--db", db, "audit", "verify", "--anchor", str(tmp_path / "nope.txt")]) == 2


def test_a_record_changed_behind_the_application_is_not_signed_or_edited_over(world: World) -> None:
    """The next save would otherwise launder the change: its entry would hash the altered state."""
    ids = clinic_history(world)
    svc = world.as_(world.injector)
    draft = svc.charting.get(ids["draft"])
    _tamper(world, f"UPDATE treatment_sessions SET notes = 'Tolerated badly' WHERE id = {ids['draft']}")
    with pytest.raises(ConcurrentEditError, match="changed outside ClinicRec"):
        svc.charting.sign(ids["draft"], PASSWORD, reviewed=svc.charting.get(ids["draft"]))
    with pytest.raises(ConcurrentEditError, match="changed outside ClinicRec"):
        svc.charting.save_draft(replace(svc.charting.get(ids["draft"]), notes="saved over"))
    with pytest.raises(ConcurrentEditError, match="changed outside ClinicRec"):
        svc.charting.delete_draft(ids["draft"], draft.version)
    assert svc.charting.get(ids["draft"]).version == draft.version
    [event] = svc.records.record(ids["session"]).adverse_events
    _tamper(world, f"UPDATE adverse_events SET severity = 'severe' WHERE id = {ids['event']}")
    with pytest.raises(ConcurrentEditError, match="changed outside ClinicRec"):
        svc.records.update_adverse_event(event)


def test_a_backup_with_an_altered_signed_dose_is_not_restored(world: World, tmp_path: Path) -> None:
    from clinicrec.db.backup import RestoreRefused

    ids = clinic_history(world)
    world.as_(world.admin)
    maintenance = MaintenanceService(world.services.ctx)
    info = maintenance.backup_now(tmp_path / "copy.sqlite3")
    import sqlite3

    conn = sqlite3.connect(info.path)
    conn.execute(f"UPDATE injection_points SET units = units * 2 WHERE session_id = {ids['session']}")
    conn.commit()
    conn.close()
    make_patient(world.services)
    before = world.path.read_bytes()  # type: ignore[union-attr]
    with pytest.raises(RestoreRefused, match=f"signed session {ids['session']} was altered after signing"):
        maintenance.restore(info.path)
    assert world.path.read_bytes() == before  # type: ignore[union-attr]
    assert AnchorBook().anchors(str(world.path.resolve()))  # type: ignore[union-attr]
