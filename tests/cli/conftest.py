"""Command-line tests: a small demo database (real SQLite file) per test, and ``clinicrec`` run in-process.

``Cli.run`` runs one command line through ``clinicrec.cli.main`` with a given standard input and
returns the exit status and what was printed; nothing is mocked below the command line.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clinicrec.cli import main
from clinicrec.demo import DEMO_PASSWORD

PASSWORD = DEMO_PASSWORD  # every demo account's password


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Cli:
    db: Path
    folder: Path
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch

    def run(self, *argv: str, stdin: str = "", db: bool = True) -> Result:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        code = main([*argv, *(["--db", str(self.db)] if db and "--db" not in argv else [])])
        out, err = self.capsys.readouterr()
        return Result(code, out, err)

    def as_user(self, user: str, *argv: str, password: str = PASSWORD) -> Result:
        """A command signed in as ``user`` with the password on standard input."""
        return self.run(*argv, "--user", user, "--password-stdin", stdin=password + "\n")

    def sql(self, query: str, *params: object) -> list[tuple]:  # type: ignore[type-arg]
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.close()

    def audit(self) -> list[tuple[str, str, str]]:
        """(user name, action, entity) of every audit entry, oldest first."""
        return [tuple(r) for r in self.sql("SELECT username, action, entity FROM audit_log ORDER BY id")]

    def session_id(self) -> int:
        return int(self.sql("SELECT min(id) FROM treatment_sessions")[0][0])


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from clinicrec.demo import build_demo

    path = tmp_path_factory.mktemp("cli-demo") / "demo.sqlite3"
    build_demo(f"sqlite:///{path}", patients=12, seed=3)
    return path


@pytest.fixture
def cli(
    demo_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cli]:
    folder = tmp_path / "clinic"
    folder.mkdir()
    db = folder / "records.sqlite3"
    shutil.copy(demo_template, db)
    monkeypatch.delenv("CLINICREC_TOKEN", raising=False)
    monkeypatch.delenv("CLINICREC_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the default data folder: never the real one
    old = os.umask(0o022)
    try:
        yield Cli(db, folder, capsys, monkeypatch)
    finally:
        os.umask(old)
