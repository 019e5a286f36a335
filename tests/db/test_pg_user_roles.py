"""PostgreSQL: each ClinicRec user signs in as their own role; the server refuses what the role x action
matrix forbids, whatever a workstation sends. The matrix a second time, as raw SQL under each role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from clinicrec.db.pg_roles import GROUPS, login_role, login_role_statements, set_login_role
from tests.conftest import PASSWORD, World
from tests.services.test_access import draft_by, follow_up, new_patient, signed_by

pytestmark = pytest.mark.postgres
ALL = {"nurse", "manager", "admin"}


@pytest.fixture
def roles(world: World, backend: str, db_url: str) -> Iterator[dict[str, Engine]]:
    """Login roles for nurse, nurse2, manager and admin (SCRAM passwords); one engine per role."""
    if backend != "postgresql":
        pytest.skip(
            "PostgreSQL roles; the SQLite file is protected by encryption (tests/db/test_encryption.py)"
        )
    owner = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as c:
        c.exec_driver_sql("SET password_encryption = 'scram-sha-256'")
    database = make_url(db_url).database
    for username, role in (
        ("nurse", "injector"),
        ("nurse2", "injector"),
        ("manager", "manager"),
        ("admin", "admin"),
    ):
        set_login_role(owner, username, role, password=PASSWORD)
    with owner.connect() as c:
        for group in GROUPS.values():
            c.exec_driver_sql(f"GRANT CONNECT ON DATABASE {database} TO {group}")
        stored = c.exec_driver_sql(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %(r)s", {"r": login_role("nurse")}
        ).scalar_one()
    assert stored.startswith("SCRAM-SHA-256$") and scram_matches(stored, PASSWORD)
    engines = {
        name: create_engine(
            make_url(db_url)
            .set(username=login_role(name), password=PASSWORD)
            .render_as_string(hide_password=False)
        )
        for name in ("nurse", "manager", "admin")
    }
    yield engines
    for engine in engines.values():
        engine.dispose()
    owner.dispose()


def workstation_of(db_url: str) -> str:
    """What a workstation holds: the server and the database, no user and no password."""
    u = make_url(db_url)
    return URL.create(u.drivername, host=u.host, port=u.port, database=u.database).render_as_string()


def _copy_row(table: str, source_id: int, **changes: object) -> str:
    """INSERT copying row ``source_id`` of ``table`` with ``changes`` (whatever columns the schema has)."""
    sets = ", ".join(f"{k} := {v!r}" for k, v in changes.items())  # documentation only
    del sets
    return (
        f"INSERT INTO {table} SELECT (json_populate_record(NULL::{table}, "
        f"(to_jsonb(t) - 'id' || jsonb_build_object('id', nextval(pg_get_serial_sequence('{table}', 'id')))"
        + "".join(f" || jsonb_build_object('{k}', {v!r})" for k, v in changes.items())
        + f")::json)).* FROM {table} t WHERE t.id = {source_id}"
    )


def audit_insert(user_id: int, username: str) -> str:
    return (
        "INSERT INTO audit_log (id, at, user_id, username, action, entity, entity_id, changes, prev_hash,"
        f" hash) VALUES ((SELECT last_id + 1 FROM audit_head), now(), {user_id}, '{username}', 'view',"
        " 'patient', '1', '{}', '', '')"
    )


def outcome(engine: Engine, sql: str) -> str:
    """'ok' (rows changed or read), 'filtered' (the row rules left nothing to change) or 'refused'."""
    with engine.connect() as conn:
        try:
            result = conn.execute(text(sql))
            kind = (
                "ok"
                if not sql.lstrip().upper().startswith(("UPDATE", "DELETE")) or result.rowcount
                else "filtered"
            )
        except DBAPIError as e:
            # insufficient_privilege: privileges, row-level security, the audit identity rule, ownership
            assert getattr(e.orig, "sqlstate", None) == "42501", e.orig
            kind = "refused"
        finally:
            conn.rollback()  # the matrix leaves the data as it was
    return kind


def test_the_role_x_action_matrix_as_raw_sql_under_each_role(world: World, roles: dict[str, Engine]) -> None:
    signed = signed_by(world, world.manager)
    own_draft = draft_by(world, world.injector)
    others_draft = draft_by(world, world.injector2)
    patient = new_patient(world, 7)
    ids = {
        name: getattr(world, attr).user_id for name, attr in (("nurse", "injector"), ("nurse2", "injector2"))
    }
    me = {"nurse": world.injector, "manager": world.manager, "admin": world.admin}
    with world.services.db.read() as s:  # each signed part has rows, so that a refusal means something
        for table in ("injection_points", "session_vials"):
            assert s.execute(
                text(f"SELECT count(*) FROM {table} WHERE session_id = {signed.id}")
            ).scalar_one()
        baseline_of_signed = s.execute(
            text(f"SELECT id FROM assessments WHERE session_id = {signed.id} AND time_point = 'baseline'")
        ).scalar_one()

    cases: list[tuple[str, str, set[str]]] = [
        ("view patients", "SELECT * FROM patients", ALL),
        ("edit patients", f"UPDATE patients SET phone = '+1 555 0199' WHERE id = {patient.id}", ALL),
        ("open a vial", _copy_row("vials", 1, lot_number="RAW-1"), ALL),
        ("chart as oneself", _copy_row("treatment_sessions", own_draft.id, notes="raw"), ALL),  # type: ignore[arg-type]
        (
            "change one's own draft",
            f"UPDATE treatment_sessions SET notes = 'x' WHERE id = {own_draft.id}",
            ALL,
        ),
        (
            "change another injector's draft",
            f"UPDATE treatment_sessions SET notes = 'x' WHERE id = {others_draft.id}",
            {"manager", "admin"},
        ),
        (
            "chart in another injector's name",
            _copy_row("treatment_sessions", own_draft.id, injector_id=ids["nurse2"]),  # type: ignore[arg-type]
            {"manager", "admin"},
        ),
        (
            "change a signed session",
            f"UPDATE treatment_sessions SET notes = 'x' WHERE id = {signed.id}",
            set(),
        ),
        ("remove a signed session", f"DELETE FROM treatment_sessions WHERE id = {signed.id}", set()),
        # a signed session's own rows: never changed, added to or removed (pg_roles.SESSION_PART_RULES)
        (
            "change a signed session's doses",
            f"UPDATE injection_points SET units = units * 2 WHERE session_id = {signed.id}",
            set(),
        ),
        (
            "remove a signed session's points",
            f"DELETE FROM injection_points WHERE session_id = {signed.id}",
            set(),
        ),
        ("add a point to a signed session", _copy_row("injection_points", signed.points[0].id), set()),  # type: ignore[arg-type]
        (
            "move a signed session to another vial",
            f"UPDATE session_vials SET seq = 9 WHERE session_id = {signed.id}",
            set(),
        ),
        (
            "change a signed session's baseline",
            f"UPDATE assessments SET pores = 1 WHERE session_id = {signed.id} AND time_point = 'baseline'",
            set(),
        ),
        (
            "change one's own draft's doses",
            f"UPDATE injection_points SET units = 1 WHERE session_id = {own_draft.id}",
            ALL,
        ),
        (
            "change another injector's draft's doses",
            f"UPDATE injection_points SET units = 1 WHERE session_id = {others_draft.id}",
            {"manager", "admin"},
        ),
        (
            "add a follow-up to a signed session",
            _copy_row("assessments", baseline_of_signed, time_point="day_14"),
            ALL,
        ),
        (
            "find a record's newest entry's row hash",
            "SELECT id, entity, entity_id, action, row_hash FROM audit_log",
            ALL,
        ),
        ("read who changed a record", "SELECT username, at, changes FROM audit_log", {"manager", "admin"}),
        ("see the audit trail", "SELECT * FROM audit_log", {"manager", "admin"}),
        ("change an audit entry", "UPDATE audit_log SET username = 'x'", set()),
        ("remove audit entries", "DELETE FROM audit_log", set()),
        ("empty the audit trail", "TRUNCATE audit_log", set()),
        (
            "make someone an administrator",
            "UPDATE users SET role = 'admin' WHERE username = 'nurse2'",
            {"admin"},
        ),
        ("add a user", _copy_row("users", ids["nurse2"], username="intruder"), {"admin"}),
        (
            "change another user's password",
            "UPDATE users SET failed_attempts = 0 WHERE username = 'nurse2'",
            {"admin"},
        ),
        ("manage products", "UPDATE products SET max_dose_units = 999", {"admin"}),
        ("manage clinic settings", "UPDATE clinic SET name = 'Taken Over'", {"admin"}),
        ("drop a table (restore over the database)", "DROP TABLE adverse_events", set()),
        ("empty the patients (restore over the database)", "TRUNCATE patients CASCADE", set()),
    ]
    refused_seen = 0
    for name, engine in roles.items():
        actor = me[name]
        own = [
            (
                "change one's own sign-in columns",
                f"UPDATE users SET failed_attempts = 0 WHERE id = {actor.user_id}",
                ALL,
            ),
            (
                "raise one's own role",
                f"UPDATE users SET role = 'admin' WHERE id = {actor.user_id}",
                {"admin"},
            ),
            (
                "write an audit entry in someone else's name",
                audit_insert(ids["nurse2"], "nurse2"),
                set(),
            ),
            (
                "write an audit entry in one's own name",
                audit_insert(actor.user_id, actor.username),
                ALL,
            ),
        ]
        for label, sql, allowed in cases + own:
            got = outcome(engine, sql)
            expected = "ok" if name in allowed else ("filtered", "refused")
            assert got == expected or got in expected, f"{name}: {label}: {got}"
            refused_seen += got != "ok"
    assert refused_seen >= 45


def test_a_deactivated_users_role_can_no_longer_sign_in(
    world: World, roles: dict[str, Engine], db_url: str
) -> None:
    owner = create_engine(db_url, isolation_level="AUTOCOMMIT")
    set_login_role(owner, "nurse", "injector", active=False)
    owner.dispose()
    roles["nurse"].dispose()
    with pytest.raises(DBAPIError, match="not permitted to log in"):
        roles["nurse"].connect()


def test_login_role_statements_move_a_user_between_groups() -> None:
    stmts = login_role_statements("maria.lopez", "manager", password=None)
    assert 'GRANT clinicrec_manager TO "cr_maria.lopez"' in stmts
    assert 'REVOKE clinicrec_admin FROM "cr_maria.lopez"' in stmts
    assert 'REVOKE clinicrec_injector FROM "cr_maria.lopez"' in stmts
    with pytest.raises(ValueError):
        login_role('bad"; DROP ROLE postgres; --')


def scram_matches(verifier: str, password: str) -> bool:
    """Does PostgreSQL's stored SCRAM-SHA-256 verifier belong to ``password``? (RFC 5802 / 7677)

    The test server trusts local connections (scripts/pg-test-server.sh), so the password is checked
    against what the server stores rather than by connecting."""
    import base64
    import hashlib
    import hmac

    head, keys = verifier.split("$", 1)[1].split("$")
    iterations, salt = head.split(":")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    server = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    stored = hashlib.sha256(hmac.new(salted, b"Client Key", hashlib.sha256).digest()).digest()
    return hmac.compare_digest(server, server_key) and hmac.compare_digest(stored, stored_key)


def test_accounts_kept_in_step_with_their_login_roles(world: World, backend: str, db_url: str) -> None:
    """Adding a user, a password reset, a change of role and a deactivation reach the server at once."""
    from dataclasses import replace

    from clinicrec.domain.enums import Role
    from clinicrec.domain.models import User

    if backend != "postgresql":
        pytest.skip("PostgreSQL roles")
    svc = world.as_(world.admin)
    user = svc.auth.create_user(User("omar.a", "Omar Ahmed", "RN", Role.INJECTOR), "omar's first passphrase")

    def connect(password: str) -> Engine:
        url = make_url(db_url).set(username=login_role("omar.a"), password=password)
        return create_engine(url.render_as_string(hide_password=False))

    owner = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as c:
        c.exec_driver_sql(f"GRANT CONNECT ON DATABASE {make_url(db_url).database} TO clinicrec_injector")

        def groups() -> set[str]:
            rows = c.exec_driver_sql(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'cr_omar.a'"
            )
            return {r[0] for r in rows}

        def verifier() -> str:
            return str(
                c.exec_driver_sql(
                    "SELECT rolpassword FROM pg_authid WHERE rolname = 'cr_omar.a'"
                ).scalar_one()
            )

        assert groups() == {"clinicrec_injector"}
        assert scram_matches(verifier(), "omar's first passphrase")
        assert not scram_matches(verifier(), "omar's second passphrase")
        engine = connect("omar's first passphrase")
        with engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text("SELECT * FROM audit_log"))  # an injector's role
        engine.dispose()
        svc.auth.reset_password(user.id, "omar's second passphrase")  # type: ignore[arg-type]
        assert scram_matches(verifier(), "omar's second passphrase")
        assert not scram_matches(verifier(), "omar's first passphrase")
        svc.auth.update_user(replace(svc.auth.get_user(user.id), role=Role.MANAGER))  # type: ignore[arg-type]
        assert groups() == {"clinicrec_manager"}
        engine = connect("omar's second passphrase")
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM audit_log"))  # now a manager's role
        engine.dispose()
        svc.auth.update_user(replace(svc.auth.get_user(user.id), active=False))  # type: ignore[arg-type]
        with pytest.raises(DBAPIError, match="not permitted to log in"):
            connect("omar's second passphrase").connect()
    owner.dispose()


def test_a_chart_is_charted_signed_amended_and_followed_up_under_each_users_own_role(
    world: World, roles: dict[str, Engine], db_url: str
) -> None:
    """The row rules let the application do everything charting needs as the signed-in user's own login
    role: a draft saved twice (its check reads its newest entry's row hash), signed (the rule for a draft
    was applied to the signed row too, and no one could sign), amended by a manager, followed up."""
    from clinicrec.services.pg_sign_in import sign_in_pg_role
    from tests.conftest import make_patient, make_vial
    from tests.services.test_charting import chart, grid

    workstation = workstation_of(db_url)
    nurse = sign_in_pg_role(workstation, "nurse", PASSWORD)
    try:
        patient = make_patient(nurse)
        vial = make_vial(nurse)
        draft = nurse.charting.save_draft(chart(world, patient, grid(vial, 0.4, 3)))
        for w in nurse.charting.warnings(draft):
            draft = nurse.charting.acknowledge(draft, w, "checked")
        draft = nurse.charting.save_draft(draft)
        signed = nurse.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
        assert signed.status.value == "signed"
        nurse.records.add_follow_up(signed.id, follow_up())  # type: ignore[arg-type]
    finally:
        nurse.db.dispose()
    manager = sign_in_pg_role(workstation, "manager", PASSWORD)
    try:
        amendment = manager.charting.start_amendment(signed.id, "One dose mistyped")  # type: ignore[arg-type]
        amendment = manager.charting.save_draft(replace(amendment, points=amendment.points[:2]))
        done = manager.charting.sign(amendment.id, PASSWORD)  # type: ignore[arg-type]
        assert done.status.value == "signed" and done.amends_id == signed.id and len(done.points) == 2
    finally:
        manager.db.dispose()
    with world.services.db.read() as s:  # the original as it was signed
        assert (
            s.execute(
                text(f"SELECT count(*) FROM injection_points WHERE session_id = {signed.id}")
            ).scalar_one()
            == 3
        )


def test_an_injectors_stale_edit_is_refused_as_such_under_their_own_role(
    world: World, roles: dict[str, Engine], db_url: str
) -> None:
    """The refusal of an edit made on an old copy names who changed it, from the trail, which an injector's
    own role may not read: they are told that someone else changed it (not a permission error)."""
    from datetime import date

    from clinicrec.domain.enums import AdverseEventKind, Severity
    from clinicrec.domain.errors import ConcurrentEditError
    from clinicrec.domain.models import AdverseEvent
    from clinicrec.services.pg_sign_in import sign_in_pg_role

    session = signed_by(world, world.injector)
    event = world.services.records.add_adverse_event(
        session.id,  # type: ignore[arg-type]
        AdverseEvent(AdverseEventKind.BRUISING, date.today(), Severity.MILD),
    )
    workstation = workstation_of(db_url)
    manager, nurse = (sign_in_pg_role(workstation, name, PASSWORD) for name in ("manager", "nurse"))
    try:
        manager.records.update_adverse_event(replace(event, severity=Severity.MODERATE))
        with pytest.raises(ConcurrentEditError) as refused:
            nurse.records.update_adverse_event(replace(event, notes="settled"))
        assert "changed by someone else after you opened it" in str(refused.value)
        with pytest.raises(ConcurrentEditError) as told:  # a manager reads the trail: told who
            manager.records.update_adverse_event(replace(event, notes="settled"))
        assert "changed by Morgan Manager at" in str(told.value)
    finally:
        nurse.db.dispose()
        manager.db.dispose()


def test_a_patient_import_goes_in_under_the_administrators_own_role(
    world: World, roles: dict[str, Engine], db_url: str
) -> None:
    """An import writes its patients and their audit entries with COPY (db/bulk_rows.py), which
    PostgreSQL refuses on a table whose row rules apply to the writer: patients and the audit trail have
    none, and the trail's identity trigger still checks every entry copied in, under the signed-in
    administrator's own login role. The trail is then proven."""
    from clinicrec.services.interop.csv_read import read_csv
    from clinicrec.services.interop.patient_import import Decision, PatientImportService
    from clinicrec.services.pg_sign_in import sign_in_pg_role
    from tests.services.interop.test_import_write import TRICKY, _csv

    admin = sign_in_pg_role(workstation_of(db_url), "admin", PASSWORD)
    try:
        svc = PatientImportService(admin.ctx)
        plan = svc.plan_csv(read_csv(_csv(TRICKY)), source="tricky.csv")
        assert not plan.rejects, plan.rejects
        assert svc.run(plan, all_duplicates=Decision.IMPORT).imported == len(TRICKY)
        with admin.db.read() as s:
            copied = s.execute(
                text(
                    "SELECT count(*), min(username), max(username) FROM audit_log "
                    "WHERE entity = 'patient' AND action = 'create'"
                )
            ).one()
    finally:
        admin.db.dispose()
    assert tuple(copied) == (len(TRICKY), "admin", "admin")
    world.as_(world.admin)
    assert world.services.audit_log.verify_chain().ok
