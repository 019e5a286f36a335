"""the screening asked at a visit is part of the session's audited state

No table changes. Until this version a session's state hash (services/audit_state.py) covered its row,
points, vials, acknowledgements and baseline ratings but not ``session_screenings``: a screening answer
changed behind the application ("neuromuscular disorder: yes" turned to "no") went unnoticed by
``audit verify``. From this version the screening is one of the session's parts, so every session with a
screening hashes differently, and the upgrade records itself on those sessions
(services/audit_upgrade.py) as it does for a schema change.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change in the tables: the revision marks the new hashing for the upgrade's entries."""


def downgrade() -> None:
    """Nothing to undo."""
