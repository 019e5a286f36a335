"""Who may do what. Enforced in the services (the UI only hides what would be refused)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..domain.enums import Role
from ..domain.errors import PermissionDenied
from ..domain.models import name_with_credentials


class Action(StrEnum):
    VIEW_PATIENTS = "view patients"
    EDIT_PATIENTS = "edit patients"
    CHART = "chart sessions"
    SIGN = "sign own sessions"
    AMEND = "amend own sessions"
    ASSESS = "record follow-up assessments"
    RECORD_ADVERSE_EVENT = "record adverse events"
    OPEN_VIAL = "open vials"
    PRINT = "print handouts and charts"
    VIEW_OWN_REPORTS = "see own outcome figures"
    VIEW_ALL_REPORTS = "see clinic outcome reports"
    EXPORT = "export reports"
    VIEW_AUDIT = "see the audit trail"
    MANAGE_USERS = "manage users"
    MANAGE_PRODUCTS = "manage products"
    MANAGE_SETTINGS = "manage clinic settings"
    BACKUP = "back up the database"
    RESTORE = "restore the database"
    RECORD_CONSENT = "record and withdraw patient consents"
    WRITE_ORDERS = "write prescriber orders"
    REVIEW_CHARTS = "review and co-sign charts"
    VIEW_REVIEW_REPORT = "see the chart review report"


_INJECTOR = {
    Action.VIEW_PATIENTS,
    Action.EDIT_PATIENTS,
    Action.CHART,
    Action.SIGN,
    Action.AMEND,
    Action.ASSESS,
    Action.RECORD_ADVERSE_EVENT,
    Action.OPEN_VIAL,
    Action.PRINT,
    Action.VIEW_OWN_REPORTS,
    Action.RECORD_CONSENT,
}
_MANAGER = _INJECTOR | {
    Action.VIEW_ALL_REPORTS,
    Action.EXPORT,
    Action.VIEW_AUDIT,
    Action.BACKUP,
    Action.VIEW_REVIEW_REPORT,
}
_ADMIN = _MANAGER | {Action.MANAGE_USERS, Action.MANAGE_PRODUCTS, Action.MANAGE_SETTINGS, Action.RESTORE}

#: The prescriber / medical director (NP, PA, MD): orders and chart review, reading the charts they need.
#: Orders and co-signatures are clinical acts of a licensed prescriber: no administrator has them.
_PRESCRIBER = {
    Action.VIEW_PATIENTS,
    Action.PRINT,
    Action.RECORD_CONSENT,
    Action.WRITE_ORDERS,
    Action.REVIEW_CHARTS,
    Action.VIEW_REVIEW_REPORT,
}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.INJECTOR: frozenset(_INJECTOR),
    Role.PRESCRIBER: frozenset(_PRESCRIBER),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_ADMIN),
}


class RightsChanged(PermissionDenied):
    """The acting user was deactivated, or their role changed, after they signed in."""


@dataclass(frozen=True)
class Actor:
    """The signed-in user on whose behalf a service acts."""

    user_id: int
    username: str
    full_name: str
    credentials: str
    role: Role

    @property
    def signature_name(self) -> str:
        """'Maria López, RN'."""
        return name_with_credentials(self.full_name, self.credentials)

    def can(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise PermissionDenied(f"{self.full_name} ({self.role.label}) may not {action.value}")
