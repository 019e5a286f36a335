"""Every command that reads patient data or changes anything signs in: a password or an access token."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from clinicrec.services.auth import SIGN_IN_REFUSED
from tests.cli.conftest import PASSWORD, Cli

TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
NEXT_YEAR = (datetime.now(UTC).date() + timedelta(days=365)).isoformat()


def _doors(cli: Cli) -> list[list[str]]:
    out = cli.folder
    return [
        ["report"],
        ["report", "--kind", "recall", "--lot", "X1", "-o", str(out / "r.csv")],
        ["handout", str(cli.session_id()), "-o", str(out / "h.pdf")],
        ["chart-pdf", str(cli.session_id()), "-o", str(out / "c.pdf")],
        ["backup"],
        ["backup", "--list"],
        ["restore", str(cli.db)],
        ["audit", "verify"],
        ["check", "--full"],
        ["token", "list"],
        ["token", "create", "x", "--role", "manager", "--expires", NEXT_YEAR],
        ["migrate"],
        ["pg-grant", "clinic_app"],
        ["demo", "--force", "--patients", "5"],
    ]


def test_without_credentials_nothing_runs(cli: Cli) -> None:
    before = cli.audit()
    for argv in _doors(cli):
        result = cli.run(*argv)
        assert result.code == 2, argv
        assert "Sign in first" in result.err or "sign in" in result.err, (argv, result.err)
        assert "Traceback" not in result.text
    assert cli.audit() == before  # not even a failed sign-in: nobody tried
    assert not [p for p in cli.folder.iterdir() if not p.name.startswith("records.sqlite3")]


def test_the_quick_check_alone_needs_no_sign_in(cli: Cli) -> None:
    result = cli.run("check")
    assert result.code == 0 and "passed its integrity check" in result.out


def test_a_password_on_standard_input_signs_in_and_is_audited_under_the_user(cli: Cli) -> None:
    result = cli.as_user("manager", "report", "-o", str(cli.folder / "summary.csv"))
    assert result.code == 0, result.err
    assert cli.audit()[-2:] == [("manager", "sign_in", "user"), ("manager", "export", "report")]


def test_the_password_is_asked_on_a_terminal(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or PASSWORD)
    monkeypatch.setattr("sys.stdin", Terminal(""))
    from clinicrec.cli import main

    assert main(["--db", str(cli.db), "--user", "admin", "audit", "verify"]) == 0
    assert asked == ["ClinicRec password for admin: "]


def test_no_terminal_and_no_password_stdin_is_refused(cli: Cli) -> None:
    result = cli.run("report", "--user", "admin")
    assert result.code == 2 and "no terminal to ask admin's password" in result.err


def test_a_wrong_password_is_refused_and_recorded(cli: Cli) -> None:
    result = cli.as_user("admin", "report", password="not the password")
    # One answer for every refusal: it never tells which accounts exist (issue 13).
    assert result.code == 2 and result.err.strip() == f"clinicrec report: {SIGN_IN_REFUSED}"
    assert cli.audit()[-1] == ("admin", "sign_in_failed", "user")


def test_locked_and_deactivated_accounts_are_refused(cli: Cli) -> None:
    for _ in range(5):
        cli.as_user("maria", "handout", str(cli.session_id()), "-o", str(cli.folder / "h.pdf"), password="no")
    locked = cli.as_user("maria", "handout", str(cli.session_id()), "-o", str(cli.folder / "h.pdf"))
    assert locked.code == 2 and SIGN_IN_REFUSED in locked.err and len(locked.err.strip().splitlines()) == 1
    assert not (cli.folder / "h.pdf").exists()
    conn = sqlite3.connect(cli.db)
    conn.execute("UPDATE users SET active = 0 WHERE username = 'sam'")
    conn.commit()
    conn.close()
    gone = cli.as_user("sam", "report")
    assert gone.code == 2 and SIGN_IN_REFUSED in gone.err


def test_restore_needs_an_administrator_and_backup_the_backup_right(cli: Cli) -> None:
    copy = cli.folder / "copy.sqlite3"
    assert (
        cli.as_user("maria", "backup", "-o", str(copy)).err.strip().endswith("may not back up the database")
    )
    assert not copy.exists()
    assert cli.as_user("manager", "backup", "-o", str(copy)).code == 0 and copy.exists()
    refused = cli.as_user("manager", "restore", str(copy))
    assert refused.code == 2 and "may not restore the database" in refused.err
    assert cli.as_user("admin", "restore", str(copy)).code == 0


# -- access tokens ----------------------------------------------------------------------------------------
def _token(cli: Cli, name: str = "nightly", role: str = "manager", expires: str = NEXT_YEAR) -> str:
    made = cli.as_user("admin", "token", "create", name, "--role", role, "--expires", expires)
    assert made.code == 0, made.err
    assert "only time it is shown" in made.err
    return made.out.strip()


def _token_file(cli: Cli, secret: str, mode: int = 0o600) -> Path:
    path = cli.folder.parent / "token.txt"
    path.write_text(secret + "\n")
    os.chmod(path, mode)
    return path


def test_a_token_is_shown_once_and_stored_hashed(cli: Cli) -> None:
    secret = _token(cli)
    assert secret.startswith("crt_") and len(secret) >= 40
    [(stored,)] = cli.sql("SELECT secret_sha256 FROM access_tokens WHERE name = 'nightly'")
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    wal = Path(str(cli.db) + "-wal")
    assert secret.encode() not in cli.db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    listed = cli.as_user("admin", "token", "list")
    assert "nightly\tmanager\tactive" in listed.out and secret not in listed.out


def test_a_token_runs_unattended_jobs_audited_under_its_own_name(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = _token(cli, "nightly-backup")
    monkeypatch.setenv("CLINICREC_TOKEN", secret)
    result = cli.run("backup")
    assert result.code == 0, result.err
    assert cli.audit()[-2:] == [
        ("token:nightly-backup", "sign_in", "access_token"),
        ("token:nightly-backup", "backup", "database"),
    ]
    monkeypatch.delenv("CLINICREC_TOKEN")
    path = _token_file(cli, secret)
    assert cli.run("report", "--token-file", str(path), "-o", str(cli.folder / "r.csv")).code == 0
    assert cli.audit()[-1] == ("token:nightly-backup", "export", "report")


def test_a_token_file_others_can_read_is_refused(cli: Cli) -> None:
    path = _token_file(cli, _token(cli), mode=0o644)
    result = cli.run("backup", "--token-file", str(path))
    assert result.code == 2 and "chmod 600" in result.err


def test_revoked_and_expired_tokens_are_refused(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = _token(cli, "weekly")
    assert cli.as_user("admin", "token", "revoke", "weekly").out.strip() == "Token 'weekly' is revoked."
    monkeypatch.setenv("CLINICREC_TOKEN", secret)
    result = cli.run("backup")
    assert (
        result.code == 2 and result.err.strip() == "clinicrec backup: The access token 'weekly' was revoked"
    )
    assert cli.audit()[-1] == ("token:weekly", "sign_in_failed", "access_token")

    short = _token(cli, "short", expires=TOMORROW)
    monkeypatch.setenv("CLINICREC_TOKEN", short)
    assert cli.run("backup", "--list").code == 0
    conn = sqlite3.connect(cli.db)  # as if two days had passed
    past = (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None).isoformat(sep=" ")
    conn.execute("UPDATE access_tokens SET expires_at = ? WHERE name = 'short'", (past,))
    conn.commit()
    conn.close()
    expired = cli.run("backup", "--list")
    assert expired.code == 2 and "The access token 'short' expired on" in expired.err
    monkeypatch.setenv("CLINICREC_TOKEN", "crt_made-up")
    assert cli.run("backup", "--list").err.strip() == "clinicrec backup: Unknown access token"


def test_a_token_has_the_lesser_of_its_role_and_its_creators_rights(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = _token(cli, "admin-job", role="admin")
    monkeypatch.setenv("CLINICREC_TOKEN", secret)
    assert cli.run("audit", "verify").code == 0
    conn = sqlite3.connect(cli.db)
    conn.execute("UPDATE users SET role = 'injector' WHERE username = 'admin'")  # the creator demoted
    conn.commit()
    demoted = cli.run("backup", "--list")
    assert demoted.code == 2 and "may not back up the database" in demoted.err
    conn.execute("UPDATE users SET role = 'admin', active = 0 WHERE username = 'admin'")  # then deactivated
    conn.commit()
    conn.close()
    gone = cli.run("audit", "verify")
    assert gone.code == 2 and "no longer active" in gone.err


def test_a_lesser_role_token_cannot_do_more_than_its_role(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINICREC_TOKEN", _token(cli, "prints", role="injector"))
    refused = cli.run("report")
    assert refused.code == 2 and "may not export reports" in refused.err
    ok = cli.run("handout", str(cli.session_id()), "-o", str(cli.folder / "h.pdf"))
    assert ok.code == 0, ok.err


def test_only_an_administrator_with_a_password_manages_tokens(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = cli.as_user("manager", "token", "create", "mine", "--role", "manager", "--expires", NEXT_YEAR)
    assert manager.code == 2 and "may not manage users" in manager.err
    monkeypatch.setenv("CLINICREC_TOKEN", _token(cli, "root", role="admin"))
    by_token = cli.run("token", "create", "child", "--role", "injector", "--expires", NEXT_YEAR)
    assert by_token.code == 2 and "signed in with a password" in by_token.err
    assert cli.sql("SELECT name FROM access_tokens") == [("root",)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["token", "create", "Bad Name", "--role", "manager", "--expires", NEXT_YEAR], "name: 1 to 30"),
        (
            ["token", "create", "old", "--role", "manager", "--expires", "2020-01-01"],
            "expires: must be after",
        ),
        (["token", "create", "x", "--role", "manager"], "needs --role and --expires"),
        (["token", "create", "x", "--role", "boss", "--expires", NEXT_YEAR], "invalid choice: 'boss'"),
        (["token", "revoke", "nobody"], "No token called 'nobody'"),
        (["token", "revoke"], "needs the token's NAME"),
    ],
)
def test_token_commands_refuse_bad_input(cli: Cli, argv: list[str], message: str) -> None:
    result = cli.as_user("admin", *argv)
    assert result.code == 2 and message in result.err and "Traceback" not in result.text


def test_a_duplicate_token_name_is_refused(cli: Cli) -> None:
    _token(cli, "dup")
    again = cli.as_user("admin", "token", "create", "dup", "--role", "manager", "--expires", NEXT_YEAR)
    assert again.code == 2 and "already exists" in again.err


def test_today_is_not_a_valid_expiry() -> None:
    from clinicrec.services.tokens import _expiry

    assert _expiry(date(2027, 1, 31)) == datetime(2027, 2, 1, tzinfo=UTC)
