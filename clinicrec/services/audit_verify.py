"""``audit verify``: prove the chain, every audited record, and the heads kept outside the database.

1. The chain: each entry's hash is recomputed in id order; the first entry that was changed, removed or
   reordered is named, and the head row must point at the last entry.
2. The anchors (services/audit_anchor.py): a head seen earlier by a backup, a workstation or a printed
   digest must still be in the trail with the same hash. A trail cut short and its head moved back
   ("went backwards"), or a trail rewritten and rehashed with the application's own function ("forked"),
   fails here even though it is a valid chain.
3. The records: every live patient, session, vial, follow-up, adverse event, user, product and the clinic
   settings must hash to the ``row_hash`` of its newest entry. A record with no entry was added behind the
   application; an entry whose record is gone, without a delete entry, names a record removed behind it.
   A mismatch is explained by replaying the record's entries: the field, what is stored, what the trail
   says.

Everything is read with plain SQL on the raw connection, each table once (a 100,000-patient clinic
verifies in seconds: benchmarks/bench_verify.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from . import audit_state
from .audit import GENESIS, STATE_ACTIONS, Anchor, AuditProblem, VerifyResult
from .audit_state import GONE, Kind

#: Mismatched records explained field by field (the rest are listed by id only).
EXPLAIN_LIMIT = 200
_STATE = frozenset(a.value for a in STATE_ACTIONS)
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_CHAIN_SQL = (
    "SELECT id, at, user_id, username, action, entity, entity_id, patient_id, changes, prev_hash, hash, "
    "row_hash FROM audit_log ORDER BY id"
)

Latest = dict[str, dict[str, tuple[int, str | None]]]


def at_text(raw: Any) -> str:
    """An entry's time as its writer hashed it (aware UTC, isoformat), from the driver's value."""
    if isinstance(raw, str):  # SQLite: "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC
        if raw.endswith(".000000"):
            raw = raw[:-7]
        return raw.replace(" ", "T", 1) + "+00:00"
    assert isinstance(raw, datetime)
    return (raw if raw.tzinfo else raw.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


class _Chain:
    """The result of walking the trail once."""

    def __init__(self) -> None:
        self.count = 0
        self.last_id = 0
        self.last_hash = GENESIS
        self.broken = False
        self.latest: Latest = {k.entity: {} for k in audit_state.KINDS}
        self.hash_at: dict[int, str] = {}
        #: (restore entry id, id of the head the restore replaced, who, when)
        self.restores: list[tuple[int, int, str, str]] = []


def _walk(s: Session, anchor_ids: set[int], problems: list[AuditProblem]) -> _Chain:
    chain = _Chain()
    latest = chain.latest
    prev = GENESIS
    expected = 1
    sha = hashlib.sha256
    cur = audit_state._cursor(s)
    try:
        cur.execute(_CHAIN_SQL)
        for eid, at, uid, uname, action, entity, entity_id, pid, changes, prev_hash, h, row_hash in cur:
            chain.count += 1
            if eid in anchor_ids:
                chain.hash_at[eid] = h
            if not chain.broken:
                fields = [prev_hash, eid, at_text(at), uid, uname, action, entity, entity_id, pid, changes]
                if row_hash is not None:
                    fields.append(row_hash)
                if eid != expected:
                    problems.append(AuditProblem(expected, f"entry {expected} is missing (next is {eid})"))
                    chain.broken = True
                elif prev_hash != prev:
                    problems.append(
                        AuditProblem(
                            eid,
                            f"entry {eid} does not follow entry {eid - 1} (removed, reordered or changed)",
                        )
                    )
                    chain.broken = True
                elif sha(_encode(fields).encode("utf-8")).hexdigest() != h:
                    problems.append(AuditProblem(eid, f"entry {eid} was changed after it was written"))
                    chain.broken = True
                prev = h
                expected += 1
            if action == "restore":
                _note_restore(chain, eid, uname, at, changes)
            elif action in _STATE:
                records = latest.get(entity)
                if records is not None:
                    records[entity_id] = (eid, row_hash)
            chain.last_id, chain.last_hash = eid, h
    finally:
        cur.close()
    return chain


def _note_restore(chain: _Chain, eid: int, username: str, at: Any, changes: str) -> None:
    try:
        replaced = json.loads(changes).get("replaced_head", [None, None])[1]
        chain.restores.append((eid, int(replaced[0]), username, at_text(at)[:16]))
    except (ValueError, TypeError, IndexError, AttributeError):
        return


def _check_head(s: Session, chain: _Chain, problems: list[AuditProblem]) -> None:
    cur = audit_state._cursor(s)
    try:
        cur.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
        head = cur.fetchone()
    finally:
        cur.close()
    if head is None:
        problems.append(AuditProblem(None, "the audit head row is missing"))
    elif not chain.broken and (head[0] != chain.last_id or head[1] != chain.last_hash):
        problems.append(AuditProblem(head[0], f"the newest entries after entry {chain.count} were removed"))


def _check_anchors(
    chain: _Chain, anchors: list[Anchor], problems: list[AuditProblem], notices: list[str]
) -> None:
    """Name the highest head that went backwards and the earliest anchored entry that forked."""
    backwards = forked = False
    for a in sorted(anchors, key=lambda a: -a.entry_id if a.entry_id > chain.last_id else a.entry_id):
        if a.entry_id <= chain.last_id and chain.hash_at.get(a.entry_id) == a.hash:
            continue
        restore = next((r for r in chain.restores if r[0] <= a.entry_id <= r[1]), None)
        if restore is not None:
            # The anchored history was replaced by a restore the trail records: say so, for a person to
            # confirm that the restore really happened (a forged restore entry could explain a cut).
            notices.append(
                f"{a.source} saw entry {a.entry_id} of a history replaced by the restore in entry "
                f"{restore[0]} ({restore[2]}, {restore[3]} UTC); confirm that restore was made on purpose"
            )
            continue
        if a.entry_id > chain.last_id:
            if backwards:
                continue
            backwards = True
            problems.append(
                AuditProblem(
                    chain.last_id,
                    f"the trail went backwards: {a.source} saw entry {a.entry_id}, but the trail now ends at "
                    f"entry {chain.last_id} (newer entries were removed)",
                    "audit_log",
                    str(a.entry_id),
                )
            )
        elif not forked:
            forked = True
            problems.append(
                AuditProblem(
                    a.entry_id,
                    f"the trail forked: entry {a.entry_id} no longer has the hash {a.source} recorded "
                    f"({a.hash[:12]}…); the history before it was rewritten",
                    "audit_log",
                    str(a.entry_id),
                    "hash",
                    chain.hash_at.get(a.entry_id),
                    a.hash,
                )
            )


def _check_records(s: Session, chain: _Chain, problems: list[AuditProblem]) -> tuple[int, int, int]:
    checked = unproven = signed = 0
    mismatched: list[tuple[Kind, int, int]] = []
    for kind in audit_state.KINDS:
        latest = chain.latest[kind.entity]
        seen: set[str] = set()
        for rid, h in audit_state.all_state_hashes(s, kind):
            checked += 1
            key = str(rid)
            seen.add(key)
            entry = latest.get(key)
            if entry is None:
                problems.append(
                    AuditProblem(
                        None,
                        f"{kind.label} {rid} has no audit entry: it was added outside ClinicRec",
                        kind.entity,
                        key,
                    )
                )
            elif entry[1] is None:
                unproven += 1
            elif entry[1] == GONE:
                problems.append(
                    AuditProblem(
                        entry[0],
                        f"{kind.label} {rid} was deleted (entry {entry[0]}) but is present again",
                        kind.entity,
                        key,
                    )
                )
            elif entry[1] != h:
                mismatched.append((kind, rid, entry[0]))
        for key, (eid, rh) in latest.items():
            if key not in seen and rh is not None and rh != GONE:
                problems.append(
                    AuditProblem(
                        eid,
                        f"{kind.label} {key} was removed outside ClinicRec (its newest entry {eid} "
                        "is not a deletion)",
                        kind.entity,
                        key,
                    )
                )
    for i, (kind, rid, eid) in enumerate(mismatched):
        if i < EXPLAIN_LIMIT:
            problems.extend(explain(s, kind, rid, eid))
        else:
            problems.append(_changed(kind, rid, eid))
    cur = audit_state._cursor(s)
    try:
        cur.execute("SELECT count(*) FROM treatment_sessions WHERE status = 'signed'")
        signed = int(cur.fetchone()[0])
    finally:
        cur.close()
    return checked, unproven, signed


def _changed(kind: Kind, rid: int, eid: int, what: str = "") -> AuditProblem:
    return AuditProblem(
        eid,
        f"{kind.label} {rid} was changed outside ClinicRec after entry {eid}{what}",
        kind.entity,
        str(rid),
    )


def _norm(value: Any) -> Any:
    """Driver values and the trail's JSON values in one form (dates as text, booleans as 0/1)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        value = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return value.isoformat(sep=" ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in ("T", " "):
        text = value.replace("T", " ", 1).removesuffix("+00:00").removesuffix(".000000")
        return text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def explain(s: Session, kind: Kind, rid: int, eid: int) -> list[AuditProblem]:
    """Name what changed: replay the record's entries and compare each field with the live row."""
    cur = audit_state._cursor(s)
    mark = audit_state._mark(s)
    try:
        cur.execute(
            "SELECT id, action, changes FROM audit_log "
            f"WHERE entity = {mark} AND entity_id = {mark} ORDER BY id",
            (kind.entity, str(rid)),
        )
        entries = cur.fetchall()
    finally:
        cur.close()
    expected: dict[str, Any] = {}
    content_hash = None
    for _id, action, changes in entries:
        if action not in _STATE:
            continue
        for field, pair in json.loads(changes or "{}").items():
            new = pair[1] if isinstance(pair, list) and len(pair) == 2 else pair
            expected[field] = new
            if field == "content_hash":
                content_hash = new
    live = audit_state.live_values(s, kind.entity, rid) or {}
    out = []
    if kind.entity == "session" and content_hash and live.get("status") == "signed":
        out.extend(_signed_content(s, rid, eid, content_hash))
    for field, want in expected.items():
        if field not in live or field == "password" or (out and field == "content_hash"):
            continue
        have = live[field]
        if isinstance(have, bytes | memoryview) or isinstance(want, list | dict):
            continue
        if _norm(have) != _norm(want):
            out.append(
                AuditProblem(
                    eid,
                    f"{kind.label} {rid}: {field} is {_show(have)} but the trail says {_show(want)} "
                    f"(changed outside ClinicRec after entry {eid})",
                    kind.entity,
                    str(rid),
                    field,
                    have,
                    want,
                )
            )
    out.sort(key=lambda p: p.field != "status")  # "un-signed" reads before the hash that went with it
    return out or [_changed(kind, rid, eid, " (a column no entry names, or one of its parts)")]


