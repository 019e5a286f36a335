"""After a schema upgrade: the records whose stored form the upgrade changed get an entry saying so.

Every audit entry that changes a record stores the hash of the record as it left it (audit_state.py),
over the record's columns. An upgrade that adds a column (a patient's preferred language, a product's
GTINs) or fills one in from existing data (a patient's allergy status) changes that hash for every
record it touched, although no one edited them: ``audit verify`` would call each "changed behind the
application". So the upgrade itself is recorded, as an update entry per record whose hash it changed,
made by ``clinicrec-upgrade`` and naming the two schema versions. A record changed behind the
application *before* the upgrade is re-hashed too; that is why the upgrade first takes a backup
(db/migrate.py), whose own trail and head (audit_anchor) still prove the state before it.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ..db.engine import Database
from ..db.models import AuditRow
from ..domain.enums import AuditAction
from . import audit, audit_state

#: The first schema whose entries carry row hashes: from an older one there is nothing to re-hash.
FIRST_HASHED = "0004"
UPGRADE_USER = "clinicrec-upgrade"


def rehash_after_upgrade(db: Database, before: str, after: str) -> int:
    """Record the upgrade from ``before`` to ``after`` on every record whose hash it changed; returns how
    many entries were written (0 when nothing changed, or the trail had no row hashes yet)."""
    if before < FIRST_HASHED or before == after:
        return 0
    written = 0
    with db.write() as s, s.begin():
        for kind in audit_state.KINDS:
            newest = (
                select(AuditRow.entity_id, func.max(AuditRow.id).label("eid"))
                .where(AuditRow.entity == kind.entity)
                .group_by(AuditRow.entity_id)
                .subquery()
            )
            found = s.execute(
                select(AuditRow.entity_id, AuditRow.row_hash).join(newest, AuditRow.id == newest.c.eid)
            ).all()
            latest = {str(entity_id): row_hash for entity_id, row_hash in found}
            changed = [
                rid
                for rid, h in audit_state.all_state_hashes(s, kind)
                if latest.get(str(rid)) not in (None, audit_state.GONE, h)
            ]
            if not changed:
                continue
            audit.record_bulk(
                s,
                None,
                AuditAction.UPDATE,
                kind.entity,
                [
                    audit.BulkEntry(
                        rid, rid if kind.entity == "patient" else None, {"schema": [before, after]}
                    )
                    for rid in changed
                ],
                username=UPGRADE_USER,
            )
            written += len(changed)
    return written
