"""After a schema upgrade: the records whose stored form the upgrade changed get an entry saying so.

Every audit entry that changes a record stores the hash of the record as it left it (audit_state.py),
over the record's columns. An upgrade that adds a column (a patient's preferred language, a product's
GTINs) or fills one in from existing data (a patient's allergy status) changes that hash for every
record it touched, although no one edited them: ``audit verify`` would call each "changed behind the
application". So the upgrade itself is recorded, as an update entry per record whose hash it changed,
made by ``clinicrec-upgrade`` and naming the two schema versions.

Only a record that its trail proved *before* the upgrade gets that entry (``proven_before``): its hash
is computed as the older schema computed it (its columns then, its parts then), on the file as it was,
and must match its newest entry. A record changed behind the application before the upgrade (in a live
file, or in an older backup being restored) keeps its old entry, so ``audit verify`` still names it
afterwards and a restore refuses it: an upgrade never launders a change.

A kind of record proven from a later version on (``FIRST_PROVEN``: a form's consent settings and the
access tokens, from 0020) had entries without row hashes before it. Upgrading past that version gives
each such record that the application audited (its newest entry holds no hash) the same upgrade entry,
with its hash: from then on ``audit verify`` proves it like any other. A row with no entry at all was
never written by the application, and is left for ``audit verify`` to name.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from ..db.engine import Database
from ..db.models import AuditRow
from ..domain.enums import AuditAction
from . import audit, audit_state

#: The first schema whose entries carry row hashes: from an older one there is nothing to re-hash.
FIRST_HASHED = "0004"
#: The kinds of record proven only from a later schema on, with that schema.
FIRST_PROVEN = {"consent_settings": "0020", "access_token": "0020"}
#: Child rows folded into a kind's hash from a later schema on: (entity, the part's table) -> that schema.
#: (A record's older form is otherwise read off its table as it is before the upgrade: the columns it
#: has then. A schema that changes which existing columns or rows a kind hashes needs an entry here.)
PARTS_SINCE = {("session", "session_screenings"): "0019"}
UPGRADE_USER = "clinicrec-upgrade"

#: Records (entity, id as text) whose stored form matched their newest entry before an upgrade.
Proven = frozenset[tuple[str, str]]


def kinds_at(s: Session, revision: str) -> list[audit_state.Kind]:
    """The kinds of record the schema ``revision`` hashed, each as it hashed them: the columns its table
    has in this (not yet upgraded) database, the parts that were part of the hash then."""
    found = inspect(s.connection())
    tables = set(found.get_table_names())

    def columns(table: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
        have = {c["name"] for c in found.get_columns(table)}
        return tuple(c for c in wanted if c in have)

    kinds = []
    for kind in audit_state.KINDS:
        since = FIRST_PROVEN.get(kind.entity)
        if kind.table not in tables or (since is not None and revision < since):
            continue
        parts = tuple(
            replace(part, columns=columns(part.table, part.columns))
            for part in kind.parts
            if part.table in tables and PARTS_SINCE.get((kind.entity, part.table), "") <= revision
        )
        kinds.append(replace(kind, columns=columns(kind.table, kind.columns), parts=parts))
    return kinds


def proven_before(db: Database, revision: str | None) -> Proven:
    """Read before upgrading from ``revision``: every record whose hash, as that schema made it, matches
    its newest entry's (the records ``rehash_after_upgrade`` may re-enter). Empty before row hashes."""
    if revision is None or revision < FIRST_HASHED:
        return frozenset()
    proven: set[tuple[str, str]] = set()
    with db.read() as s:
        for kind in kinds_at(s, revision):
            latest = _newest_row_hashes(s, kind.entity)
            proven.update(
                (kind.entity, str(rid))
                for rid, h in audit_state.all_state_hashes(s, kind)
                if latest.get(str(rid)) == h
            )
    return frozenset(proven)


