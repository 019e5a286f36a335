"""One command-line module tree with one pattern per subcommand, using the services only."""

from __future__ import annotations

import argparse
import ast
import pkgutil
from pathlib import Path

import pytest

import clinicrec.cli.commands as commands_pkg
from clinicrec.cli import main
from clinicrec.cli.app import build_parser
from clinicrec.cli.commands import COMMANDS
from tests.cli.conftest import PASSWORD, Cli

ROOT = Path(commands_pkg.__file__).resolve().parents[3]  # the checkout


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, with relative imports made absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def test_every_command_module_follows_the_pattern_and_is_listed() -> None:
    modules = {m.name for m in pkgutil.iter_modules(commands_pkg.__path__)}
    assert modules == {c.__name__.rsplit(".", 1)[1] for c in COMMANDS}
    for command in COMMANDS:
        assert isinstance(command.NAME, str) and isinstance(command.HELP, str) and command.HELP
        parser = argparse.ArgumentParser()
        command.add_arguments(parser)
        assert callable(command.run)
    assert len({c.NAME for c in COMMANDS}) == len(COMMANDS)


def test_the_command_line_uses_only_the_services_and_the_ui_to_start() -> None:
    paths = sorted((ROOT / "clinicrec" / "cli").rglob("*.py"))
    assert len(paths) > len(COMMANDS)
    for path in paths:
        imported = _imports(path)
        assert not {m for m in imported if m.startswith(("clinicrec.db", "sqlalchemy"))}, path
        ui = {m for m in imported if m.startswith("clinicrec.ui")}
        assert not ui or ui == {"clinicrec.ui.startup", "clinicrec.ui.startup.run"}, (path, ui)


def test_the_old_modules_and_their_cycle_are_gone() -> None:
    for old in ("cli.py", "maintenance_cli.py", "report_cli.py"):
        assert not (ROOT / "clinicrec" / old).exists()
    for path in (ROOT / "clinicrec" / "cli").rglob("*.py"):
        assert "demo_path" not in path.read_text() or path.name in ("app.py", "demo.py"), path
    # commands import the app (its exit codes); the app loads the commands only when it parses, not on import
    app = ast.parse((ROOT / "clinicrec" / "cli" / "app.py").read_text())
    top = [n for n in app.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert top and not [n for n in top if "commands" in ast.dump(n)]


def test_the_start_up_opens_the_database_through_the_services() -> None:
    imported = _imports(ROOT / "clinicrec" / "ui" / "startup.py")
    assert not {m for m in imported if m.startswith("clinicrec.db")}
    assert "clinicrec.services.opening" in imported


@pytest.mark.parametrize("where", ["before", "after"])
def test_common_options_go_before_or_after_the_command(cli: Cli, where: str) -> None:
    options = ["--db", str(cli.db), "--user", "admin", "--password-stdin"]
    argv = [*options, "audit", "verify"] if where == "before" else ["audit", "verify", *options]
    cli.monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert main(argv) == 0
    assert "Audit trail intact" in cli.capsys.readouterr().out


def test_an_option_after_the_command_wins_over_one_before() -> None:
    args = build_parser().parse_args(["--db", "first.sqlite3", "check", "--db", "second.sqlite3"])
    assert args.db == "second.sqlite3"
    args = build_parser().parse_args(["--db", "first.sqlite3", "check"])
    assert args.db == "first.sqlite3"


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in COMMANDS:
        with pytest.raises(SystemExit) as done:
            build_parser().parse_args([command.NAME, "--help"])
        assert done.value.code == 0
        assert "--db" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--db", "x.sqlite3"],
        ["--demo"],
        ["--new", "--db", "report"],  # a database named like a command is still a database
        ["--db=x.sqlite3", "--user", "maria"],
        ["--de"],  # an abbreviation of --demo
    ],
)
def test_a_plain_start_is_read_as_the_whole_parser_reads_it(argv: list[str]) -> None:
    from clinicrec.cli.app import _start_args

    quick = _start_args(argv)
    assert quick is not None and vars(quick) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [["check"], ["--db", "x", "audit", "verify"], ["--help"], ["-h"], ["--bogus"], ["--db"], ["--d"], ["x"]],
)
def test_anything_but_a_plain_start_goes_to_the_whole_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from clinicrec.cli.app import _start_args

    assert _start_args(argv) is None
    assert capsys.readouterr() == ("", "")  # nothing said: the whole parser says what is wrong, once


def test_a_plain_start_does_not_load_the_commands() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from clinicrec.cli.app import _start_args; "
        "assert _start_args(['--db', 'x']) is not None; "
        "print(sorted(m for m in sys.modules if m.startswith('clinicrec.cli.commands')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
