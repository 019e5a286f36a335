"""a form's consent settings and the access tokens are part of the audited state

No table changes. Until this version ``audit verify`` did not prove ``consent_settings`` or
``access_tokens``: a consent made optional for signing, or a revoked token un-revoked, made an
administrator's or given until 2099, by SQL behind the application went unnoticed, although the
neighbouring ``oversight_settings`` was proven. From this version their entries hold the rows' hashes
(services/audit_state.py), and the upgrade gives every such row the application had audited an entry
with its hash (services/audit_upgrade.py ``FIRST_PROVEN``).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change in the tables: the revision marks the new hashing for the upgrade's entries."""


def downgrade() -> None:
    """Nothing to undo."""
