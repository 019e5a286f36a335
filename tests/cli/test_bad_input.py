"""No tracebacks: bad command lines and damaged files each end in one line naming the problem.

Every case asserts: a non-zero exit status, no traceback, a one-line message containing the expected
words, the database's bytes unchanged where nothing was meant to change (refusals before anyone signs
in, and every run on a damaged file), and nothing half-made left on disk (no new file or folder).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.conftest import PASSWORD, Cli
from tests.db.test_integrity import damage

NEXT_YEAR = "2099-01-31"
SIGN_IN = ["--user", "admin", "--password-stdin"]


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    message: str  # words the one-line message must contain
    file: str = (
        "good"  # the database: good | damaged | truncated | garbage | empty | other | missing | folder
    )
    unchanged: bool = True  # False: a sign-in (or failed sign-in) entry is a legitimate change
    stdin: str = ""
    env: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.file}: {' '.join(self.argv)} -> {self.message}"[:120]


def _signed(*argv: str, message: str, file: str = "good") -> Case:
    """A command signed in as the administrator (a sign-in entry is written on a good database)."""
    return Case((*argv, *SIGN_IN), message, file, unchanged=file != "good", stdin=PASSWORD + "\n")


BAD_COMMAND_LINES = [
    # ids
    Case(("handout", "123456789012345678901234567890", "-o", "{dir}/h.pdf"), "is not an id"),
    Case(("handout", "-5", "-o", "{dir}/h.pdf"), "is not an id"),
    Case(("handout", "0", "-o", "{dir}/h.pdf"), "is not an id"),
    Case(("handout", "abc", "-o", "{dir}/h.pdf"), "is not an id"),
    Case(("handout", "1.5", "-o", "{dir}/h.pdf"), "is not an id"),
    Case(("handout", "", "-o", "{dir}/h.pdf"), "is not an id"),
    Case(("handout", "9223372036854775808", "-o", "{dir}/h.pdf"), "is not an id"),
    Case(("handout", "1"), "required: -o/--output"),
    Case(("handout",), "required"),
    Case(("chart-pdf", "123456789012345678901234567890", "-o", "{dir}/c.pdf"), "is not an id"),
    Case(("chart-pdf", "-1", "-o", "{dir}/c.pdf"), "is not an id"),
    Case(("chart-pdf", "1e3", "-o", "{dir}/c.pdf"), "is not an id"),
    Case(("handout", "1", "-o", "/no/such/dir/h.pdf"), "folder /no/such/dir does not exist"),
    Case(("chart-pdf", "1", "-o", "{dir}"), "it is a folder"),
    # reports
    Case(("report", "--kind", "nonsense"), "invalid choice: 'nonsense'"),
    Case(("report", "--from", "2026-13-01"), "is not a date"),
    Case(("report", "--to", "yesterday"), "is not a date"),
    Case(("report", "--from", "2026-02-30"), "is not a date"),
    Case(("report", "--from", ""), "is not a date"),
    Case(("report", "--zone", "chin2"), "invalid choice: 'chin2'"),
    Case(("report", "--indication", "wrinkles"), "invalid choice"),
    Case(("report", "--dilution", "7"), "invalid choice: '7'"),
    Case(("report", "--time-point", "baseline"), "invalid choice: 'baseline'"),
    Case(("report", "--by", "colour"), "invalid choice: 'colour'"),
    Case(("report", "--lot"), "expected one argument"),
    Case(("report", "-o", "/no/such/dir/r.csv"), "folder /no/such/dir does not exist"),
    Case(("report", "-o", "{dir}"), "it is a folder"),
    Case(("report", "--frobnicate"), "unrecognized arguments: --frobnicate"),
    # demo
    Case(("demo", "--patients", "0", "--db", "{dir}/demo.sqlite3"), "is not a whole number from 1"),
    Case(("demo", "--patients", "-3", "--db", "{dir}/demo.sqlite3"), "is not a whole number from 1"),
    Case(("demo", "--patients", "many", "--db", "{dir}/demo.sqlite3"), "is not a whole number"),
    Case(("demo", "--patients", "10000000", "--db", "{dir}/demo.sqlite3"), "is not a whole number"),
    Case(("demo", "--seed", "x", "--db", "{dir}/demo.sqlite3"), "is not a whole number"),
    Case(("demo", "--db", "/no/such/dir/demo.sqlite3"), "folder /no/such/dir does not exist"),
    Case(("demo", "--db", "mysql://u@h/db"), "'mysql' database is not supported"),
    Case(("demo", "--db", "{db}"), "exists; use --force"),
    # backups and restores
    Case(("backup", "-o", "/no/such/dir/x"), "folder /no/such/dir does not exist"),
    Case(("backup", "-o", "{dir}"), "it is a folder"),
    Case(("restore", "/no/such/file.sqlite3"), "is not a file; nothing was restored"),
    Case(("restore", "{dir}"), "is not a file; nothing was restored"),
    Case(("restore",), "the following arguments are required: file"),
    # other commands
    Case(("audit", "check"), "invalid choice: 'check'"),
    Case(("audit",), "the following arguments are required: action"),
    Case(("token", "frobnicate"), "invalid choice: 'frobnicate'"),
    Case(("token", "create"), "needs the token's NAME"),
    Case(("token", "create", "x", "--expires", "2027-02-30"), "is not a date"),
    Case(("token", "list", "extra"), "takes no name"),
    Case(("frobnicate",), "invalid choice: 'frobnicate'"),
    Case(("pg-grant",), "required: role"),
    # databases that cannot be used
    Case(("report", "--db", "mysql://u@h/db"), "'mysql' database is not supported"),
    Case(("check", "--db", "oracle://x/y"), "'oracle' database is not supported"),
    Case(("check", "--db", "sqlite://"), "in-memory database keeps nothing"),
    Case(("check", "--db", "sqlite:///:memory:"), "in-memory database keeps nothing"),
    Case(("check", "--db", "sqlite:///{dir}/x.db?mode=memory&uri=true"), "in-memory database keeps nothing"),
    Case(("check", "--db", "sqlite:///{dir}/x.db?foo=bar"), "unknown option 'foo'"),
    Case(("check", "--db", "sqlite:///{dir}/x.db?mode=wx&uri=true"), "unknown SQLite mode 'wx'"),
    Case(("check", "--db", "sqlite://host/x.db"), "names no host for SQLite"),
    Case(("check", "--db", "://nothing"), "is not a database URL"),
    Case(("check", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"), "cannot be reached"),
    Case(("report", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"), "cannot be reached"),
    Case(("check", "--db", "postgresql+nodriver://x@127.0.0.1:1/none"), "cannot be used"),
    Case(
        ("report", "--db", "/no/such/folder/c.sqlite3"), "There is no ClinicRec database at /no/such/folder"
    ),
    Case(("check", "--db", "{dir}/missing.sqlite3"), "There is no ClinicRec database"),
    Case(("check", "--db", "sqlite:///{dir}/missing.sqlite3?mode=ro&uri=true"), "There is no ClinicRec"),
    Case(("--db", "{dir}/typo.sqlite3"), "add --new to create one"),
    Case(("--db", "/no/such/folder/c.sqlite3", "--new"), "folder /no/such/folder does not exist"),
    Case(("--db", "mysql://u@h/db"), "'mysql' database is not supported"),
    Case(("report", "--demo", "--db", ""), "There is no ClinicRec database at"),
    # credentials
    Case(("backup", "--token-file", "/no/such/token"), "cannot be read"),
    Case(("backup", "--token-file", "{dir}"), "is a folder"),
    Case(("backup", "--token-file", "{dir}/empty.token"), "does not hold a token"),
    Case(("backup", "--token-file", "{dir}/binary.token"), "does not hold a token"),
    Case(("backup", "--token-file", "{dir}/two-lines.token"), "does not hold a token (one line)"),
    Case(("backup", "--token-file", "{dir}/open.token"), "chmod 600"),
    Case(("backup",), "Unknown access token", unchanged=False, env=(("CLINICREC_TOKEN", "crt_garbage"),)),
    Case(("report", "--user", "nobody", "--password-stdin"), "Sign-in refused", unchanged=False, stdin="x\n"),
    Case(("report", "--user", "admin", "--password-stdin"), "Sign-in refused", unchanged=False, stdin="no\n"),
    Case(("report", "--user", "admin", "--password-stdin"), "nothing was read from standard input"),
    Case(("report", "--user", "admin"), "no terminal to ask admin's password"),
    Case(("report",), "Sign in first"),
    # refused after signing in
    _signed("report", "--kind", "recall", message="--kind recall needs --lot LOT"),
    _signed("report", "--product", "Nobotox", message="nothing called 'Nobotox'"),
    _signed("report", "--injector", "ghost", message="nothing called 'ghost'"),
    _signed("report", "--product", "99999999999999999999999", message="nothing called"),
    _signed("report", "--from", "2026-06-01", "--to", "2026-01-01", message="is after --to"),
    _signed("report", "-o", "/proc/r.csv", message="Cannot write /proc/r.csv"),
    _signed("handout", "999999", "-o", "{dir}/h.pdf", message="999999"),
    _signed("handout", "9223372036854775807", "-o", "{dir}/h.pdf", message="9223372036854775807"),
    _signed("chart-pdf", "999999", "-o", "{dir}/c.pdf", message="999999"),
    _signed("token", "revoke", "ghost", message="No token called 'ghost'"),
    _signed("token", "create", "x", "--role", "manager", "--expires", "2020-01-01", message="must be after"),
    _signed(
        "token", "create", "Bad Name", "--role", "manager", "--expires", NEXT_YEAR, message="name: 1 to 30"
    ),
    _signed("pg-grant", "clinic_app", message="apply to PostgreSQL only"),
    _signed("restore", "{dir}/garbage.bin", message="not a ClinicRec database"),
    _signed("restore", "{dir}/empty.bin", message="not a ClinicRec database"),
    _signed("restore", "{dir}/other.db", message="not a ClinicRec database"),
    _signed("restore", "{dir}/truncated.bin", message="nothing was restored"),
    Case(
        ("backup", "--list", "--user", "maria", "--password-stdin"),
        "may not back up",
        unchanged=False,
        stdin=PASSWORD,
    ),
    Case(
        ("migrate", "--user", "maria", "--password-stdin"),
        "may not manage clinic",
        unchanged=False,
        stdin=PASSWORD,
    ),
    Case(
        ("restore", "{db}", "--user", "manager", "--password-stdin"),
        "may not restore",
        unchanged=False,
        stdin=PASSWORD,
    ),
]

#: Every door on every kind of bad file: refused, and the file not touched.
DOORS = [
    (("report",), True),
    (("handout", "1", "-o", "{dir}/h.pdf"), True),
    (("chart-pdf", "1", "-o", "{dir}/c.pdf"), True),
    (("backup",), True),
    (("audit", "verify"), True),
    (("token", "list"), True),
    (("migrate",), True),
    (("check",), False),
]
BAD_FILES = {
    "damaged": "is damaged",
    "truncated": "is damaged",
    "garbage": "is damaged",
    "empty": "is an empty file",
    "other": "SQLite database of another program",
    "folder": "is a folder",
}
DAMAGED_FILES = [
    Case((*argv, *(SIGN_IN if sign_in else ())), message, kind, stdin=PASSWORD + "\n")
    for kind, message in BAD_FILES.items()
    for argv, sign_in in DOORS
] + [
    _signed("demo", "--force", "--db", "{db}", message="is damaged", file="damaged"),
    _signed("restore", "{db}", message="That is the database in use", file="damaged"),
    Case(("check", "--full"), "is damaged", "truncated"),
]
CASES = BAD_COMMAND_LINES + DAMAGED_FILES


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 100 and len({c.id for c in CASES}) == len(CASES)


def _prepare(cli: Cli, kind: str) -> None:
    folder = cli.folder
    (folder / "empty.token").touch(mode=0o600)
    (folder / "binary.token").write_bytes(b"\xff\xfe\x00garbage")
    (folder / "two-lines.token").write_text("crt_a\ncrt_b\n")
    (folder / "open.token").write_text("crt_x\n")
    for name in ("empty.token", "binary.token", "two-lines.token"):
        os.chmod(folder / name, 0o600)
    os.chmod(folder / "open.token", 0o644)
    (folder / "garbage.bin").write_bytes(os.urandom(8192))
    (folder / "empty.bin").touch()
    data = cli.db.read_bytes()
    (folder / "truncated.bin").write_bytes(data[: len(data) // 3])
    other = sqlite3.connect(folder / "other.db")
    other.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY)")
    other.commit()
    other.close()
    if kind == "damaged":
        damage(cli.db, "treatment_sessions")
    elif kind == "truncated":
        conn = sqlite3.connect(cli.db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        data = cli.db.read_bytes()
        cli.db.write_bytes(data[: len(data) // 2])
    elif kind == "garbage":
        cli.db.write_bytes(os.urandom(64 * 1024))
    elif kind == "empty":
        cli.db.write_bytes(b"")
    elif kind == "other":
        cli.db.unlink()
        shutil.copy(folder / "other.db", cli.db)
    elif kind == "folder":
        cli.db.unlink()
        cli.db.mkdir()
    for side in ("-wal", "-shm"):
        if kind != "good":
            Path(str(cli.db) + side).unlink(missing_ok=True)


def _state(cli: Cli) -> tuple[str, frozenset[str]]:
    """The database file's bytes, and every name under the test's folders (and /no)."""
    db = cli.db
    digest = hashlib.sha256(db.read_bytes()).hexdigest() if db.is_file() else "folder"
    # SQLite's own side files of a database it was asked to read are not something a command made
    names = {str(p) for p in cli.folder.parent.rglob("*") if not p.name.endswith(("-wal", "-shm"))}
    return digest, frozenset(names)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_ends_in_one_clear_line(cli: Cli, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    _prepare(cli, case.file)
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    before = _state(cli)
    argv = [a.format(db=cli.db, dir=cli.folder) for a in case.argv]
    result = cli.run(*argv, stdin=case.stdin)
    assert result.code != 0, result
    assert "Traceback" not in result.text and "unexpected error" not in result.text
    if case.argv[0] == "check" and result.code == 1:  # the check's own finding: its report, then problems
        assert case.message in result.out.splitlines()[0], result
    else:
        assert result.code == 2 and result.out == "", result
        assert len(result.err.splitlines()) == 1, result
        assert case.message in result.err, result
    after = _state(cli)
    if case.unchanged:
        assert after[0] == before[0], "the database changed"
    assert after[1] == before[1], f"left on disk: {sorted(after[1] - before[1])}"
    assert not Path("/no").exists()


# -- a real process: what a user or a scheduler sees -------------------------------------------------------
def _clinicrec(*argv: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CLINICREC_TOKEN", "CLINICREC_DATABASE_URL")}
    env["XDG_DATA_HOME"] = str(cwd / "xdg")
    return subprocess.run(
        [sys.executable, "-m", "clinicrec", *argv],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        env=env,
    )


def test_a_real_process_prints_one_line_and_no_traceback(cli: Cli) -> None:
    huge = _clinicrec("--db", str(cli.db), "handout", "9" * 30, "-o", "h.pdf", cwd=cli.folder)
    assert huge.returncode == 2 and "Traceback" not in huge.stderr and len(huge.stderr.splitlines()) == 1
    damage(cli.db)
    for side in ("-wal", "-shm"):
        Path(str(cli.db) + side).unlink(missing_ok=True)
    before = cli.db.read_bytes()
    report = _clinicrec("report", "--db", str(cli.db), *SIGN_IN, cwd=cli.folder, stdin=PASSWORD + "\n")
    assert report.returncode == 2 and "is damaged" in report.stderr and "Traceback" not in report.stderr
    assert cli.db.read_bytes() == before
