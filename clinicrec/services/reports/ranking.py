"""A product's first lots by one figure, and what all its lots add up to (issue 17: a big clinic gives each
vial its own lot, so a product can have 100,000 of them; the screen and the meeting PDF list the first few
and one 'other lots' row, the CSV export every one).

Rows are ``(product id, lot, *numbers)``, plain tuples as read: ``top_per_product`` keeps each product's
first ``limit`` in one pass (a heap), and sums every number, so that no report row is built for a lot
nobody will see. (A window function in SQL ranking them cost more than reading the rows.)
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Numeric, cast, func

#: Per product: [lots, sum of each number] over all its lots.
Totals = dict[Any, list[Any]]


def order_key(row: Sequence[Any], by: int) -> tuple[Any, ...]:
    """Most of the figure ``by`` (an index into the numbers) first, then by lot number. Units are compared
    to the 1/10000 U the chart stores: sums of the same units in another order (the day tables') differ
    in their last bits, and must not reorder lots that tie."""
    return (-round(float(row[2 + by] or 0), 4), row[1])


def top_per_product(
    rows: Iterable[Sequence[Any]], limit: int | None, by: int
) -> tuple[list[tuple[Any, ...]], Totals]:
    """(the first ``limit`` rows of each product by the figure ``by``, every row if None; per product its
    lot count and the sums of every number over all its rows)."""
    totals: Totals = {}
    groups: dict[Any, list[tuple[Any, ...]]] = {}
    for r in rows:
        acc = totals.get(r[0])
        if acc is None:
            acc = totals[r[0]] = [0] + [0] * (len(r) - 2)
        acc[0] += 1
        for i, v in enumerate(r[2:], start=1):
            acc[i] += v or 0
        groups.setdefault(r[0], []).append(tuple(r))
    listed: list[tuple[Any, ...]] = []
    for rs in groups.values():
        listed += rs if limit is None else heapq.nsmallest(limit, rs, key=lambda r: order_key(r, by))
    return listed, totals


def listed_per_product(rows: Iterable[Sequence[Any]], by: int) -> dict[Any, list[Sequence[Any]]]:
    """The rows of each product in the ranking's order."""
    out: dict[Any, list[Sequence[Any]]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(r)
    for rs in out.values():
        rs.sort(key=lambda r: order_key(r, by))
    return out


def rounded(figure: Any, dialect: str) -> ColumnElement[Any]:
    """``order_key``'s figure in SQL: rounded to the 1/10000 U (PostgreSQL rounds only numerics)."""
    return func.round(figure if dialect == "sqlite" else cast(figure, Numeric), 4)
