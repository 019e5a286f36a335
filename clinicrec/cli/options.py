"""Argument types shared by the commands: each refuses bad input with a message naming what is allowed."""

from __future__ import annotations

import argparse
from datetime import date

MAX_ID = 2**63 - 1  # the largest id a database row can have


def record_id(text: str) -> int:
    """A record id: a whole number from 1 up."""
    value = text.strip()
    if not value.isdigit() or int(value) < 1 or int(value) > MAX_ID:
        raise argparse.ArgumentTypeError(f"{text!r} is not an id (a whole number from 1 to {MAX_ID})")
    return int(value)


def count(low: int, high: int):  # type: ignore[no-untyped-def]
    """A whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = text.strip()
        if not value.lstrip("-").isdigit() or not low <= int(value) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high}")
        return int(value)

    return parse


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
