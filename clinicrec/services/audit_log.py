"""Reading the audit trail: filter, page through, export to CSV and verify the hash chain.

Managers see the trail (``Action.VIEW_AUDIT``); an export also needs ``Action.EXPORT`` and is itself
recorded in the trail, because the file carries patient names out of the application.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..db.engine import sqlite_path
from ..db.models import AuditRow, ClinicRow, PatientRow, UserRow
from ..domain.enums import AuditAction
from ..paths import backup_dir_for
from . import audit, audit_anchor, audit_state
from .base import ServiceBase
from .patients import search_filter
from .permissions import Action
from .printing import OutputError

#: Readable names for the entities the services record (anything else is shown as its own name).
# fmt: off
ENTITY_LABELS = {
    "session": "Session", "patient": "Patient", "user": "User", "product": "Product", "vial": "Vial",
    "clinic": "Clinic settings", "assessment": "Follow-up", "adverse_event": "Adverse event",
    "handout": "Handout", "chart_pdf": "Chart PDF", "leaflet": "Leaflet", "demo_import": "Demo data",
    "audit_log": "Audit trail", "report": "Report", "lot_recall": "Lot recall", "database": "Database",
}
CSV_HEADER = ("entry", "time_utc", "time_local", "user_name", "user", "action", "entity", "entity_id",
              "patient_chart_number", "patient_name", "changes", "hash")
# fmt: on
SUMMARY_LENGTH = 160
EXPORT_BATCH = 2000


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def action_label(value: str) -> str:
    try:
        return AuditAction(value).label
    except ValueError:
        return _label(value)


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, _label(entity))


def format_value(value: Any, *, full: bool = False) -> str:
    """One value of a change, as a person reads it; ``full`` keeps long lists whole, one item a line."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value if full or len(value) <= 40 else value[:12] + "…"
    if isinstance(value, list | tuple):
        if not full:
            return "(none)" if not value else f"{len(value)} item{'s' if len(value) != 1 else ''}"
        return "\n".join(audit.canonical_json(v) if not isinstance(v, str) else v for v in value) or "(none)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, indent=1 if full else None, sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    @property
    def label(self) -> str:
        return _label(self.field)

    def summary(self) -> str:
        if self.old is None or self.old == "***":
            return f"{self.label}: {format_value(self.new)}"
        return f"{self.label}: {format_value(self.old)} → {format_value(self.new)}"


def parse_changes(text: str) -> tuple[FieldChange, ...]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return (FieldChange("changes", None, text),)
    out = []
    for key, pair in data.items():
        if isinstance(pair, list) and len(pair) == 2:
            out.append(FieldChange(key, pair[0], pair[1]))
        else:
            out.append(FieldChange(key, None, pair))
    return tuple(out)


