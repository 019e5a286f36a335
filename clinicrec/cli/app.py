"""``CliApp``: what every subcommand is handed, and ``main``, which parses, runs and reports.

A subcommand (``clinicrec/cli/commands/<name>.py``) asks the app for what it needs:

- ``app.services()``: the database opened through the one careful open path (``services.app``);
- ``app.signed_in(action)``: the same, acting as the person or access token the command line proved,
  refused unless they may take ``action``.

Nothing runs without credentials: ``--user NAME`` with the password asked on the terminal (or read from
standard input with ``--password-stdin``), or an access token (``$CLINICREC_TOKEN`` or ``--token-file``).
Every failure ends as one line on standard error and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..domain.errors import AuthenticationError, ClinicRecError
from ..paths import data_dir

if TYPE_CHECKING:
    from ..services.app import Services
    from ..services.permissions import Action
    from ..services.tokens import Credentials

ENV_TOKEN = "CLINICREC_TOKEN"
EXIT_REFUSED = 2  # bad input, refused, nothing done
EXIT_FAILED = 1  # ran, and found a problem (a damaged database, a broken audit trail)


def demo_path() -> Path:
    return data_dir() / "demo.sqlite3"


class CliApp:
    """The parsed command line, the database it names and who is acting."""

    def __init__(
        self,
        args: argparse.Namespace,
        *,
        stdin: TextIO | None = None,
        environ: Mapping[str, str] | None = None,
        services: Services | None = None,
    ) -> None:
        self.args = args
        self.stdin = stdin if stdin is not None else sys.stdin
        self.environ = environ if environ is not None else os.environ
        self._services = services
        self._given = services is not None  # tests hand in services already acting as someone
        self._unlocked = False  # an encrypted database: opening it signed the user in
        self._passwords: dict[str, str] = {}

    # -- the database ------------------------------------------------------------------------------
    @property
    def db_option(self) -> str | None:
        db = getattr(self.args, "db", None)
        if getattr(self.args, "demo", False) and not db:
            return f"sqlite:///{demo_path()}"
        return db  # type: ignore[no-any-return]

    @property
    def url(self) -> str:
        from ..services.opening import resolve_url

        return resolve_url(self.db_option)

    def services(self, *, migrate: bool = True, create: bool = False) -> Services:
        """The database, opened once, through the one careful open path."""
        if self._services is None:
            from ..services.app import open_services
            from ..services.opening import encrypted_file
            from ..services.pg_sign_in import signs_in_per_user

            encrypted = encrypted_file(self.url)
            if signs_in_per_user(self.url):
                self._services = self._connect_as_user()
            elif encrypted is not None:
                self._services = self._unlock(encrypted)
            else:
                self._services = open_services(self.url, migrate=migrate, create=create)
        return self._services

    def _unlock(self, path: Path) -> Services:
        """An encrypted database opens with a user's password, which signs them in at the same time, or
        with an access token's own copy of the key (services/unlock.py)."""
        from ..services.unlock import sign_in_encrypted, sign_in_encrypted_token

        credentials = self.credentials()
        if credentials.token:
            services = sign_in_encrypted_token(path, credentials.token)
        elif credentials.username and credentials.password is not None:
            services = sign_in_encrypted(path, credentials.username, credentials.password)
        else:
            raise AuthenticationError(
                f"{path} is encrypted: sign in with --user NAME (the password opens it) or an access token"
            )
        self._unlocked = True
        return services

    def _connect_as_user(self) -> Services:
        """PostgreSQL without a user in the URL: connect as the signing-in user's own login role."""
        from ..services.pg_sign_in import sign_in_pg_role

        credentials = self.credentials(allow_token=False)
        if not credentials.username or credentials.password is None:
            raise AuthenticationError(
                "this database is reached with each person's own PostgreSQL role: sign in with --user NAME"
            )
        services = sign_in_pg_role(self.url, credentials.username, credentials.password)
        self._unlocked = True
        return services

    def signed_in(self, action: Action | None = None, *, migrate: bool = True) -> Services:
        """The services acting as whoever the command line proved; refused unless they may ``action``."""
        services = self.services(migrate=migrate)
        if not ((self._given or self._unlocked) and services.actor is not None):
            from ..services.tokens import sign_in_for_command

            sign_in_for_command(services, self.credentials())
        actor = services.actor
        assert actor is not None
        if action is not None:
            actor.require(action)
        return services

    def signed_in_if_accounts(self, action: Action, *, migrate: bool = True) -> Services:
        """Signed in as for ``signed_in``; on a new database without accounts (a PostgreSQL server's
        first set-up, before anyone exists to sign in) the services act as nobody."""
        services = self.services(migrate=migrate)
        if not services.has_accounts():
            return services
        return self.signed_in(action, migrate=migrate)

    def close(self) -> None:
        if self._services is not None and not self._given:
            self._services.db.dispose()
            self._services = None

    # -- who is acting ----------------------------------------------------------------------------
    def credentials(self, *, allow_token: bool = True) -> Credentials:
        from ..services.tokens import Credentials

        user = getattr(self.args, "user", None)
        token_file = getattr(self.args, "token_file", None)
        if user:
            return Credentials(username=user, password=self.password(user))
        if allow_token and token_file:
            return Credentials(token=read_token_file(Path(token_file)))
        if allow_token and self.environ.get(ENV_TOKEN, "").strip():
            return Credentials(token=self.environ[ENV_TOKEN].strip())
        return Credentials()

    def password(self, user: str) -> str:
        """Asked once per command line (a restore over a damaged database asks for it twice)."""
        if user not in self._passwords:
            self._passwords[user] = self._read_password(user)
        return self._passwords[user]

    def _read_password(self, user: str) -> str:
        if getattr(self.args, "password_stdin", False):
            line = self.stdin.readline()
            if not line:
                raise AuthenticationError("--password-stdin: nothing was read from standard input")
            return line.rstrip("\r\n")
        if self.stdin.isatty():
            try:
                import getpass  # (a command's prompt: not loaded before the application's sign-in dialog)

                return getpass.getpass(f"ClinicRec password for {user}: ")
            except EOFError:
                raise AuthenticationError("no password was typed") from None
        raise AuthenticationError(
            f"no terminal to ask {user}'s password on: use --password-stdin, or an access token"
        )


