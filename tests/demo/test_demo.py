"""The demo generator (clinicrec/demo/) builds a database the application accepts as its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clinicrec.demo import DEMO_PASSWORD, DEMO_USERS, build_demo
from clinicrec.services.app import open_services


def test_a_small_demo_is_complete_and_its_audit_trail_verifies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    summary = build_demo(url, patients=80, today=date(2026, 6, 30))
    assert summary.patients == 80
    assert summary.sessions > 0 and summary.points > summary.sessions and summary.vials > 0
    services = open_services(url)
    try:
        services.act_as(services.auth.sign_in("manager", DEMO_PASSWORD))
        result = services.audit_log.verify_chain()
        assert result.ok, result.first_problem
        assert result.signed_sessions_checked > 0
        assert {u.username for u in services.auth.list_users()} == {u[0] for u in DEMO_USERS}
    finally:
        services.db.dispose()
    with pytest.raises(ValueError, match="new, empty database"):
        build_demo(url, patients=5)
