"""Typed dates in the clinic's order; a date that does not exist says what is wrong with it."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicrec.domain.date_text import DateOrder, format_date, read_date


def test_february_30_says_how_many_days_february_has() -> None:
    with pytest.raises(ValueError, match="February 2031 has 28 days"):
        read_date("2031-02-30")
    with pytest.raises(ValueError, match="February 2028 has 29 days"):
        read_date("30/02/2028", DateOrder.DAY_FIRST)
    with pytest.raises(ValueError, match="there is no month 13"):
        read_date("2031-13-01")


def test_03_04_1985_follows_the_clinics_order() -> None:
    assert read_date("03/04/1985", DateOrder.DAY_FIRST) == date(1985, 4, 3)
    assert read_date("03/04/1985", DateOrder.MONTH_FIRST) == date(1985, 3, 4)
    with pytest.raises(ValueError, match="could be 3 April or 4 March"):
        read_date("03/04/1985", DateOrder.ISO)  # never guessed
    assert read_date("25/12/1985", DateOrder.ISO) == date(1985, 12, 25)  # only one reading
    assert read_date("1985-04-03", DateOrder.MONTH_FIRST) == date(1985, 4, 3)  # ISO is always understood


def test_not_a_date_shows_the_clinics_way_of_writing_one() -> None:
    with pytest.raises(ValueError, match="write it as 03/04/1985"):
        read_date("yesterday", DateOrder.DAY_FIRST)
    with pytest.raises(ValueError, match="Enter a date"):
        read_date("  ")


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)), st.sampled_from(list(DateOrder)))
def test_every_date_shown_in_an_order_reads_back_the_same(day: date, order: DateOrder) -> None:
    assert read_date(format_date(day, order), order) == day
