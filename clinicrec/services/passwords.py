"""Password rules after NIST SP 800-63B (section 5.1.1.2), and the strength hint shown as one types.

- At least 10 characters (every character counts, spaces too), at most 256; no composition rules
  (no "one digit, one capital"): length and unpredictability are what make a password strong.
- Refused when it is in the list of common and breached passwords shipped with the application:
  the 30,000 most frequent passwords of leaked password sets, from the ``zxcvbn`` package's
  frequency lists (MIT licence; Dropbox's zxcvbn, whose password list was taken from Mark Burnett's
  10 million leaked passwords). The check is case-insensitive.
- Refused when it is easy to guess all the same: repeats (``aaaaaaaaaa``, ten spaces), sequences
  (``1234567890``, ``abcdefghij``), keyboard walks (``qwertyuiop``), or a common password with a few
  digits added (``password12``). zxcvbn estimates the number of guesses an attacker needs; below a
  million (its score 0 or 1) the password is refused with its reason.
- Refused when it is made of the user's own name or user name or the clinic's name (with digits and
  punctuation around them): NIST's "context-specific words".

zxcvbn is imported on first use so that starting the application does not wait for its word lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..domain.errors import FieldError, ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 256
#: zxcvbn score 2 ("somewhat guessable": at least 10^6 guesses) is the least we accept.
MIN_SCORE = 2
_LETTERS = re.compile(r"[^\w]|[\d_]", re.UNICODE)
_LEFTOVER_LETTERS = 4

SOURCE = (
    "the 30,000 most common passwords of leaked password sets, from the zxcvbn package's frequency "
    "lists (MIT licence)"
)


@dataclass(frozen=True)
class Strength:
    """What the hint under a new-password field says while the user types."""

    acceptable: bool
    score: int  # 0..4 (zxcvbn), 0 when refused for another reason
    label: str  # "Too short", "Too easy to guess", "Fair", "Good", "Strong"
    advice: str  # one plain sentence; empty when there is nothing to add


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _estimate(password: str, context: list[str]) -> dict[str, Any]:
    from zxcvbn import zxcvbn

    # zxcvbn's run time grows with length; the first 100 characters say all it needs to know.
    result: dict[str, Any] = zxcvbn(password[:100], user_inputs=context)
    return result


def _letters(text: str) -> str:
    return _LETTERS.sub("", text.casefold())


def _context_words(names: tuple[str, ...]) -> list[str]:
    """The user's and the clinic's names as whole strings and as words of 3 letters or more."""
    out: set[str] = set()
    for name in names:
        whole = _letters(name)
        if len(whole) >= 3:
            out.add(whole)
        for word in re.split(r"[\s\-_.@']+", name):
            word = _letters(word)
            if len(word) >= 3:
                out.add(word)
    return sorted(out, key=len, reverse=True)


def _made_of_names(password: str, words: list[str]) -> bool:
    """True when, taking away the names (and the digits and punctuation), little is left."""
    core = _letters(password)
    if not core:
        return False
    rest = core
    for word in words:
        rest = rest.replace(word, "")
    return rest != core and len(rest) < _LEFTOVER_LETTERS


def assess(password: str, *names: str) -> Strength:
    """How strong ``password`` is for a user with these names (user name, full name, clinic name)."""
    if len(password) < MIN_LENGTH:
        return Strength(False, 0, "Too short", f"At least {MIN_LENGTH} characters ({len(password)} so far).")
    if len(password) > MAX_LENGTH:
        return Strength(False, 0, "Too long", f"At most {MAX_LENGTH} characters.")
    if password.casefold() in _common_passwords():
        return Strength(
            False, 0, "Too easy to guess", "This is one of the most common passwords; choose another."
        )
    words = _context_words(tuple(n for n in names if n))
    if _made_of_names(password, words):
        return Strength(
            False,
            0,
            "Too easy to guess",
            "It is made of your name or the clinic's name; choose words nobody would link to you.",
        )
    result = _estimate(password, words)
    score = int(result["score"])
    warning = (result.get("feedback") or {}).get("warning") or ""
    if score < MIN_SCORE:
        advice = warning or "Add another word or two; uncommon words are better."
        return Strength(False, score, "Too easy to guess", advice)
    label = {2: "Fair", 3: "Good"}.get(score, "Strong")
    advice = "" if score >= 3 else "Acceptable; another uncommon word would make it stronger."
    return Strength(True, score, label, advice)


def check_password(password: str, *names: str, field: str = "password") -> None:
    """Raise ValidationError naming ``field`` when the password breaks the rules above."""
    if not isinstance(password, str):
        raise ValidationError(FieldError(field, "Password must be text"))
    strength = assess(password, *names)
    if not strength.acceptable:
        if strength.label in ("Too short", "Too long"):
            message = f"Password must be {strength.advice[0].lower()}{strength.advice[1:]}"
            message = message.replace(" so far)", " given)")
        else:
            message = f"Password is too easy to guess: {strength.advice}"
        raise ValidationError(FieldError(field, message))
