"""edit versions for the clinic settings, users and products

``version`` (default 1) on ``clinic``, ``users`` and ``products``: each edit of the record bumps it, and
an edit made from a stale view (another workstation saved since it was read) is refused, naming who
changed it and when (services/stale.py). Sign-in bookkeeping on a users row does not bump it.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("clinic", "users", "products")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
