"""The coloured banner over a session: signed (green), amendment (amber), touch-up (teal)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ...domain.enums import SessionStatus
from ...domain.models import SessionRecord, TreatmentSession
from ..style import ACCENT_SOFT, WARN_BG, WARN_BORDER
from .form_helpers import local

SIGNED_STYLE = (
    "color: #14532d; background: #e7f5ec; border: 1px solid #9fd3b0; border-left: 6px solid #1b7f3b;"
    " border-radius: 4px; padding: 7px 10px; font-weight: 600;"
)
AMEND_STYLE = (
    f"color: #6b4500; background: {WARN_BG}; border: 1px solid {WARN_BORDER};"
    " border-left: 6px solid #c98a00; border-radius: 4px; padding: 7px 10px;"
)
INFO_STYLE = (
    f"color: #134e4a; background: {ACCENT_SOFT}; border: 1px solid #a7d3ce;"
    " border-radius: 4px; padding: 7px 10px;"
)


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
        style = SIGNED_STYLE
    if session.amends_id is not None:
        lines.append(f"Amendment of {named(session.amends_id)}. Reason: {session.amendment_reason}")
        style = style or AMEND_STYLE
    if session.touch_up_of_id is not None:
        lines.append(f"Touch-up of {named(session.touch_up_of_id)}.")
        style = style or INFO_STYLE
    return "\n".join(lines), style
