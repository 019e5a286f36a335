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


def test_the_demo_s_entries_carry_the_time_and_user_of_its_history(tmp_path: Path) -> None:
    """``audit.record_bulk`` writes the demo's entries (one per record) with each record's own time and
    user (a vial opened by Maria on its day; a session signed by its signer when signed)."""
    import sqlite3

    path = tmp_path / "demo.sqlite3"
    build_demo(f"sqlite:///{path}", patients=60, today=date(2026, 6, 30))
    conn = sqlite3.connect(path)
    try:
        vials = conn.execute(
            "SELECT a.at, v.created_at, a.user_id, v.opened_by_id, a.username, u.username FROM audit_log a "
            "JOIN vials v ON a.entity = 'vial' AND a.entity_id = CAST(v.id AS TEXT) "
            "JOIN users u ON u.id = v.opened_by_id"
        ).fetchall()
        signed = conn.execute(
            "SELECT a.at, s.signed_at, a.user_id, s.signed_by_id FROM audit_log a "
            "JOIN treatment_sessions s ON a.entity = 'session' AND a.entity_id = CAST(s.id AS TEXT) "
            "WHERE a.action = 'sign'"
        ).fetchall()
        n_vials, n_signed = conn.execute(
            "SELECT (SELECT count(*) FROM vials), (SELECT count(*) FROM treatment_sessions "
            "WHERE status = 'signed')"
        ).fetchone()
        imports = conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'demo_import'").fetchone()[0]
    finally:
        conn.close()
    assert len(vials) == n_vials > 0 and len(signed) == n_signed > 0 and imports == 1
    assert all(at == made and uid == by and name == user for at, made, uid, by, name, user in vials)
    assert all(at == when and uid == by for at, when, uid, by in signed)
    assert len({at for at, *_ in vials}) > 1  # not all stamped with the time of the build