def _signed_content(s: Session, rid: int, eid: int, signed_hash: str) -> list[AuditProblem]:
    from .content_hash import content_hash_of, session_contents

    contents = list(session_contents(s, [rid]))
    actual = content_hash_of(contents[0][1]) if contents else None
    if actual == signed_hash:
        return []
    return [
        AuditProblem(
            eid,
            f"signed session {rid} was altered after signing: its injection points, doses, vials, "
            f"acknowledgements or baseline no longer match signing entry {eid}",
            "session",
            str(rid),
            "content",
            actual,
            signed_hash,
        )
    ]


def _show(value: Any) -> str:
    return "empty" if value is None else repr(_norm(value))


def statements() -> list[str]:
    """Every full-table read verify makes (the benchmark runs the same reads with plain sqlite3)."""
    out = [_CHAIN_SQL]
    for kind in audit_state.KINDS:
        out.extend(part.sql() for part in kind.parts)
        out.append(kind.sql())
    return out


def verify_all(s: Session, anchors: Iterable[Anchor] = (), *, photos: Path | None = None) -> VerifyResult:
    """``photos``: the photo folder to check (default: the one beside the database, or ``photo_blobs``)."""
    anchor_list = list(anchors)
    problems: list[AuditProblem] = []
    notices: list[str] = []
    chain = _walk(s, {a.entry_id for a in anchor_list}, problems)
    _check_head(s, chain, problems)
    _check_anchors(chain, anchor_list, problems, notices)
    checked, unproven, signed = _check_records(s, chain, problems)
    from .photos.verify import photo_problems

    problems.extend(photo_problems(s, photos))  # the photos' bytes, by their recorded SHA-256
    return VerifyResult(
        chain.count,
        signed,
        tuple(problems),
        checked,
        unproven,
        len(anchor_list),
        tuple(dict.fromkeys(notices)),
    )
