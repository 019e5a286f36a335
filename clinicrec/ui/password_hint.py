"""The strength hint under every new-password field (setup, change password, new user, reset)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QLineEdit

from ..services.passwords import MIN_LENGTH, assess
from .style import set_role

__all__ = ["HINT", "attach_strength_hint"]

HINT = (
    f"At least {MIN_LENGTH} characters, not a common password, not your name or the clinic's; "
    "a few unrelated words make a strong one."
)


def attach_strength_hint(edit: QLineEdit, hint: QLabel, names: Callable[[], tuple[str, ...]]) -> None:
    """Grade the password in ``edit`` as it is typed, in ``hint``: the same rules the services apply.

    ``names`` gives the words no password may be made of (user name, full name, clinic name) at the
    moment of typing, so a name typed in the same form counts too.
    """

    def update(text: str) -> None:
        if not text:
            hint.setText(HINT)
            set_role(hint, "muted")
            return
        strength = assess(text, *names())
        words = f"Strength: {strength.label}." + (f" {strength.advice}" if strength.advice else "")
        hint.setText(words)
        set_role(hint, "error" if not strength.acceptable else ("good" if strength.score >= 3 else "muted"))
        hint.setAccessibleDescription(words)

    edit.textChanged.connect(update)
