"""Start-up on a damaged database: the user is told plainly and offered the latest good backup."""

from __future__ import annotations

from sqlalchemy import func, select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import PatientRow
from clinicrec.services.maintenance import check_database
from tests.conftest import PASSWORD, World, make_patient
from tests.db.test_integrity import damage, fingerprint


def _damaged_with_backup(world: World):  # type: ignore[no-untyped-def]
    svc = world.services
    make_patient(svc)
    svc.act_as(world.admin)
    backup = svc.maintenance.backup_now()
    make_patient(svc)  # after the backup
    svc.db.dispose()
    assert world.path is not None
    damage(world.path, "patients")
    return world.path, backup


def test_damaged_database_restored_from_the_latest_backup(world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.app import offer_restore

    path, backup = _damaged_with_backup(world)
    url = f"sqlite:///{path}"
    result = check_database(url)
    assert not result.ok and result.latest_backup is not None and result.latest_backup.path == backup.path
    prompts.queue(True, "admin", PASSWORD)
    assert offer_restore(result, url, prompts) is True
    kinds = [k for k, _title, _text in prompts.shown]
    assert kinds[0] == "error" and "damaged" in prompts.shown[0][2]
    assert kinds[-1] == "info" and "Restored" in prompts.shown[-1][2]
    assert check_database(url).ok
    db = Database(make_engine(url))
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(PatientRow)).scalar_one() == 1  # as in the backup
    db.dispose()


def test_wrong_administrator_password_restores_nothing(world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.app import offer_restore

    path, _backup = _damaged_with_backup(world)
    url = f"sqlite:///{path}"
    before = fingerprint(path)
    prompts.queue(True, "admin", "not the password")
    assert offer_restore(check_database(url), url, prompts) is False
    assert prompts.shown[-1][0] == "error"
    assert fingerprint(path)[0] == before[0]  # the damaged file was not touched


def test_declining_the_restore_leaves_the_file_alone(world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.app import offer_restore

    path, _backup = _damaged_with_backup(world)
    url = f"sqlite:///{path}"
    before = fingerprint(path)
    prompts.queue(False)
    assert offer_restore(check_database(url), url, prompts) is False
    assert fingerprint(path)[0] == before[0]


def test_the_command_starts_the_integrity_check_before_loading_the_application(  # type: ignore[no-untyped-def]
    monkeypatch, tmp_path
) -> None:
    """``clinicrec --db FILE`` hands run_app a check already running on FILE (it reads the whole file,
    so it runs while Qt, SQLAlchemy and the application load)."""
    import clinicrec.ui.app as app_module
    from clinicrec import cli

    seen: dict = {}  # type: ignore[type-arg]
    monkeypatch.setattr(app_module, "run_app", lambda url, **kw: seen.update(url=url, **kw) or 0)
    path = tmp_path / "clinic.sqlite3"
    assert cli.main(["--db", str(path)]) == 0
    assert seen["url"] == f"sqlite:///{path}"
    check = seen["started_check"]
    assert check is not None and check.path == path
    assert check.report().ok and not check.report().exists  # a new database: nothing to check yet
