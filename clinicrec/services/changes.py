"""What a committed transaction changed, as typed values every view can match without free strings.

Nobody announces a change by hand: every change to the record is audited inside its transaction
(``audit.record``), so the unit of work (``ServiceBase.writing``) reads the audit entries it wrote and,
once the transaction has committed, publishes one ``Change`` per changed thing. A rollback publishes
nothing. Audit entries that change nothing (a view, a print, a sign-in) publish nothing either.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..domain.enums import AuditAction


class ChangeEntity(enum.StrEnum):
    """What kind of thing changed (the audit trail's entity names)."""

    PATIENT = "patient"
    SESSION = "session"
    ASSESSMENT = "assessment"
    ADVERSE_EVENT = "adverse_event"
    USER = "user"
    PRODUCT = "product"
    VIAL = "vial"
    CLINIC = "clinic"
    PHOTO = "photo"
    PHOTO_CONSENT = "photo_consent"
    PHOTO_MEASUREMENT = "photo_measurement"
    CONSENT = "consent"
    PRESCRIBER_ORDER = "prescriber_order"
    CHART_REVIEW = "chart_review"
    DATABASE = "database"
    OTHER = "other"  # an audited entity no view knows yet

    @classmethod
    def of(cls, name: str) -> ChangeEntity:
        try:
            return cls(_SAME_AS.get(name, name))
        except ValueError:
            return cls.OTHER


#: Entries of a bulk change that stand for the records they made (views of those records refresh).
_SAME_AS = {"patient_import": "patient", "demo_import": "patient"}


class ChangeKind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    SIGNED = "signed"
    AMENDED = "amended"
    BACKED_UP = "backed_up"
    RESTORED = "restored"
    RIGHTS_CHANGED = "rights_changed"  # the user's account changed under them (services/rights.py)


#: How each audited action changes the record; None: it changes nothing a view shows.
KIND_OF_ACTION: dict[AuditAction, ChangeKind | None] = {
    AuditAction.CREATE: ChangeKind.CREATED,
    AuditAction.UPDATE: ChangeKind.UPDATED,
    AuditAction.DELETE: ChangeKind.DELETED,
    AuditAction.SIGN: ChangeKind.SIGNED,
    AuditAction.AMEND: ChangeKind.AMENDED,
    AuditAction.ACKNOWLEDGE: ChangeKind.UPDATED,
    AuditAction.BACKUP: ChangeKind.BACKED_UP,
    AuditAction.RESTORE: ChangeKind.RESTORED,
    AuditAction.SIGN_IN: None,
    AuditAction.SIGN_IN_FAILED: None,
    AuditAction.SIGN_OUT: None,
    AuditAction.VIEW: None,
    AuditAction.PRINT: None,
    AuditAction.EXPORT: None,
    AuditAction.LOCK: None,
    AuditAction.UNLOCK: None,
    AuditAction.WITHDRAW: ChangeKind.UPDATED,
    AuditAction.REVIEW: ChangeKind.UPDATED,
}


@dataclass(frozen=True)
class Change:
    """One thing a committed service call changed.

    ``initiator`` is opaque to the services: the user interface's change bus fills it with the token of
    the view or controller that started the call, so that view can ignore its own changes.
    """

    entity: ChangeEntity
    entity_id: int | None
    kind: ChangeKind
    patient_id: int | None = None
    initiator: object | None = None

    def concerns(self, entity: ChangeEntity, patient_id: int | None = None) -> bool:
        return self.entity == entity and (patient_id is None or self.patient_id == patient_id)


ChangeListener = Callable[[Change], None]


def change_of_audit(action: str, entity: str, entity_id: str, patient_id: int | None) -> Change | None:
    """The change an audit entry records, or None when the entry changes nothing."""
    kind = KIND_OF_ACTION.get(AuditAction(action))
    if kind is None:
        return None
    return Change(ChangeEntity.of(entity), int(entity_id) if entity_id.isdigit() else None, kind, patient_id)


def unique(changes: Iterable[Change]) -> list[Change]:
    """Each change once, in the order first seen (a save with a new reason is audited twice)."""
    return list(dict.fromkeys(changes))
