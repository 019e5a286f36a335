"""The plain values the session controller works with: the form it reads, the safety state it shows,
and a service call on the worker that a deliberate act can wait for."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...domain.dosing import VialShortfall
from ...domain.enums import WarningKind
from ...domain.errors import FieldError
from ...domain.models import Acknowledgement, SafetyWarning, TreatmentSession
from ...domain.safety import acknowledgement_for
from ...domain.vial_draws import VialDraw


class DraftForm(Protocol):
    """The session's form fields (details, baseline), as the controller reads and fills them."""

    def load(self, session: TreatmentSession, *, default_form_version: str, obtained_by: str) -> None: ...

    def read(self, base: TreatmentSession) -> tuple[TreatmentSession, list[FieldError]]: ...


class NoForm:
    """A controller without a form: the session is what was loaded plus the points and vials."""

    def load(self, session: TreatmentSession, *, default_form_version: str, obtained_by: str) -> None:
        pass

    def read(self, base: TreatmentSession) -> tuple[TreatmentSession, list[FieldError]]:
        return base, []


@dataclass(frozen=True)
class SafetyState:
    """The warnings, vial shortfalls and live vial draws of the session as last checked, with the
    acknowledgements given (each covers its warning only as it stood when acknowledged)."""

    warnings: tuple[SafetyWarning, ...] = ()
    shortfalls: tuple[VialShortfall, ...] = ()
    acks: tuple[Acknowledgement, ...] = ()
    product_of_vial: dict[int, int] = field(default_factory=dict)
    draws: tuple[VialDraw, ...] = ()

    @property
    def reasons(self) -> dict[tuple[WarningKind, str], str]:
        """Per warning key: the reason of the acknowledgement that covers the warning as it stands now."""
        out: dict[tuple[WarningKind, str], str] = {}
        for w in self.warnings:
            ack = acknowledgement_for(w, self.acks)
            if ack is not None:
                out[w.key] = ack.reason
        return out

    @property
    def alerts(self) -> dict[int, str]:
        """Per product id: why its total is shown as an alert (a vial running short, over the maximum)."""
        out: dict[int, str] = {}
        for sf in self.shortfalls:
            if sf.vial_id in self.product_of_vial:
                out[self.product_of_vial[sf.vial_id]] = sf.message
        for w in self.warnings:
            if w.kind == WarningKind.OVER_MAX_DOSE:
                out[int(w.subject.split(":")[1])] = w.message
        return out

    def unacknowledged(self) -> list[SafetyWarning]:
        return [
            w for w in self.warnings if w.needs_acknowledgement and acknowledgement_for(w, self.acks) is None
        ]


@dataclass
class Job:
    """A save on the worker, with its outcome. An autosave's failure is shown quietly; a deliberate act's
    (``explicit``) is shown as asked, and ``then(saved)`` continues the act on the GUI thread."""

    session: TreatmentSession
    revision: int
    explicit: bool = False
    then: Callable[[bool], None] | None = None
    hold: bool = True  # the window is disabled until ``then`` runs
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    applied: bool = False
