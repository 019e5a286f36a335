"""The coloured banner over a session: signed (green), amendment (amber), touch-up (teal)."""

from __future__ import annotations

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


def banner_for(session: TreatmentSession, record: SessionRecord | None) -> tuple[str, str]:
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
            lines.append(f"Amended by session {a.session_id} ({a.author_name}): {a.reason}")
        style = SIGNED_STYLE
    if session.amends_id is not None:
        lines.append(f"Amendment of session {session.amends_id}. Reason: {session.amendment_reason}")
        style = style or AMEND_STYLE
    if session.touch_up_of_id is not None:
        lines.append(f"Touch-up of session {session.touch_up_of_id}.")
        style = style or INFO_STYLE
    return "\n".join(lines), style
