"""Data at rest: the SQLite file and its backups encrypted with SQLCipher, the key wrapped per user.

Each test greps the real files' bytes for a patient's name, and opens them with each user's password,
the recovery key, and a wrong one.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from clinicrec.db import crypto, encryption
from clinicrec.db.models import UserRow
from clinicrec.domain.enums import Role, Sex
from clinicrec.domain.models import ClinicSettings, Patient, User
from clinicrec.services.app import Services, open_services
from clinicrec.services.auth import actor_of
from clinicrec.services.maintenance import MaintenanceService
from tests.conftest import PASSWORD, World

NAME = "Quenby-Lovelace"
NURSE_PASSWORD = "nina grows purple tomatoes"


def file_bytes(path: Path) -> bytes:
    """The database file and any WAL beside it: everything a thief of the disk would have."""
    out = path.read_bytes()
    wal = Path(str(path) + "-wal")
    return out + (wal.read_bytes() if wal.exists() else b"")


def add_patient(svc: Services) -> Patient:
    return svc.patients.create(
        Patient("Ada", NAME, date(1985, 3, 14), "ENC-0001", Sex.FEMALE, phone="+1 555 0101")
    )


@pytest.fixture
def clinic(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A new encrypted clinic database: administrator, nurse, one patient. Yields (path, recovery key)."""
    path = tmp_path / "clinic" / "clinicrec.sqlite3"
    key, recovery = encryption.create_encrypted(path)
    svc = open_services(f"sqlite:///{path}", key=key)
    svc.auth.create_first_admin(User("admin", "Alex Admin", "MD", Role.ADMIN), PASSWORD)
    svc.auth.sign_in("admin", PASSWORD)
    svc.clinic.setup(ClinicSettings(name="Harbour Skin Clinic"))
    svc.auth.create_user(User("nina", "Nina Nurse", "RN", Role.INJECTOR), NURSE_PASSWORD)
    add_patient(svc)
    svc.db.dispose()
    yield path, recovery


def open_as(path: Path, username: str, password: str) -> Services:
    key = encryption.unlock(path, username, password)
    svc = open_services(f"sqlite:///{path}", key=key, migrate=False)
    svc.auth.sign_in(username, password)
    return svc


def test_the_database_holds_no_patient_name_in_its_bytes(clinic) -> None:  # type: ignore[no-untyped-def]
    path, _ = clinic
    assert crypto.is_encrypted(path)
    assert NAME.encode() not in file_bytes(path)
    assert b"Harbour Skin Clinic" not in file_bytes(path)
    with pytest.raises(sqlite3.DatabaseError):  # not a SQLite file to anyone without the key
        sqlite3.connect(path).execute("SELECT count(*) FROM patients").fetchone()


def test_any_users_password_opens_it_and_a_wrong_one_does_not(clinic) -> None:  # type: ignore[no-untyped-def]
    path, _ = clinic
    keys = crypto.KeyFile.load(crypto.key_file_for(path))
    assert keys.users() == ["admin", "nina"]
    for username, password in (("admin", PASSWORD), ("nina", NURSE_PASSWORD)):
        svc = open_as(path, username, password)
        assert [p.last_name for p in svc.patients.search(NAME)] == [NAME]
        svc.db.dispose()
    for username, password in (("nina", PASSWORD), ("admin", "not the password"), ("nobody", PASSWORD)):
        with pytest.raises(crypto.WrongSecret):
            encryption.unlock(path, username, password)
    with pytest.raises(crypto.WrongSecret):
        crypto.check_key(path, crypto.new_database_key())
    assert oct(crypto.key_file_for(path).stat().st_mode & 0o777) == "0o600"


def test_the_recovery_key_opens_it_whatever_is_forgotten(clinic) -> None:  # type: ignore[no-untyped-def]
    path, recovery = clinic
    key = encryption.unlock_with_recovery(path, recovery.lower().replace("-", " "))
    svc = open_services(f"sqlite:///{path}", key=key, migrate=False)
    with svc.db.read() as s:
        admin = actor_of(s.execute(select(UserRow).where(UserRow.username == "admin")).scalar_one())
    svc.act_as(admin)
    svc.auth.reset_password(admin.user_id, "a fresh admin passphrase")  # the administrator is back in
    svc.db.dispose()
    assert encryption.unlock(path, "admin", "a fresh admin passphrase") == key
    wrong = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789"
    with pytest.raises(crypto.WrongSecret, match="recovery key does not open"):
        encryption.unlock_with_recovery(path, wrong)


def test_a_password_change_rewraps_only_that_users_copy(clinic) -> None:  # type: ignore[no-untyped-def]
    path, _ = clinic
    before = crypto.KeyFile.load(crypto.key_file_for(path)).entries
    svc = open_as(path, "nina", NURSE_PASSWORD)
    svc.auth.change_own_password(NURSE_PASSWORD, "a whole new nurse phrase")
    svc.db.dispose()
    after = crypto.KeyFile.load(crypto.key_file_for(path)).entries
    assert after["admin"] == before["admin"] and after[crypto.RECOVERY] == before[crypto.RECOVERY]
    assert after["nina"] != before["nina"]
    with pytest.raises(crypto.WrongSecret):
        encryption.unlock(path, "nina", NURSE_PASSWORD)
    assert encryption.unlock(path, "nina", "a whole new nurse phrase") == encryption.unlock(
        path, "admin", PASSWORD
    )


