"""The ``clinicrec`` command: starts the application, and does the same jobs for automation.

    clinicrec [--db URL] [--demo] [--new]          start the application
    clinicrec COMMAND [options] [--db URL] [--user NAME | --token-file FILE]

One module per command in ``commands/`` (listed in ``commands.COMMANDS``), each with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args, app) -> int``; ``app.CliApp`` opens the database and signs in.
Commands use the services only (and the application's start-up, to start it).
"""

from .app import CliApp, main

__all__ = ["CliApp", "main"]