def rehash_after_upgrade(db: Database, before: str, after: str, proven: Proven) -> int:
    """Record the upgrade from ``before`` to ``after`` on every record whose hash it changed and that its
    trail proved before it (``proven``, from ``proven_before``), and on every record of a kind first proven
    by it (``FIRST_PROVEN``), after the shipped catalogue's corrections it allows (``correct_catalogue``);
    returns how many entries were written (0 when nothing changed, or the trail had no row hashes yet)."""
    if before == after:
        return 0
    with db.write() as s, s.begin():  # one transaction: the corrections and the entries, or neither
        written = correct_catalogue(s, before, after, proven)
        if before < FIRST_HASHED:
            return written
        for kind in audit_state.KINDS:
            latest = _newest_row_hashes(s, kind.entity)
            since = FIRST_PROVEN.get(kind.entity)
            proving = since is not None and before < since <= after
            changed = {
                rid: h
                for rid, h in audit_state.all_state_hashes(s, kind)
                if (
                    _unproven(latest, rid)
                    if proving
                    else (kind.entity, str(rid)) in proven
                    and latest.get(str(rid)) not in (None, audit_state.GONE, h)
                )
            }
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
                row_hashes=changed,
            )
            written += len(changed)
    return written


#: Shipped catalogue entries an upgrade corrects, with the schema that made the correction possible:
#: (schema, brand, the values as shipped, the values now). Only a row still exactly as shipped is changed.
CATALOGUE_CORRECTIONS = (
    (
        "0021",
        "Botox Cosmetic",
        {"max_dose_units": 400.0, "max_dose_period_days": 90, "max_dose_period_months": None},
        {"max_dose_period_days": None, "max_dose_period_months": 3},
    ),
)


def correct_catalogue(s: Session, before: str, after: str, proven: Proven) -> int:
    """Give a shipped product the values of its label that a later schema can hold (Botox Cosmetic's
    "400 U in 3 months", from 0021: it was 90 days), each change with its own audited entry by
    ``clinicrec-upgrade`` naming what changed; returns how many products were corrected. A product whose
    values a clinic changed from the shipped ones is left as the clinic made it, and so is one its trail
    did not prove before the upgrade (set to the shipped values behind the application: left for
    ``audit verify`` to name, never corrected under the upgrade's name). Before row hashes (``proven``
    empty, schema older than 0004) the values alone decide."""
    from ..db.models import ProductRow

    written = 0
    for schema, brand, shipped, now in CATALOGUE_CORRECTIONS:
        if not before < schema <= after:
            continue
        row = s.execute(select(ProductRow).where(ProductRow.brand == brand)).scalar_one_or_none()
        if row is None or any(getattr(row, k) != v for k, v in shipped.items()):
            continue
        if before >= FIRST_HASHED and ("product", str(row.id)) not in proven:
            continue
        changes = {k: [getattr(row, k), v] for k, v in now.items()}
        for k, v in now.items():
            setattr(row, k, v)
        s.flush()
        audit.record(
            s,
            None,
            AuditAction.UPDATE,
            "product",
            row.id,
            changes={**changes, "schema": [before, after]},
            username=UPGRADE_USER,
        )
        written += 1
    return written


def _unproven(latest: dict[str, str | None], rid: object) -> bool:
    """The record's newest entry holds no row hash (written before its kind was proven)."""
    key = str(rid)
    return key in latest and latest[key] is None


def _newest_row_hashes(s: Session, entity: str) -> dict[str, str | None]:
    """The row hash of each record's newest entry that changed it (what ``audit verify`` compares),
    by entity id; a sign-in or a print of the record changes nothing and is passed over."""
    states = [a.value for a in audit.STATE_ACTIONS]
    newest = (
        select(AuditRow.entity_id, func.max(AuditRow.id).label("eid"))
        .where(AuditRow.entity == entity, AuditRow.action.in_(states))
        .group_by(AuditRow.entity_id)
        .subquery()
    )
    found = s.execute(
        select(AuditRow.entity_id, AuditRow.row_hash).join(newest, AuditRow.id == newest.c.eid)
    ).all()
    return {str(entity_id): row_hash for entity_id, row_hash in found}
