"""The audit trail: append-only, hash-chained, and able to prove itself.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or
reordering any entry breaks the chain from that point. Signed sessions also store a hash of their
content; ``verify`` recomputes it, so editing a signed chart behind the application's back shows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db.models import AuditHeadRow, AuditRow
from ..db.types import utcnow
from ..domain.enums import AuditAction
from .permissions import Actor

GENESIS = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def entry_hash(
    prev_hash: str,
    entry_id: int,
    at: datetime,
    user_id: int | None,
    username: str,
    action: str,
    entity: str,
    entity_id: str,
    patient_id: int | None,
    changes: str,
) -> str:
    payload = canonical_json(
        [prev_hash, entry_id, at, user_id, username, action, entity, entity_id, patient_id, changes]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs."""
    keys = list(dict.fromkeys([*old, *new]))
    return {k: [old.get(k), new.get(k)] for k in keys if old.get(k) != new.get(k)}


def record(
    s: Session,
    actor: Actor | None,
    action: AuditAction,
    entity: str,
    entity_id: object = "",
    *,
    patient_id: int | None = None,
    changes: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditRow:
    """Append one entry inside the caller's transaction (so it commits or rolls back with the change)."""
    # Taking the head row's lock (UPDATE first) serialises appends across connections and workstations.
    s.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_id=AuditHeadRow.last_id))
    head = s.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
    s.refresh(head)
    at = utcnow()
    changes_json = canonical_json(changes or {})
    entry_id = head.last_id + 1
    uid = actor.user_id if actor else None
    uname = username if username is not None else (actor.username if actor else "")
    h = entry_hash(
        head.last_hash,
        entry_id,
        at,
        uid,
        uname,
        action.value,
        entity,
        str(entity_id),
        patient_id,
        changes_json,
    )
    row = AuditRow(
        id=entry_id,
        at=at,
        user_id=uid,
        username=uname,
        action=action.value,
        entity=entity,
        entity_id=str(entity_id),
        patient_id=patient_id,
        changes=changes_json,
        prev_hash=head.last_hash,
        hash=h,
    )
    s.add(row)
    head.last_id = entry_id
    head.last_hash = h
    s.flush()
    return row


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int | None
    message: str


@dataclass(frozen=True)
class VerifyResult:
    entries_checked: int
    signed_sessions_checked: int
    problems: tuple[AuditProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> AuditProblem | None:
        return self.problems[0] if self.problems else None


def verify(s: Session) -> VerifyResult:
    """Walk the chain in id order; name the first entry that was changed, removed or reordered."""
    from .content_hash import signed_content_hashes

    problems: list[AuditProblem] = []
    prev = GENESIS
    expected_id = 1
    count = 0
    sign_hashes: dict[str, str] = {}
    sign_entries: dict[str, int] = {}
    # The sign entry's timestamp precision must round-trip: we re-read from the database.
    for row in s.execute(select(AuditRow).order_by(AuditRow.id)).scalars():
        count += 1
        if row.id != expected_id:
            problems.append(AuditProblem(expected_id, f"entry {expected_id} is missing (next is {row.id})"))
            break
        if row.prev_hash != prev:
            problems.append(
                AuditProblem(
                    row.id,
                    f"entry {row.id} does not follow entry {row.id - 1} (removed, reordered or changed)",
                )
            )
            break
        h = entry_hash(
            row.prev_hash,
            row.id,
            row.at,
            row.user_id,
            row.username,
            row.action,
            row.entity,
            row.entity_id,
            row.patient_id,
            row.changes,
        )
        if h != row.hash:
            problems.append(AuditProblem(row.id, f"entry {row.id} was changed after it was written"))
            break
        if row.action == AuditAction.SIGN.value and row.entity == "session":
            sign_hashes[row.entity_id] = json.loads(row.changes).get("content_hash", [None, None])[1]
            sign_entries.setdefault(row.entity_id, row.id)
        prev = row.hash
        expected_id += 1
    if not problems:
        head = s.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
        if head.last_id != count or head.last_hash != prev:
            problems.append(
                AuditProblem(head.last_id, f"the newest entries after entry {count} were removed")
            )
    signed = 0
    still_signed: set[str] = set()
    for session_id, stored, actual in signed_content_hashes(s):
        signed += 1
        still_signed.add(str(session_id))
        recorded = sign_hashes.get(str(session_id))
        if recorded is None:
            problems.append(AuditProblem(None, f"session {session_id} is signed but has no signing entry"))
        elif recorded != actual or stored != recorded:
            problems.append(
                AuditProblem(
                    sign_entries.get(str(session_id)),
                    f"signed session {session_id} was altered after signing",
                )
            )
    # A signature cannot be undone in the application: a signed session that is gone or a draft again was
    # changed behind its back (and would otherwise escape the content check above).
    for signed_id, entry_id in sign_entries.items():
        if signed_id not in still_signed:
            problems.append(
                AuditProblem(
                    entry_id,
                    f"session {signed_id} was signed (entry {entry_id}) but is "
                    "no longer signed or was removed",
                )
            )
    return VerifyResult(count, signed, tuple(problems))
