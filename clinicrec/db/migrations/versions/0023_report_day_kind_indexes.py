"""PostgreSQL: the reports' day tables indexed by group kind and day

A report reads one group kind (the whole clinic, or per zone, product or dilution) over a range of days
(services/reports/day_queries.py). The tables' primary keys begin with the day, and PostgreSQL does not
store a table in its key's order, so a year's report scanned the whole table and kept one kind's rows of
that year (a 100,000-patient clinic's breakdowns by month, injector and product took twice SQLite's
time). Indexed by kind, then day, a report reads its own rows alone.

Nothing changes on SQLite: its day tables are stored in key order (WITHOUT ROWID), so a day range is
read in one pass; through these indexes a zone report (most of the rows) was read row by row, slower.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index("ix_report_day_groups_kind_day", "report_day_groups", ["gkind", "day"])
    op.create_index("ix_report_day_outcomes_kind_day", "report_day_outcomes", ["gkind", "day", "time_point"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_report_day_outcomes_kind_day", table_name="report_day_outcomes")
    op.drop_index("ix_report_day_groups_kind_day", table_name="report_day_groups")
