"""the reports' day-keyed pre-aggregate: sums per clinic day, injector, dilution band and group

Every report at a million patients adds up at most days x dimensions rows (clinicrec/db/report_days.py).
Created and filled here (in the clinic's time zone); kept by services/report_rollup.py. On SQLite they are
WITHOUT ROWID tables: the primary key, day first, is the table, so a report's day range is read in order
without a lookup per row.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinicrec.db.report_days import rebuild

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_KEY = ("day", "injector_id", "band")


def _day_key() -> list[sa.Column[str] | sa.Column[int]]:
    return [
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("injector_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
    ]


_OUTCOME_NUMBERS = (
    "followed_up",
    *(f"{m}_{x}" for m in ("pores", "oil", "redness") for x in ("n", "sum", "sq", "improved")),
    *(f"gais_{g}" for g in ("very_much_improved", "much_improved", "improved", "no_change", "worse")),
    "satisfaction_n",
    "satisfaction_sum",
    "satisfaction_sq",
)


def upgrade() -> None:
    op.create_table(
        "report_day_groups",
        *_day_key(),
        sa.Column("gkind", sa.String(length=10), nullable=False),
        sa.Column("gkey", sa.String(length=30), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("affected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "gkind", "gkey", name=op.f("pk_report_day_groups")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_day_outcomes",
        *_day_key(),
        sa.Column("gkind", sa.String(length=10), nullable=False),
        sa.Column("gkey", sa.String(length=30), nullable=False),
        sa.Column("time_point", sa.String(length=20), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in _OUTCOME_NUMBERS),
        sa.PrimaryKeyConstraint(*_KEY, "gkind", "gkey", "time_point", name=op.f("pk_report_day_outcomes")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_day_events",
        *_day_key(),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("affected", sa.Integer(), nullable=False),
        sa.Column("severe", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "kind", name=op.f("pk_report_day_events")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_day_lots",
        *_day_key(),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("vial_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.Double(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("lot_sessions", sa.Integer(), nullable=False),
        sa.Column("product_sessions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            *_KEY, "product_id", "lot_number", "vial_id", name=op.f("pk_report_day_lots")
        ),
    )
    op.create_table(
        "report_day_vials",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
        sa.Column("vials", sa.Integer(), nullable=False),
        sa.Column("vial_units", sa.Double(), nullable=False),
        sa.Column("drawn", sa.Double(), nullable=False),
        sa.Column("wasted", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "product_id", "lot_number", "opened_by_id", "band", name=op.f("pk_report_day_vials")
        ),
        sqlite_with_rowid=False,
    )
    rebuild(op.get_bind())


def downgrade() -> None:
    for name in ("report_day_vials", "report_day_lots", "report_day_events", "report_day_outcomes"):
        op.drop_table(name)
    op.drop_table("report_day_groups")
