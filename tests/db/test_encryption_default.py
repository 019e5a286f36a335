"""Encryption by default: every new clinic database, the demo, a plain database of an earlier version
(converted at its first start), its backups, restores, and the access tokens of unattended jobs.

Each test greps the real files' bytes for a patient's name.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from clinicrec.cli.app import main
from clinicrec.cli.commands.demo import build_in_place
from clinicrec.db import crypto, encryption
from clinicrec.domain.enums import Role, Sex
from clinicrec.domain.errors import AuthenticationError
from clinicrec.domain.models import ClinicSettings, Patient, User
from clinicrec.services.app import Services, open_services
from clinicrec.services.opening import EncryptedDatabase
from clinicrec.services.photos.store import SEALED, photo_folder
from clinicrec.services.unlock import encrypt_if_plain, sign_in_encrypted, sign_in_encrypted_token
from tests.conftest import PASSWORD, Clock, World, make_patient

NAME = "Quenby-Lovelace"
LATER = "Wolstenholme-Achterberg"


def everything_on_disk(folder: Path) -> bytes:
    """Every file under ``folder`` (databases, WAL, backups, key files): what a stolen disk gives away."""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def add_patient(svc: Services, last_name: str, number: str) -> Patient:
    return svc.patients.create(Patient("Ada", last_name, date(1985, 3, 14), number, Sex.FEMALE))


@pytest.fixture
def new_clinic(tmp_path: Path) -> tuple[Path, Services]:
    """A clinic set up on a new database, the way the first-start setup does it (open_services(create))."""
    path = tmp_path / "clinic" / "clinicrec.sqlite3"
    path.parent.mkdir()
    svc = open_services(f"sqlite:///{path}", create=True)
    svc.auth.create_first_admin(User("admin", "Alex Admin", "MD", Role.ADMIN), PASSWORD)
    svc.act_as(svc.auth.sign_in("admin", PASSWORD))
    svc.clinic.setup(ClinicSettings(name="Harbour Skin Clinic"))
    add_patient(svc, NAME, "ENC-0001")
    return path, svc


def test_a_new_clinic_database_is_encrypted_from_its_first_page(new_clinic) -> None:  # type: ignore[no-untyped-def]
    path, svc = new_clinic
    assert svc.encrypted and crypto.is_encrypted(path)
    keys = crypto.KeyFile.load(crypto.key_file_for(path))
    assert keys.users() == ["admin"] and keys.setup_key() is None and crypto.SETUP not in keys.entries
    svc.db.dispose()
    assert NAME.encode() not in everything_on_disk(path.parent)
    assert b"Harbour Skin Clinic" not in everything_on_disk(path.parent)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(EncryptedDatabase):  # nobody opens it without a password
        open_services(f"sqlite:///{path}")
    again = sign_in_encrypted(path, "admin", PASSWORD)
    assert [p.last_name for p in again.patients.search(NAME)] == [NAME]
    again.db.dispose()


def test_a_setup_never_finished_is_offered_again_and_then_needs_a_password(tmp_path: Path) -> None:
    path = tmp_path / "clinicrec.sqlite3"
    open_services(f"sqlite:///{path}", create=True).db.dispose()  # the setup was cancelled
    assert crypto.is_encrypted(path)
    svc = open_services(f"sqlite:///{path}")  # no user yet: opened for the setup, as a new database is
    assert svc.encrypted and not svc.auth.has_users()
    svc.auth.create_first_admin(User("admin", "Alex Admin", "MD", Role.ADMIN), PASSWORD)
    svc.db.dispose()
    assert crypto.KeyFile.load(crypto.key_file_for(path)).setup_key() is None
    with pytest.raises(EncryptedDatabase):
        open_services(f"sqlite:///{path}")


def test_a_plain_database_is_encrypted_at_its_first_start_after_a_backup(world: World) -> None:
    assert world.path is not None
    make_patient(world.services)
    world.as_(world.admin)
    add_patient(world.services, NAME, "ENC-0002")
    plain_backup = world.services.maintenance.backup_now()  # made by the earlier version: plain
    assert not crypto.is_encrypted(plain_backup.path)
    converted = encrypt_if_plain(world.services)
    assert converted == world.path and crypto.is_encrypted(world.path)
    folder = world.path.parent
    assert NAME.encode() not in everything_on_disk(folder)  # the file, the old backup, the new one
    backups = sorted(plain_backup.path.parent.glob("*.sqlite3"))
    assert any("pre-migration-encryption" in b.name for b in backups) and len(backups) == 2
    assert all(crypto.is_encrypted(b) for b in backups)
    for username in ("admin", "manager", "nurse"):  # everyone signs in as before
        svc = sign_in_encrypted(world.path, username, PASSWORD)
        assert [p.last_name for p in svc.patients.search(NAME)] == [NAME]
        svc.db.dispose()
    again = sign_in_encrypted(world.path, "admin", PASSWORD)
    assert encrypt_if_plain(again) is None  # encrypted already: nothing done
    assert not again.auth.has_recovery_key()  # the first administrator is shown a new one (main window)
    again.db.dispose()


def test_the_demo_is_encrypted(tmp_path: Path) -> None:
    from clinicrec.demo import DEMO_PASSWORD

    path = tmp_path / "demo.sqlite3"
    summary = build_in_place(path, patients=12, seed=3, photo_sessions=1)
    assert crypto.is_encrypted(path) and summary.recovery_key and summary.photos == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [path.name, crypto.key_file_for(path).name, photo_folder(path).name]
    )
    svc = sign_in_encrypted(path, "maria", DEMO_PASSWORD)
    names = [p.last_name for p in svc.patients.search("")][:5]
    photos = [ph for p in svc.patients.search("") for ph in svc.photos.photos_of(p.id)]  # type: ignore[arg-type]
    assert len(photos) == 2 and all(svc.photos.image(ph.id)[:2] == b"\xff\xd8" for ph in photos)  # they open
    assert all(f.read_bytes().startswith(SEALED) for f in photo_folder(path).glob("??/*"))
    svc.db.dispose()
    assert names and not any(n.encode() in everything_on_disk(tmp_path) for n in names)
    assert encryption.unlock_with_recovery(path, summary.recovery_key)


def test_an_encrypted_backup_is_restored_encrypted(new_clinic) -> None:  # type: ignore[no-untyped-def]
    path, svc = new_clinic
    svc.auth.create_user(User("nina", "Nina Nurse", "RN", Role.INJECTOR), "nina grows purple tomatoes")
    backup = svc.maintenance.backup_now()
    assert crypto.is_encrypted(backup.path)
    add_patient(svc, LATER, "ENC-0009")
    nina = next(u for u in svc.auth.list_users() if u.username == "nina")
    svc.auth.update_user(replace(nina, active=False))  # after the backup: nina's copy removed
    result = svc.maintenance.restore(backup.path)
    assert result.replaced_kept_at is not None and not result.replaced_was_damaged
    assert crypto.is_encrypted(path) and crypto.is_encrypted(result.replaced_kept_at)
    assert [p.last_name for p in svc.patients.search(LATER)] == []
    assert [p.last_name for p in svc.patients.search(NAME)] == [NAME]
    svc.db.dispose()
    assert NAME.encode() not in everything_on_disk(path.parent)
    # The accounts as they were in the backup open the file again: nina was active then.
    assert crypto.KeyFile.load(crypto.key_file_for(path)).users() == ["admin", "nina"]
    nurse = sign_in_encrypted(path, "nina", "nina grows purple tomatoes")
    nurse.db.dispose()


def test_a_plain_backup_is_encrypted_as_it_is_restored(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert world.path is not None
    world.as_(world.admin)
    add_patient(world.services, NAME, "ENC-0003")
    made = world.services.maintenance.backup_now()
    usb = tmp_path_factory.mktemp("usb") / made.path.name  # a plain copy kept away from the clinic's disk
    shutil.copy(made.path, usb)
    encrypt_if_plain(world.services)
    svc = sign_in_encrypted(world.path, "admin", PASSWORD)
    add_patient(svc, LATER, "ENC-0004")
    svc.maintenance.restore(usb)
    assert [p.last_name for p in svc.patients.search(LATER)] == []
    svc.db.dispose()
    assert crypto.is_encrypted(world.path)
    assert NAME.encode() not in everything_on_disk(world.path.parent)


def test_a_backup_encrypted_with_another_key_is_refused(new_clinic, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.errors import ClinicRecError

    path, svc = new_clinic
    other = tmp_path / "other.sqlite3"
    open_services(f"sqlite:///{other}", create=True).db.dispose()
    with pytest.raises(ClinicRecError, match="nor encrypted with this database's key"):
        svc.maintenance.restore(other)
    assert [p.last_name for p in svc.patients.search(NAME)] == [NAME]
    svc.db.dispose()


def test_an_access_token_opens_the_encrypted_database_until_revoked(  # type: ignore[no-untyped-def]
    new_clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, svc = new_clinic
    made = svc.tokens.create("nightly", Role.ADMIN, date.today() + timedelta(days=30))
    assert crypto.KeyFile.load(crypto.key_file_for(path)).tokens() == ["nightly"]
    assert made.secret.encode() not in crypto.key_file_for(path).read_bytes()
    svc.db.dispose()

    monkeypatch.setenv("CLINICREC_TOKEN", made.secret)
    assert main(["--db", f"sqlite:///{path}", "backup"]) == 0  # the nightly backup, nobody's password
    job = sign_in_encrypted_token(path, made.secret)
    assert job.actor is not None and job.actor.username == "token:nightly"
    job.db.dispose()
    later = Clock()
    later.set(later() + timedelta(days=40))
    with pytest.raises(AuthenticationError, match="expired"):
        sign_in_encrypted_token(path, made.secret, clock=later)
    with pytest.raises(AuthenticationError, match="does not open"):
        sign_in_encrypted_token(path, "crt_" + "x" * 43)

    admin = sign_in_encrypted(path, "admin", PASSWORD)
    admin.tokens.revoke("nightly")
    admin.db.dispose()
    assert crypto.KeyFile.load(crypto.key_file_for(path)).tokens() == []
    with pytest.raises(AuthenticationError, match="does not open"):
        sign_in_encrypted_token(path, made.secret)
    assert main(["--db", f"sqlite:///{path}", "backup"]) == 2


def test_a_damaged_encrypted_database_is_restored_from_the_command_line(  # type: ignore[no-untyped-def]
    new_clinic, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    path, svc = new_clinic
    backup = svc.maintenance.backup_now()
    svc.db.dispose()
    with open(path, "r+b") as fh:  # a bad sector in the middle of the file: that page fails its HMAC
        size = path.stat().st_size
        fh.seek((size // 4096 // 2) * 4096)
        fh.write(bytes((i * 37 + 11) % 256 for i in range(4096)))
    with pytest.raises(Exception, match="damaged"):
        sign_in_encrypted(path, "admin", PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO("not the password\n"))
    argv = ["--db", f"sqlite:///{path}", "restore", str(backup.path), "--user", "admin", "--password-stdin"]
    assert main(argv) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(argv) == 0, capsys.readouterr().err
    assert crypto.is_encrypted(path) and NAME.encode() not in everything_on_disk(path.parent)
    again = sign_in_encrypted(path, "admin", PASSWORD)
    assert [p.last_name for p in again.patients.search(NAME)] == [NAME]
    again.db.dispose()


def test_photos_of_an_encrypted_clinic_are_sealed_on_disk_and_verified(new_clinic) -> None:  # type: ignore[no-untyped-def]
    """A photo folder copied off the computer shows no face: each file is sealed under a key derived from
    the database key; the photo opens in ClinicRec exactly, and a file altered on disk is found by verify."""
    from clinicrec.domain.enums import TimePoint
    from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
    from clinicrec.services import audit
    from clinicrec.services.photos.store import path_in, photo_folder
    from tests.services.photos_images import encode, pixels

    path, svc = new_clinic
    patient = add_patient(svc, LATER, "ENC-0002")
    svc.photos.record_consent(patient.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))  # type: ignore[arg-type]
    image = encode(pixels(320, 240, 3))
    photo = svc.photos.import_photo(PhotoDetails(patient.id, PhotoView.FRONT, TimePoint.BASELINE), image)  # type: ignore[arg-type]
    stored = path_in(photo_folder(path), photo.sha256).read_bytes()
    assert stored.startswith(b"CRP1") and b"\xff\xd8\xff" not in stored[:64] and b"JFIF" not in stored
    with svc.db.read() as s:
        opened = svc.photos.store.get(s, photo.sha256)
        assert opened is not None and hashlib.sha256(opened).hexdigest() == photo.sha256
        assert audit.verify(s).ok
    flipped = bytearray(stored)
    flipped[-1] ^= 1
    path_in(photo_folder(path), photo.sha256).write_bytes(bytes(flipped))
    with svc.db.read() as s:
        result = audit.verify(s)
    assert any("changed outside ClinicRec" in p.message for p in result.problems)
    svc.db.dispose()


def test_photos_of_a_plain_clinic_are_sealed_when_it_is_encrypted_and_still_open(world: World) -> None:
    """A clinic of an earlier version kept its photos as plain JPEG files, beside the database and in
    its backups' photo folder. Encrypting it at its first start seals those files too (a copied folder
    shows no face), and every photo still opens, exactly, afterwards: none is lost to the conversion."""
    from clinicrec.domain.enums import TimePoint
    from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
    from clinicrec.services import audit
    from clinicrec.services.photos.backups import backup_photo_folder
    from clinicrec.services.photos.store import path_in
    from tests.services.photos_images import encode, pixels

    assert world.path is not None
    patient = add_patient(world.services, NAME, "ENC-0005")
    world.services.photos.record_consent(patient.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))  # type: ignore[arg-type]
    image = encode(pixels(320, 240, 3))
    photo = world.services.photos.import_photo(
        PhotoDetails(patient.id, PhotoView.FRONT, TimePoint.BASELINE),  # type: ignore[arg-type]
        image,
    )
    world.as_(world.admin)
    made = world.services.maintenance.backup_now()
    live_file = path_in(photo_folder(world.path), photo.sha256)
    backup_file = path_in(backup_photo_folder(world.path, made.path), photo.sha256)
    assert live_file.read_bytes()[:3] == b"\xff\xd8\xff" and backup_file.read_bytes()[:3] == b"\xff\xd8\xff"

    encrypt_if_plain(world.services)

    for stored in (live_file.read_bytes(), backup_file.read_bytes()):
        assert stored.startswith(SEALED) and b"\xff\xd8\xff" not in stored[:64] and b"JFIF" not in stored
    svc = sign_in_encrypted(world.path, "admin", PASSWORD)
    try:
        opened = svc.photos.image(photo.id)  # type: ignore[arg-type]
        assert hashlib.sha256(opened).hexdigest() == photo.sha256
        with svc.db.read() as s:
            assert audit.verify(s).ok
    finally:
        svc.db.dispose()


def test_a_plain_backups_photos_are_sealed_as_they_are_restored_into_an_encrypted_clinic(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A plain backup kept on a USB stick (with its photo folder) restored after the clinic was encrypted
    and its photo folder lost: the photos verify, come back sealed, and open."""
    from clinicrec.domain.enums import TimePoint
    from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
    from clinicrec.services.photos.backups import backup_photo_folder
    from clinicrec.services.photos.store import path_in
    from tests.services.photos_images import encode, pixels

    assert world.path is not None
    patient = add_patient(world.services, NAME, "ENC-0006")
    world.services.photos.record_consent(patient.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))  # type: ignore[arg-type]
    photo = world.services.photos.import_photo(
        PhotoDetails(patient.id, PhotoView.FRONT, TimePoint.BASELINE),  # type: ignore[arg-type]
        encode(pixels(320, 240, 4)),
    )
    world.as_(world.admin)
    made = world.services.maintenance.backup_now()
    usb = tmp_path_factory.mktemp("usb") / made.path.name
    shutil.copy(made.path, usb)
    shutil.copytree(backup_photo_folder(world.path, made.path), backup_photo_folder(world.path, usb))
    encrypt_if_plain(world.services)
    shutil.rmtree(photo_folder(world.path))  # the clinic's photo folder is lost

    svc = sign_in_encrypted(world.path, "admin", PASSWORD)
    try:
        svc.maintenance.restore(usb)
        stored = path_in(photo_folder(world.path), photo.sha256).read_bytes()
        assert stored.startswith(SEALED) and b"JFIF" not in stored
        assert hashlib.sha256(svc.photos.image(photo.id)).hexdigest() == photo.sha256  # type: ignore[arg-type]
    finally:
        svc.db.dispose()


