"""One careful open path for every door: nothing damaged, empty or missing is opened, nothing is created
unasked, and a file with patient data appears only once its audit entry is committed."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from clinicrec.domain.errors import StorageError
from clinicrec.services.app import open_services
from clinicrec.services.opening import DatabaseRefused
from tests.cli.conftest import Cli
from tests.db.test_integrity import damage, fingerprint


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _entries(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("command", ["report", "handout", "chart-pdf", "backup", "audit", "token"])
def test_a_damaged_database_is_never_written(cli: Cli, command: str) -> None:
    damage(cli.db, "treatment_sessions")
    before = fingerprint(cli.db)
    out = cli.folder / "out.file"
    argv = {
        "report": ["report", "-o", str(out)],
        "handout": ["handout", "1", "-o", str(out)],
        "chart-pdf": ["chart-pdf", "1", "-o", str(out)],
        "backup": ["backup", "-o", str(out)],
        "audit": ["audit", "verify"],
        "token": ["token", "list"],
    }[command]
    result = cli.as_user("admin", *argv)
    assert result.code == 2 and "is damaged" in result.err and "has not written to it" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert fingerprint(cli.db)[0] == before[0]  # not a byte: no sign-in entry, no export entry
    assert not out.exists()


def test_the_check_reports_a_damaged_database_and_names_the_problem(cli: Cli) -> None:
    damage(cli.db)
    result = cli.run("check")
    assert result.code == 1 and "is damaged" in result.out and "PROBLEM:" in result.err


@pytest.mark.parametrize(
    "form",
    [
        "sqlite:///{p}",
        "sqlite:///file:{p}?uri=true",
        "sqlite:///{p}?mode=ro&uri=true",
        "sqlite:///file:{p}?mode=ro&uri=true",
    ],
)
def test_no_form_of_url_skips_the_check(cli: Cli, form: str) -> None:
    damage(cli.db)
    before = fingerprint(cli.db)
    with pytest.raises(DatabaseRefused, match="is damaged") as refused:
        open_services(form.format(p=cli.db))
    assert refused.value.damaged is not None
    assert fingerprint(cli.db)[0] == before[0]


def test_mode_ro_opens_read_only_and_creates_no_odd_file(cli: Cli) -> None:
    url = f"sqlite:///{cli.db}?mode=ro&uri=true"
    before = fingerprint(cli.db)[0]
    entries = _entries(cli.db)
    check = cli.run("check", "--db", url)
    assert check.code == 0
    out = cli.folder / "r.csv"
    result = cli.run(
        "report", "-o", str(out), "--user", "admin", "--password-stdin", "--db", url, stdin="x\n", db=False
    )
    assert result.code == 2 and "read-only" in result.err
    to_stdout = cli.as_user("admin", "report", "--db", url)  # even the sign-in cannot be recorded
    assert to_stdout.code == 2 and to_stdout.out == "" and "read-only" in to_stdout.err
    assert sorted(p.name for p in cli.folder.iterdir() if "?" in p.name) == []
    assert not out.exists()
    assert _entries(cli.db) == entries and fingerprint(cli.db)[0] == before


def test_on_a_read_only_database_no_export_and_no_backup_is_left(cli: Cli) -> None:
    """The audit entry cannot be written, so the file must not appear (it did before: PHI left unaudited)."""
    services = open_services(f"sqlite:///{cli.db}?mode=ro&uri=true")
    try:
        from clinicrec.domain.enums import Role
        from clinicrec.services.permissions import Actor

        services.act_as(Actor(1, "admin", "Alex Morgan", "MD", Role.ADMIN))
        csv, pdf, copy = cli.folder / "r.csv", cli.folder / "h.pdf", cli.folder / "copy.sqlite3"
        from clinicrec.domain.report_types import ReportFilters
        from clinicrec.services.reports.export import export_csv

        summary = services.reports.summary(ReportFilters())
        with pytest.raises(StorageError, match="read-only.*was not written"):
            export_csv(services.reports, summary, csv)
        with pytest.raises(StorageError, match="read-only"):
            services.printing.handout_pdf(cli.session_id(), pdf)
        with pytest.raises(StorageError, match="read-only"):
            services.maintenance.backup_now(copy)
    finally:
        services.db.dispose()
    assert sorted(p.name for p in cli.folder.iterdir() if not p.name.startswith("records.sqlite3")) == []


def test_an_empty_file_is_not_a_database(cli: Cli) -> None:
    empty = cli.folder / "empty.sqlite3"
    empty.touch()
    result = cli.as_user("admin", "report", "--db", str(empty))
    assert result.code == 2 and "is an empty file, not a ClinicRec database" in result.err
    assert empty.stat().st_size == 0
    with pytest.raises(DatabaseRefused, match="empty file"):
        open_services(f"sqlite:///{empty}", create=True)  # not even the first-start setup takes it over
    assert cli.run("check", "--db", str(empty), db=False).code == 1


def test_another_programs_database_is_not_taken_over(cli: Cli) -> None:
    other = cli.folder / "photos.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = fingerprint(other)[0]
    with pytest.raises(DatabaseRefused, match="another program"):
        open_services(f"sqlite:///{other}")
    assert fingerprint(other)[0] == before


def test_a_missing_database_is_created_only_when_asked(cli: Cli, tmp_path: Path) -> None:
    new = cli.folder / "new.sqlite3"
    for argv in (["report"], ["backup"], ["check"], ["audit", "verify"]):
        result = cli.as_user("admin", *argv, "--db", str(new))
        assert result.code != 0 and f"There is no ClinicRec database at {new}" in result.err + result.out
    assert not new.exists()
    with pytest.raises(DatabaseRefused, match="no ClinicRec database"):
        open_services(f"sqlite:///{new}")
    assert not new.exists()
    services = open_services(f"sqlite:///{new}", create=True)  # the explicit first-start setup
    services.db.dispose()
    assert new.exists() and _mode(new) == 0o600
    assert all(_mode(p) == 0o600 for p in cli.folder.glob("new.sqlite3*"))


def test_a_missing_folder_is_never_created(cli: Cli, tmp_path: Path) -> None:
    nowhere = tmp_path / "no" / "such" / "folder" / "c.sqlite3"
    with pytest.raises(DatabaseRefused, match="folder .* does not exist"):
        open_services(f"sqlite:///{nowhere}", create=True)
    result = cli.as_user("admin", "report", "--db", str(nowhere))
    assert result.code == 2 and not (tmp_path / "no").exists()
    start = cli.run("--db", str(nowhere), "--new", db=False)
    assert start.code != 0 and "does not exist" in start.err and not (tmp_path / "no").exists()


def test_the_application_does_not_start_on_a_missing_file_without_new(cli: Cli) -> None:
    result = cli.run("--db", str(cli.folder / "typo.sqlite3"), db=False)
    assert result.code == 2 and "add --new to create one" in result.err
    assert not (cli.folder / "typo.sqlite3").exists()


def test_files_with_patient_data_are_private_whatever_the_umask(cli: Cli) -> None:
    csv, pdf, copy = cli.folder / "r.csv", cli.folder / "h.pdf", cli.folder / "copy.sqlite3"
    assert cli.as_user("admin", "report", "-o", str(csv)).code == 0
    assert cli.as_user("admin", "handout", str(cli.session_id()), "-o", str(pdf)).code == 0
    assert cli.as_user("admin", "backup", "-o", str(copy)).code == 0
    assert cli.as_user("admin", "backup").code == 0
    backups = cli.folder / "backups"
    assert [_mode(p) for p in (csv, pdf, copy)] == [0o600, 0o600, 0o600]
    assert _mode(backups) == 0o700 and {_mode(p) for p in backups.iterdir()} == {0o600}  # copy + its head
    demo = cli.folder / "demo.sqlite3"
    assert cli.run("demo", "--patients", "3", "--db", str(demo), db=False).code == 0
    assert _mode(demo) == 0o600


def test_an_export_is_written_only_after_its_audit_entry(cli: Cli) -> None:
    csv = cli.folder / "recall.csv"
    before = cli.audit()
    assert cli.as_user("manager", "report", "--kind", "recall", "--lot", "NONE", "-o", str(csv)).code == 0
    assert csv.exists()
    assert [a for _u, a, _e in cli.audit()[len(before) :]] == ["sign_in", "view", "export"]
    assert not [p for p in cli.folder.iterdir() if p.name.endswith(".part")]


def test_demo_builds_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    target = cli.folder / "demo.sqlite3"
    refused = cli.run("demo", "--patients", "0", "--db", str(target), db=False)
    assert refused.code == 2 and "--patients" in refused.err and not target.exists()
    made = cli.run("demo", "--patients", "4", "--db", str(target), db=False)
    assert made.code == 0 and target.exists()
    again = cli.run("demo", "--patients", "4", "--db", str(target), db=False)
    assert again.code == 2 and "use --force" in again.err
    assert not [p for p in cli.folder.iterdir() if "building" in p.name]
