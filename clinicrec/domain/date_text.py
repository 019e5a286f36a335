"""Dates as people type them, in the clinic's chosen order, and what is wrong with one that is not a date.

The clinic chooses how dates are written: ISO (1985-04-03), day first (03/04/1985) or month first
(04/03/1985). A year-month-day date is always understood. A date with slashes or dots is read in the
clinic's order; with the ISO setting, one that could be read both ways ("03/04/1985") is refused with
both readings named, never guessed. A date that does not exist says why ("February 2031 has 28 days").
"""

from __future__ import annotations

import calendar
import enum
import re
from datetime import date

_YMD = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
MONTHS = tuple(calendar.month_name)[1:]


class DateOrder(enum.Enum):
    """How the clinic writes dates: the order typed dates are read in and shown."""

    ISO = "iso"
    DAY_FIRST = "dmy"
    MONTH_FIRST = "mdy"

    @property
    def label(self) -> str:
        return {
            DateOrder.ISO: "Year-month-day (1985-04-03)",
            DateOrder.DAY_FIRST: "Day first (03/04/1985)",
            DateOrder.MONTH_FIRST: "Month first (04/03/1985)",
        }[self]

    @property
    def example(self) -> str:
        return format_date(date(1985, 4, 3), self)


def format_date(day: date, order: DateOrder) -> str:
    if order is DateOrder.DAY_FIRST:
        return f"{day:%d/%m/%Y}"
    if order is DateOrder.MONTH_FIRST:
        return f"{day:%m/%d/%Y}"
    return day.isoformat()


def _checked(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"“{text}”: there is no month {month} (months go from 1 to 12)")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(f"“{text}”: {MONTHS[month - 1]} {year} has {days} days")
    return date(year, month, day)


def read_date(text: str, order: DateOrder = DateOrder.ISO) -> date:
    """``text`` as a date; ValueError says what is wrong with it and how to write it."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("Enter a date")
    m = _YMD.match(stripped) or _COMPACT.match(stripped)
    if m:
        year, month, day = (int(g) for g in m.groups())
        return _checked(year, month, day, stripped)
    m = _NUMERIC.match(stripped)
    if m:
        a, b, year = (int(g) for g in m.groups())
        if order is DateOrder.DAY_FIRST:
            return _checked(year, b, a, stripped)
        if order is DateOrder.MONTH_FIRST:
            return _checked(year, a, b, stripped)
        if a > 12 >= b:
            return _checked(year, b, a, stripped)
        if b > 12 >= a:
            return _checked(year, a, b, stripped)
        if a == b:
            return _checked(year, a, b, stripped)
        first, second = _checked(year, b, a, stripped), _checked(year, a, b, stripped)
        raise ValueError(
            f"“{stripped}” could be {first.day} {MONTHS[first.month - 1]} or {second.day} "
            f"{MONTHS[second.month - 1]}: write it as {first.isoformat()} or {second.isoformat()} "
            "(year-month-day)"
        )
    raise ValueError(f"“{stripped}” is not a date: write it as {format_date(date(1985, 4, 3), order)}")