def test_a_deactivated_users_password_no_longer_opens_the_file(clinic) -> None:  # type: ignore[no-untyped-def]
    path, _ = clinic
    svc = open_as(path, "admin", PASSWORD)
    nina = next(u for u in svc.auth.list_users() if u.username == "nina")
    svc.auth.update_user(replace(nina, active=False))
    with pytest.raises(crypto.WrongSecret):
        encryption.unlock(path, "nina", NURSE_PASSWORD)
    svc.auth.update_user(
        replace(svc.auth.get_user(nina.id), active=True)
    )  # reactivated: wrapped again from her hash
    svc.db.dispose()
    assert encryption.unlock(path, "nina", NURSE_PASSWORD)


def test_backups_are_encrypted_the_same_way(clinic, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, recovery = clinic
    svc = open_as(path, "admin", PASSWORD)
    info = MaintenanceService(svc.ctx).backup_now()
    key = svc.db.engine.clinicrec_key  # type: ignore[attr-defined]
    svc.db.dispose()
    assert crypto.is_encrypted(info.path) and NAME.encode() not in info.path.read_bytes()
    # Carried away alone, with the copy of the key file kept beside the backups:
    away = tmp_path / "usb" / info.path.name
    away.parent.mkdir()
    shutil.copy(info.path, away)
    shutil.copy(info.path.parent / crypto.key_file_for(path).name, crypto.key_file_for(away))
    assert encryption.unlock(away, "nina", NURSE_PASSWORD) == key
    assert encryption.unlock_with_recovery(away, recovery) == key
    with pytest.raises(crypto.WrongSecret):
        encryption.unlock(away, "nina", "not her password")
    restored = open_services(f"sqlite:///{away}", key=key, migrate=False)
    restored.auth.sign_in("nina", NURSE_PASSWORD)
    assert [p.last_name for p in restored.patients.search(NAME)] == [NAME]
    restored.db.dispose()


def test_a_plain_database_is_converted_after_a_backup_and_the_plain_copy_removed(
    world: World, db_path: Path
) -> None:
    svc = world.as_(world.admin)
    add_patient(svc)
    plain_backup = MaintenanceService(svc.ctx).backup_now()
    assert NAME.encode() in plain_backup.path.read_bytes()  # as it was before this version
    svc.db.dispose()

    done = encryption.encrypt_existing(db_path)

    assert set(done.users) == {"admin", "manager", "nurse", "nurse2"}
    assert done.backups_encrypted == 1
    for f in (db_path, done.backup, plain_backup.path):
        assert crypto.is_encrypted(f) and NAME.encode() not in file_bytes(f), f
    leftovers = [p.name for p in db_path.parent.iterdir() if p.name.endswith((".encrypting", "-wal", "-shm"))]
    assert leftovers == []
    for username in done.users:
        assert encryption.unlock(db_path, username, PASSWORD) == done.key
    after = open_services(f"sqlite:///{db_path}", key=done.key, migrate=False)
    after.auth.sign_in("nurse", PASSWORD)
    assert [p.last_name for p in after.patients.search(NAME)] == [NAME]
    after.act_as(world.manager)
    assert after.audit_log.verify_chain().ok
    assert not after.auth.has_recovery_key()  # made, and shown once, by the next administrator
    after.act_as(world.admin)
    recovery = after.auth.new_recovery_key()
    assert after.auth.has_recovery_key()
    after.db.dispose()
    assert encryption.unlock_with_recovery(db_path, recovery) == done.key


def test_one_argon2_computation_both_opens_the_file_and_signs_in(clinic, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The digest that unwrapped the key equals the password hash's: sign-in need not hash again."""
    from clinicrec.services.auth import AuthService

    path, _ = clinic
    key, proof = encryption.unlock_with_proof(path, "nina", NURSE_PASSWORD)
    svc = open_services(f"sqlite:///{path}", key=key, migrate=False)
    calls: list[str] = []
    real = AuthService.hasher

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            calls.append("verify")
            return real.verify(stored, password)

        def check_needs_rehash(self, stored: str) -> bool:
            return real.check_needs_rehash(stored)

    monkeypatch.setattr(AuthService, "hasher", Counting())
    assert svc.auth.sign_in("nina", NURSE_PASSWORD, proof=proof).username == "nina"
    assert calls == []
    assert svc.auth.sign_in("nina", NURSE_PASSWORD, proof=b"\0" * 32).username == "nina"  # falls back
    assert calls == ["verify"]
    svc.db.dispose()


def test_signing_in_opens_the_file_with_the_same_answer_for_every_refusal(clinic) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.errors import AuthenticationError
    from clinicrec.services.auth import SIGN_IN_REFUSED
    from clinicrec.services.unlock import sign_in_encrypted

    path, _ = clinic
    svc = sign_in_encrypted(path, "nina", NURSE_PASSWORD)
    assert svc.actor is not None and svc.actor.username == "nina"
    assert [p.last_name for p in svc.patients.search(NAME)] == [NAME]
    svc.db.dispose()
    answers = set()
    for username, password in (("nina", "wrong password!"), ("nobody", NURSE_PASSWORD)):
        with pytest.raises(AuthenticationError) as refused:
            sign_in_encrypted(path, username, password)
        answers.add(str(refused.value))
    assert answers == {SIGN_IN_REFUSED}