def test_a_photo_file_left_plain_by_a_crash_still_opens_and_is_sealed_by_the_next_pass(new_clinic) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.enums import TimePoint
    from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
    from clinicrec.services import audit
    from clinicrec.services.photos.store import path_in, photo_key, seal_folder
    from tests.services.photos_images import encode, pixels

    path, svc = new_clinic
    patient = add_patient(svc, LATER, "ENC-0007")
    svc.photos.record_consent(patient.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))  # type: ignore[arg-type]
    image = encode(pixels(320, 240, 5))
    photo = svc.photos.import_photo(PhotoDetails(patient.id, PhotoView.FRONT, TimePoint.BASELINE), image)  # type: ignore[arg-type]
    file = path_in(photo_folder(path), photo.sha256)
    plain = svc.photos.image(photo.id)  # type: ignore[arg-type]
    file.write_bytes(plain)  # as a conversion interrupted before this file was sealed left it
    assert svc.photos.image(photo.id) == plain  # type: ignore[arg-type]
    with svc.db.read() as s:
        assert audit.verify(s).ok
    from clinicrec.db.engine import database_key

    db_key = database_key(svc.db.engine)
    assert db_key is not None
    assert seal_folder(photo_folder(path), photo_key(db_key)) == 1
    assert seal_folder(photo_folder(path), photo_key(db_key)) == 0  # nothing left to seal
    assert file.read_bytes().startswith(SEALED) and svc.photos.image(photo.id) == plain  # type: ignore[arg-type]
    svc.db.dispose()
