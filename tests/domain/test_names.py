"""'Name, credentials' (how an injector is named on charts, handouts, signatures, screens) is built in one
place: domain.models.name_with_credentials."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import clinicrec
from clinicrec.domain.enums import Role
from clinicrec.domain.models import Signature, User, name_with_credentials
from clinicrec.services.permissions import Actor


def test_name_with_and_without_credentials() -> None:
    assert name_with_credentials("Maria López", "RN") == "Maria López, RN"
    assert name_with_credentials("Maria López", "") == "Maria López"
    user = User("maria", "Maria López", "RN", Role.INJECTOR)
    actor = Actor(3, "maria", "Maria López", "RN", Role.INJECTOR)
    signature = Signature("Maria López", "RN", datetime(2026, 3, 1, 10, 30, tzinfo=UTC))
    assert user.signature_name == actor.signature_name == signature.signer == "Maria López, RN"
    assert signature.describe() == "Maria López, RN, 2026-03-01 10:30 UTC (signed as administering injector)"
    assert Actor(4, "sam", "Sam O'Neill", "", Role.INJECTOR).signature_name == "Sam O'Neill"


def test_no_other_module_spells_the_format_out() -> None:
    """A second copy of the format would drift (a comma here, a dash there): every caller uses the one."""
    root = Path(clinicrec.__file__).parent
    pattern = re.compile(r"\{[^{}]*(full_name|signer_name)\}, \{[^{}]*credentials\}")
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["domain/models.py"], found  # the one place (which also shows the check sees it)
