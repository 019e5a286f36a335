"""The subcommands, one module each. To add one: write ``commands/<name>.py`` with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args, app) -> int``, and list it in ``COMMANDS``."""

from __future__ import annotations

from types import ModuleType

from . import (
    audit,
    backup,
    chart_pdf,
    check,
    demo,
    fhir,
    handout,
    import_,
    migrate,
    pg_grant,
    report,
    restore,
    token,
)

COMMANDS: tuple[ModuleType, ...] = (
    demo,
    handout,
    chart_pdf,
    report,
    fhir,
    import_,
    backup,
    restore,
    check,
    audit,
    token,
    migrate,
    pg_grant,
)


def by_name(name: str) -> ModuleType:
    for command in COMMANDS:
        if name == command.NAME:
            return command
    raise KeyError(name)