@dataclass(frozen=True)
class AuditEntryRow:
    """One audit entry, resolved for display: who, what, which record and patient, what changed."""

    id: int
    at: datetime  # UTC, timezone-aware
    user_id: int | None
    username: str
    user_full_name: str
    action: str
    entity: str
    entity_id: str
    patient_id: int | None
    patient_chart_number: str
    patient_name: str
    changes: tuple[FieldChange, ...]
    hash: str

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def entity_label(self) -> str:
        name = entity_label(self.entity)
        return f"{name} {self.entity_id}" if self.entity_id else name

    @property
    def user_label(self) -> str:
        if self.user_full_name:
            return f"{self.user_full_name} ({self.username})"
        return self.username or "—"

    @property
    def patient_label(self) -> str:
        if self.patient_id is None:
            return ""
        if not self.patient_chart_number:
            return f"patient {self.patient_id}"
        return f"{self.patient_chart_number} · {self.patient_name}"

    def local_time(self, tz: tzinfo | None = None) -> datetime:
        return self.at.astimezone(tz)

    def summary(self, limit: int = SUMMARY_LENGTH) -> str:
        """The changes on one line: a status change first, hashes last (they say little at a glance)."""
        ordered = sorted(self.changes, key=lambda c: (c.field != "status", "hash" in c.field))
        text = " · ".join(c.summary() for c in ordered)
        return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class AuditFilters:
    """Which entries to show. ``None`` / empty means 'any'. Times are timezone-aware; ``before`` is exclusive.

    ``patient`` matches like the patient search (chart number, name words, birth date). ``up_to_id``
    pins a listing to the entries that existed when it was opened, so paging stays stable while new
    entries arrive.
    """

    username: str | None = None
    patient_id: int | None = None
    patient: str = ""
    since: datetime | None = None
    before: datetime | None = None
    action: AuditAction | None = None
    entity: str | None = None
    up_to_id: int | None = None

    def with_days(self, first: date | None, last: date | None, tz: tzinfo | None = None) -> AuditFilters:
        """Whole calendar days ``first``..``last`` (inclusive) in ``tz`` (default: this computer's zone)."""

        def start_of(day: date) -> datetime:
            return (
                datetime.combine(day, time.min).astimezone(tz)
                if tz is None
                else datetime.combine(day, time.min, tzinfo=tz)
            )

        return replace(
            self,
            since=start_of(first) if first else None,
            before=start_of(last + timedelta(days=1)) if last else None,
        )

    def describe(self) -> str:
        parts = []
        if self.username:
            parts.append(f"user {self.username}")
        if self.patient_id is not None:
            parts.append(f"patient id {self.patient_id}")
        if self.patient.strip():
            parts.append(f"patient '{self.patient.strip()}'")
        if self.since:
            parts.append(f"from {self.since.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        if self.before:
            parts.append(f"before {self.before.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        if self.action:
            parts.append(f"action {self.action.value}")
        if self.entity:
            parts.append(f"entity {self.entity}")
        return ", ".join(parts) or "all entries"


def _conditions(f: AuditFilters) -> list[Any]:
    conds: list[Any] = []
    if f.username:
        conds.append(AuditRow.username == f.username)
    if f.patient_id is not None:
        conds.append(AuditRow.patient_id == f.patient_id)
    if f.patient.strip():
        match = search_filter(f.patient)
        if match is not None:
            conds.append(AuditRow.patient_id.in_(select(PatientRow.id).where(match)))
    if f.since is not None:
        conds.append(AuditRow.at >= f.since.astimezone(UTC))
    if f.before is not None:
        conds.append(AuditRow.at < f.before.astimezone(UTC))
    if f.action is not None:
        conds.append(AuditRow.action == AuditAction(f.action).value)
    if f.entity:
        conds.append(AuditRow.entity == f.entity)
    if f.up_to_id is not None:
        conds.append(AuditRow.id <= f.up_to_id)
    return conds


def _entries_stmt(f: AuditFilters) -> Select:
    return (
        select(
            AuditRow, UserRow.full_name, PatientRow.chart_number, PatientRow.first_name, PatientRow.last_name
        )
        .outerjoin(UserRow, UserRow.id == AuditRow.user_id)
        .outerjoin(PatientRow, PatientRow.id == AuditRow.patient_id)
        .where(*_conditions(f))
        .order_by(AuditRow.at.desc(), AuditRow.id.desc())
    )


def _entry(
    row: AuditRow, full_name: str | None, chart: str | None, first: str | None, last: str | None
) -> AuditEntryRow:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return AuditEntryRow(
        id=row.id,
        at=at,
        user_id=row.user_id,
        username=row.username,
        user_full_name=full_name or "",
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        patient_id=row.patient_id,
        patient_chart_number=chart or "",
        patient_name=f"{last}, {first}" if last is not None else "",
        changes=parse_changes(row.changes),
        hash=row.hash,
    )


def _spreadsheet_safe(value: str) -> str:
    """Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class AuditLogService(ServiceBase):
    def search(self, filters: AuditFilters, offset: int = 0, limit: int = 200) -> list[AuditEntryRow]:
        """Matching entries, newest first."""
        self.actor(Action.VIEW_AUDIT)
        with self.reading() as s:
            return [_entry(*r) for r in s.execute(_entries_stmt(filters).offset(offset).limit(limit)).all()]

    def count(self, filters: AuditFilters) -> int:
        self.actor(Action.VIEW_AUDIT)
        with self.reading() as s:
            return int(s.execute(select(func.count(AuditRow.id)).where(*_conditions(filters))).scalar_one())

    def newest_id(self) -> int:
        """The newest entry's id (0 when empty): pins a listing with ``AuditFilters.up_to_id``."""
        self.actor(Action.VIEW_AUDIT)
        with self.reading() as s:
            return int(s.execute(select(func.max(AuditRow.id))).scalar() or 0)

    def verify_chain(
        self, extra_anchors: Iterable[audit.Anchor] = (), *, derived: bool = True
    ) -> audit.VerifyResult:
        """Prove the chain, every audited record, and the heads kept outside the database (this
        workstation's, the backups', and ``extra_anchors`` such as a digest). Seconds on a large clinic;
        run it off the GUI thread. A trail that verifies becomes this workstation's newest anchor.

        ``derived``: also compare the reports' derived tables with the clinical rows they summarise
        (``report_rollup.differences``): a drifted table is a problem naming the table and its first
        differing key (the reports would show wrong figures), though not one of the trail itself."""
        self.actor(Action.VIEW_AUDIT)
        book, key = audit_anchor.AnchorBook(), audit_anchor.database_key(self.db)
        anchors = [*book.anchors(key), *audit_anchor.backup_anchors(self._backup_folder()), *extra_anchors]
        with self.reading() as s:
            result = audit.verify(s, anchors)
            head = audit_anchor.head_of(s)
            drift = rollup_problems(s) if derived else ()
        if result.ok:
            book.remember(key, *head, self.now())
        return replace(result, problems=(*result.problems, *drift)) if drift else result

    def _backup_folder(self) -> Path | None:
        live = sqlite_path(self.db.url)
        return None if live is None else backup_dir_for(live)

    def export_digest(self, path: Path | str) -> audit.Anchor:
        """Write the day's digest (head id and hash, records proven) for a manager to keep off the machine.

        The head is checked first (the trail must verify), recorded in this workstation's anchors, and the
        export is itself an audit entry. Returns the head written."""
        actor = self.actor(Action.VIEW_AUDIT)
        out = Path(path).expanduser()
        if not (out.parent if str(out.parent) else Path(".")).is_dir():
            raise OutputError(f"Cannot write {out}: the folder {out.parent} does not exist")
        result = self.verify_chain(derived=False)  # the digest proves the trail only
        if not result.ok:
            first = result.first_problem
            raise OutputError(
                f"No digest was written: the audit trail does not verify ({first.message if first else ''})"
            )
        with self.writing() as s:
            audit.record(
                s, actor, AuditAction.EXPORT, "audit_log", "digest", changes={"file": [None, out.name]}
            )
        with self.reading() as s:
            entry_id, entry_hash = audit_anchor.head_of(s)
            clinic = s.execute(select(ClinicRow.name).where(ClinicRow.id == 1)).scalar() or ""
            counts = {
                audit_state.BY_ENTITY[e].label: n
                for e, n in s.execute(
                    select(AuditRow.entity, func.count(func.distinct(AuditRow.entity_id)))
                    .where(AuditRow.entity.in_(list(audit_state.BY_ENTITY)))
                    .group_by(AuditRow.entity)
                ).all()
            }
        text = audit_anchor.digest_text(clinic, entry_id, entry_hash, self.now(), counts)
        try:
            audit_anchor.write_digest(out, text)
        except OSError as e:
            raise OutputError(f"Cannot write {out}: {e.strerror or e}") from e
        audit_anchor.AnchorBook().remember(
            audit_anchor.database_key(self.db), entry_id, entry_hash, self.now()
        )
        return audit.Anchor(entry_id, entry_hash, f"digest {out.name}")

    def export_csv(self, filters: AuditFilters, path: Path | str, *, tz: tzinfo | None = None) -> int:
        """Write the matching entries (newest first) to ``path``; return how many. The export is audited.

        The file is written beside ``path`` and renamed into place, readable by its owner only (it holds
        patient names). The export entry is committed before the rename, so a file never exists unrecorded.
        """
        actor = self.actor(Action.EXPORT)
        actor.require(Action.VIEW_AUDIT)
        out = Path(path).expanduser()
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise OutputError(f"Cannot write {out}: the folder {folder} does not exist")
        try:
            fd, tmp = tempfile.mkstemp(prefix=".clinicrec-", suffix=".csv", dir=folder)
        except OSError as e:
            raise OutputError(f"Cannot write {out}: {e.strerror or e}") from e
        try:
            with self.writing() as s:
                newest = int(s.execute(select(func.max(AuditRow.id))).scalar() or 0)
                pinned = replace(filters, up_to_id=min(filters.up_to_id or newest, newest))
                with os.fdopen(fd, "w", newline="", encoding="utf-8-sig") as fh:
                    rows = self._write_csv(s, pinned, fh, tz)
                audit.record(
                    s,
                    actor,
                    AuditAction.EXPORT,
                    "audit_log",
                    "",
                    changes={
                        "rows": [None, rows],
                        "file": [None, out.name],
                        "filters": [None, pinned.describe()],
                    },
                )
            os.replace(tmp, out)
        except OSError as e:
            _remove_quietly(tmp)
            raise OutputError(f"Cannot write {out}: {e.strerror or e}") from e
        except BaseException:
            _remove_quietly(tmp)
            raise
        return rows

    def _write_csv(self, s: Session, filters: AuditFilters, fh: Any, tz: tzinfo | None) -> int:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        n = 0
        for e in self._all(s, filters):
            local = e.local_time(tz)
            changes = {c.field: [c.old, c.new] for c in e.changes}
            writer.writerow(
                [
                    _spreadsheet_safe(str(v))
                    for v in (
                        e.id,
                        e.at.isoformat(timespec="seconds"),
                        local.isoformat(timespec="seconds"),
                        e.username,
                        e.user_full_name,
                        e.action_label,
                        entity_label(e.entity),
                        e.entity_id,
                        e.patient_chart_number,
                        e.patient_name,
                        audit.canonical_json(changes),
                        e.hash,
                    )
                ]
            )
            n += 1
        return n

    @staticmethod
    def _all(s: Session, filters: AuditFilters) -> Iterator[AuditEntryRow]:
        offset = 0
        while True:
            batch = s.execute(_entries_stmt(filters).offset(offset).limit(EXPORT_BATCH)).all()
            for r in batch:
                yield _entry(*r)
            if len(batch) < EXPORT_BATCH:
                return
            offset += EXPORT_BATCH


def rollup_problems(s: Session) -> tuple[audit.AuditProblem, ...]:
    """One problem per derived report table that differs from the clinical rows: its first differing key."""
    from . import report_rollup

    first: dict[str, str] = {}
    for line in report_rollup.differences(s, limit=1):
        table, _, what = line.partition(": ")
        first.setdefault(table, what)
    return tuple(
        audit.AuditProblem(
            None,
            f"The report table {table} differs from the clinical records (first at {what}); "
            "the reports' figures are wrong until it is rebuilt (clinicrec migrate --rebuild-reports).",
            entity=table,
            record_id=what,
        )
        for table, what in first.items()
    )


def verify_report(result: audit.VerifyResult) -> tuple[list[str], list[str]]:
    """(lines for standard output, lines for standard error) describing a verify result."""
    out = [
        f"Audit trail {'intact' if result.ok else 'NOT intact'}: {result.entries_checked} entries, "
        f"{result.records_checked} records proven ({result.signed_sessions_checked} signed sessions), "
        f"{result.anchors_checked} anchors checked."
    ]
    if result.unproven:
        out.append(f"{result.unproven} records were last changed before row hashes and are not provable.")
    err = [f"NOTICE: {n}" for n in result.notices] + [f"PROBLEM: {p.message}" for p in result.problems]
    return out, err


def run_audit_command(
    service: AuditLogService, action: str, anchor_files: list[Path], output: Path | None
) -> int:
    """``clinicrec audit verify|digest``: returns the exit status (0 intact / written, 1 not, 2 bad input)."""
    import sys

    if action == "digest":
        if output is None:
            print("clinicrec: audit digest needs -o FILE", file=sys.stderr)
            return 2
        try:
            head = service.export_digest(output)
        except OutputError as e:
            print(f"clinicrec: {e}", file=sys.stderr)
            return 1
        print(f"Digest written to {output}: head entry {head.entry_id}, hash {head.hash}")
        return 0
    anchors = []
    for f in anchor_files:
        try:
            anchors.append(audit_anchor.parse_digest(Path(f).read_text(encoding="utf-8"), Path(f).name))
        except (OSError, ValueError) as e:
            print(f"clinicrec: {e}", file=sys.stderr)
            return 2
    result = service.verify_chain(anchors)
    out, err = verify_report(result)
    print("\n".join(out))
    if err:
        print("\n".join(err), file=sys.stderr)
    return 0 if result.ok else 1


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
