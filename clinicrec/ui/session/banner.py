"""The coloured banner over a session: signed (green), amendment (amber), touch-up (teal)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ...domain.enums import SessionStatus
from ...domain.models import SessionRecord, TreatmentSession
from ..style import active, tone_css
from .form_helpers import local

_SHAPE = "border-radius: 4px; padding: 7px 10px;"


def _signed_style() -> str:
    return f"{tone_css('good')} border-left: 6px solid {active().good}; {_SHAPE} font-weight: 600;"


def _amend_style() -> str:
    return f"{tone_css('warn')} border-left: 6px solid {active().warn_border}; {_SHAPE}"


def _info_style() -> str:
    return f"{tone_css('info')} border-radius: 4px; padding: 7px 10px;"


def banner_for(
    session: TreatmentSession,
    record: SessionRecord | None,
    performed: Callable[[int], datetime | None] = lambda _id: None,
) -> tuple[str, str]:
    """The banner's text and style. Sessions are named by when they were performed (``performed`` looks
    that up), never by the database's internal numbers."""

    def named(session_id: int) -> str:
        when = performed(session_id)
        return f"the session of {local(when)}" if when is not None else "an earlier session"

    lines: list[str] = []
    style = ""
    if session.status == SessionStatus.SIGNED and record is not None and record.signature is not None:
        sig = record.signature
        who = sig.signer
        lines.append(
            f"✔ Signed by {who} at {local(sig.signed_at)}. Read-only: corrections are made by "
            "an amendment (Amend…)."
        )
        for a in record.amended_by:
            lines.append(f"Amended on {local(a.at)} by {a.author_name}: {a.reason}")
        style = _signed_style()
    if session.amends_id is not None:
        lines.append(f"Amendment of {named(session.amends_id)}. Reason: {session.amendment_reason}")
        style = style or _amend_style()
    if session.touch_up_of_id is not None:
        lines.append(f"Touch-up of {named(session.touch_up_of_id)}.")
        style = style or _info_style()
    return "\n".join(lines), style
