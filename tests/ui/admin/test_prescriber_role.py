"""The prescriber / medical director role is offered in the users screen and described from the matrix."""

from __future__ import annotations

from clinicrec.domain.enums import Role
from clinicrec.ui.admin.users_screen import _ROLE_ORDER, role_summary


def test_the_prescriber_role_is_offered_and_summarised_from_the_matrix() -> None:
    assert Role.PRESCRIBER in _ROLE_ORDER
    summary = role_summary(Role.PRESCRIBER)
    assert "write prescriber orders" in summary and "review and co-sign charts" in summary
    assert "chart sessions" not in summary and "manage users" not in summary
    assert not summary.startswith("everything")
