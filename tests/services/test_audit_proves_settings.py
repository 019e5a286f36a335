"""``audit verify`` proves a form's consent settings and the access tokens, as it proves the review settings.

Both decide who may do what: whether a session may be signed without a consent in force, and what an
unattended job may do and until when. Changed by SQL behind the application (a consent made optional, a
revoked token un-revoked, made an administrator's or given until 2099), verify names the table's record;
changed through the application, verify stays clean; and a database whose rows were written before
they were proven (schema 0019) is proven by the upgrade (services/audit_upgrade.py).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, select

from clinicrec.db.migrate import alembic_config
from clinicrec.db.migrations import HEAD
from clinicrec.db.models import AccessTokenRow, AuditRow
from clinicrec.domain.consent import ConsentSettings
from clinicrec.domain.enums import Role
from clinicrec.services import audit_state
from clinicrec.services.app import Services, open_services
from clinicrec.services.audit_upgrade import UPGRADE_USER
from tests.conftest import PASSWORD, World
from tests.services.test_audit_upgrade import world_as_older_version_wrote

FORM = "microbotox_treatment"
NEXT_MONTH = date.today() + timedelta(days=30)


def _problems(svc: Services) -> set[tuple[str | None, str | None, str | None]]:
    result = svc.audit_log.verify_chain(derived=False)
    return {(p.entity, p.record_id, p.field) for p in result.problems}


def _sql(svc: Services, statement: str) -> None:
    with svc.db.engine.begin() as c:
        c.exec_driver_sql(statement)


def _settings_and_tokens(world: World) -> Services:
    """Strict consent rules and a revoked token, as an administrator makes them."""
    admin = world.as_(world.admin)
    admin.consents.update_settings(
        ConsentSettings(FORM, 12, required_for_signing=True, typed_name_allowed=False)
    )
    admin.tokens.create("probe", Role.INJECTOR, NEXT_MONTH)
    admin.tokens.revoke("probe")
    return admin


def test_consent_settings_loosened_behind_the_application_are_named(world: World) -> None:
    admin = _settings_and_tokens(world)
    assert _problems(admin) == set()
    _sql(admin, f"UPDATE consent_settings SET required_for_signing = 0 WHERE form_key = '{FORM}'")
    assert _problems(admin) == {("consent_settings", FORM, "required_for_signing")}
    result = admin.audit_log.verify_chain(derived=False)
    assert "consent settings microbotox_treatment: required_for_signing is 0 but the trail says 1" in (
        result.problems[0].message
    )


def test_consent_settings_added_or_removed_behind_the_application_are_named(world: World) -> None:
    admin = _settings_and_tokens(world)
    _sql(admin, "INSERT INTO consent_settings VALUES ('photo', 120, 0, 1)")
    _sql(admin, f"DELETE FROM consent_settings WHERE form_key = '{FORM}'")  # back to the defaults
    assert _problems(admin) == {("consent_settings", "photo", None), ("consent_settings", FORM, None)}


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ("revoked_at = NULL, revoked_by = NULL", "revoked_at"),
        ("role = 'admin'", "role"),
        ("expires_at = '2099-01-01 00:00:00.000000'", "expires_at"),
    ],
    ids=["un-revoked", "made-admin", "extended"],
)
def test_a_token_changed_behind_the_application_is_named(world: World, edit: str, field: str) -> None:
    admin = _settings_and_tokens(world)
    with admin.db.read() as s:
        token_id = s.execute(select(AccessTokenRow.id).where(AccessTokenRow.name == "probe")).scalar_one()
    _sql(admin, f"UPDATE access_tokens SET {edit} WHERE id = {token_id}")
    assert _problems(admin) == {("access_token", str(token_id), field)}


def test_changes_through_the_application_keep_verify_clean(world: World) -> None:
    admin = _settings_and_tokens(world)
    admin.consents.update_settings(ConsentSettings(FORM, 24, required_for_signing=False))
    admin.consents.update_settings(ConsentSettings("photo", 6))
    secret = admin.tokens.create("nightly", Role.MANAGER, NEXT_MONTH).secret
    admin.tokens.sign_in(secret)  # a sign-in is audited but changes no row
    world.as_(world.admin).tokens.revoke("nightly")
    result = world.as_(world.admin).audit_log.verify_chain(derived=False)
    assert result.ok, [p.message for p in result.problems]
    with admin.db.read() as s:
        hashed = s.execute(
            select(AuditRow.entity, AuditRow.entity_id)
            .where(AuditRow.entity.in_(["consent_settings", "access_token"]), AuditRow.row_hash.is_not(None))
            .order_by(AuditRow.id)
        ).all()
    assert [e for e, _ in hashed].count("consent_settings") == 3
    assert [e for e, _ in hashed].count("access_token") == 4  # two made, two revoked


@pytest.fixture
def written_at_0019(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    """A database whose consent settings and tokens were written by schema 0019's application, then a
    row added behind it; taken back to 0019 (no table changed since)."""
    new_kinds = ("consent_settings", "access_token")
    world_as_older_version_wrote(world, monkeypatch)
    with monkeypatch.context() as m:
        for entity in new_kinds:
            m.delitem(audit_state.BY_ENTITY, entity)
        m.setattr(audit_state, "KINDS", tuple(k for k in audit_state.KINDS if k.entity not in new_kinds))
        admin = _settings_and_tokens(world)
    with admin.db.read() as s:
        assert s.execute(select(AuditRow.row_hash).where(AuditRow.entity.in_(new_kinds))).scalars().all() == [
            None,
            None,
            None,
        ]
        token_id = s.execute(select(AccessTokenRow.id)).scalar_one()
    url = admin.db.url
    admin.db.dispose()
    engine = create_engine(url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            from alembic import command

            command.downgrade(cfg, "0019")
    finally:
        engine.dispose()
    return url, token_id


def test_an_upgraded_database_proves_its_settings_and_tokens(written_at_0019: tuple[str, int]) -> None:
    url, token_id = written_at_0019
    svc = open_services(url)
    try:
        svc.auth.sign_in("admin", PASSWORD)
        result = svc.audit_log.verify_chain(derived=False)
        assert result.ok, [p.message for p in result.problems]
        with svc.db.read() as s:
            upgrade = s.execute(
                select(AuditRow.entity, AuditRow.entity_id, AuditRow.changes).where(
                    AuditRow.username == UPGRADE_USER,
                    # not the catalogue's correction, which any upgrade across 0021 makes (its own test)
                    AuditRow.changes.not_like("%max_dose_period_months%"),
                )
            ).all()
        assert {(e, i) for e, i, _ in upgrade} == {
            ("consent_settings", FORM),
            ("access_token", str(token_id)),
        }
        assert all(c == f'{{"schema":["0019","{HEAD}"]}}' for _, _, c in upgrade)
        _sql(svc, "UPDATE consent_settings SET required_for_signing = 0, validity_months = 120")
        _sql(svc, "UPDATE access_tokens SET revoked_at = NULL, revoked_by = NULL")
        assert {(e, i) for e, i, _ in _problems(svc)} == {
            ("consent_settings", FORM),
            ("access_token", str(token_id)),
        }
    finally:
        svc.db.dispose()