def read_token_file(path: Path) -> str:
    """The secret in ``path``; refused when others may read the file (as ssh does with keys)."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise AuthenticationError(f"--token-file {path} is a folder, not a file")
        if info.st_mode & 0o077:
            raise AuthenticationError(
                f"--token-file {path} may be read by other accounts: chmod 600 {path} first"
            )
        text = path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise AuthenticationError(f"--token-file {path} cannot be read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise AuthenticationError(f"--token-file {path} does not hold a token") from e
    if not text or len(text.splitlines()) != 1:
        raise AuthenticationError(f"--token-file {path} does not hold a token (one line)")
    return text


# -- parsing --------------------------------------------------------------------------------------------
def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command takes, before or after the command's name."""
    default = None if top else argparse.SUPPRESS
    flag_default = False if top else argparse.SUPPRESS
    group = parser.add_argument_group("database and sign-in")
    group.add_argument(
        "--db",
        default=default,
        help="database: a SQLAlchemy URL or a SQLite file path "
        "(default: $CLINICREC_DATABASE_URL, else the file in your data folder)",
    )
    group.add_argument(
        "--demo", action="store_true", default=flag_default, help="use the demo database (built on first use)"
    )
    group.add_argument("--user", default=default, help="sign in as this user (the password is asked for)")
    group.add_argument(
        "--password-stdin",
        action="store_true",
        default=flag_default,
        help="read the password from the first line of standard input (for scripts)",
    )
    group.add_argument(
        "--token-file",
        default=default,
        metavar="FILE",
        help=f"sign in with the access token in FILE (mode 600); or set ${ENV_TOKEN}",
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line naming the problem (argparse prints the whole usage first)."""
        self.exit(EXIT_REFUSED, f"{self.prog}: {message} (see {self.prog.split()[0]} --help)\n")


class _NotAStart(Exception):
    """The command line is not a plain start of the application (``_start_args``)."""


class _StartParser(_Parser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _NotAStart(message)


def _top_parser(parser_class: type[_Parser] = _Parser) -> _Parser:
    parser = parser_class(prog="clinicrec", description="Charting for aesthetic nurse injectors.")
    _common_options(parser, top=True)
    parser.add_argument(
        "--new", action="store_true", help="create the database if there is none (first start of a clinic)"
    )
    return parser


def _start_args(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The options of a command line that only starts the application (``clinicrec [--db URL] ...``), read
    without the commands' parsers; None for anything else (a command, help, an error), which the whole
    parser then reads. Importing and building the thirteen commands' parsers took ~15 ms of every start,
    before the sign-in dialog could be shown."""
    words = sys.argv[1:] if argv is None else list(argv)
    if any(word in ("-h", "--help") for word in words):
        return None
    try:
        args, rest = _top_parser(_StartParser).parse_known_args(words)
    except _NotAStart:
        return None
    if rest:
        return None
    args.command = None
    return args


def build_parser() -> argparse.ArgumentParser:
    from .commands import COMMANDS

    parser = _top_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        command.add_arguments(p)
        _common_options(p, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``clinicrec`` command line; returns the exit status."""
    args = _start_args(argv)
    if args is None:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as e:
            return int(e.code) if isinstance(e.code, int) else EXIT_REFUSED
    app = CliApp(args)
    name = args.command or "start"
    try:
        if args.command is None:
            return _start(app)
        from .commands import by_name

        return by_name(args.command).run(args, app)
    except ClinicRecError as e:
        return fail(name, str(e))
    except KeyboardInterrupt:
        return fail(name, "interrupted", code=130)
    except OSError as e:
        where = f" ({e.filename})" if getattr(e, "filename", None) else ""
        return fail(name, f"{e.strerror or e}{where}")
    except Exception as e:  # noqa: BLE001 - the last guard: one line, never a traceback
        return fail(name, f"unexpected error ({type(e).__name__}): {_one_line(e)}", code=70)
    finally:
        app.close()


def fail(command: str, message: str, *, code: int = EXIT_REFUSED) -> int:
    label = "clinicrec" if command == "start" else f"clinicrec {command}"
    print(f"{label}: {_one_line(message)}", file=sys.stderr)
    return code


def _one_line(text: object) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return " ".join(lines) if lines else "failed"


def _start(app: CliApp) -> int:
    """No command: start the application (``--demo``: on the demo database, built on first use).

    A database is created only by the first-start setup: in the user's data folder, or where ``--db``
    points when ``--new`` says so.
    """
    from ..paths import default_database_path
    from ..services.opening import inspect, locate, sqlite_file_of

    credentials = None
    if app.args.demo and not app.args.db:
        from ..demo import DEMO_PASSWORD

        if not demo_path().exists():
            from .commands.demo import DEMO_PATIENTS, build_in_place

            print(f"Building the demo database at {demo_path()} ...", file=sys.stderr)
            demo_path().parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            build_in_place(demo_path(), patients=DEMO_PATIENTS, seed=7)
        credentials = ("maria", DEMO_PASSWORD)
    url = app.url
    locate(url)  # a URL ClinicRec cannot use is refused here, in one line, before any window opens
    file = sqlite_file_of(url)
    if file is not None and not file.exists():
        if file != default_database_path() and not app.args.new:
            return fail("start", f"There is no ClinicRec database at {file}: add --new to create one there")
        inspect(url, create=True)  # the folder must exist (the user's data folder is made)
    from ..ui.startup import run

    return run(url, demo_credentials=credentials)
