"""Text helpers shared by every layer (no Qt, no SQLAlchemy)."""

from __future__ import annotations

import unicodedata

_EXTRA = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)


def fold(text: str) -> str:
    """Case- and accent-insensitive key for search: 'Zoë Ñúñez-Øster' -> 'zoe nunez-oster'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
