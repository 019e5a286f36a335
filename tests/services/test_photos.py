"""Photos: consent, import (metadata stripped, pixels kept, turned, hashed), verify, voiding, backups."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clinicrec.domain.enums import TimePoint, Zone
from clinicrec.domain.errors import PermissionDenied, StorageError, ValidationError
from clinicrec.domain.photos import ConsentScope, Landmarks, PhotoDetails, PhotoView, Point
from clinicrec.services.app import Services
from clinicrec.services.photos.store import path_in, photo_folder
from tests.conftest import World, make_patient
from tests.services.photos_images import decoded, encode, has_secret, pixels

CLINICAL = (ConsentScope.CLINICAL,)


def consenting_patient(services: Services, scopes: tuple[ConsentScope, ...] = CLINICAL) -> int:
    p = make_patient(services)
    assert p.id is not None
    services.photos.record_consent(p.id, scopes, date(2026, 1, 5))
    return p.id


def front(patient_id: int, **kw: object) -> PhotoDetails:
    values: dict[str, object] = {
        "patient_id": patient_id,
        "view": PhotoView.FRONT,
        "time_point": TimePoint.BASELINE,
    }
    values.update(kw)
    return PhotoDetails(**values)  # type: ignore[arg-type]


def test_import_refused_without_clinical_photo_consent(services: Services) -> None:
    p = make_patient(services)
    with pytest.raises(PermissionDenied, match="photo consent for the clinical record"):
        services.photos.import_photo(front(p.id), encode(pixels()))  # type: ignore[arg-type]
    services.photos.record_consent(p.id, (), date(2026, 1, 5), "refused photos")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.photos.import_photo(front(p.id), encode(pixels()))  # type: ignore[arg-type]
    assert services.photos.photos_of(p.id) == []  # type: ignore[arg-type]


def test_consent_scopes_follow_the_newest_consent(services: Services) -> None:
    pid = consenting_patient(services, (ConsentScope.CLINICAL, ConsentScope.TEACHING))
    assert services.photos.consent_scopes(pid) == {ConsentScope.CLINICAL, ConsentScope.TEACHING}
    services.photos.record_consent(pid, CLINICAL, date(2026, 2, 1), "withdrew teaching")
    assert services.photos.consent_scopes(pid) == {ConsentScope.CLINICAL}
    with pytest.raises(ValidationError) as e:
        services.photos.record_consent(pid, (ConsentScope.MARKETING,), date(2026, 2, 1))
    assert e.value.fields == {"scopes"}


def test_jpeg_import_strips_gps_and_serials_and_keeps_the_pixels_exactly(services: Services) -> None:
    pid = consenting_patient(services)
    raw = encode(pixels(), "JPEG")
    assert has_secret(raw)
    photo = services.photos.import_photo(front(pid), raw, "IMG_0001.JPG")
    stored = services.photos.image(photo.id)
    assert not has_secret(stored)
    assert np.array_equal(decoded(stored), decoded(raw))  # the compressed data was not touched
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    assert (photo.width, photo.height, photo.device) == (240, 160, "Canon EOS R6")
    assert photo.media_type == "image/jpeg"


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_lossless_formats_keep_pixels_and_lose_metadata(services: Services, fmt: str) -> None:
    pid = consenting_patient(services)
    a = pixels()
    raw = encode(a, fmt)
    assert has_secret(raw)
    stored = services.photos.image(services.photos.import_photo(front(pid), raw).id)
    assert not has_secret(stored)
    assert np.array_equal(decoded(stored), a)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_orientation_is_applied(services: Services, fmt: str) -> None:
    pid = consenting_patient(services)
    raw = encode(pixels(240, 160), fmt, orientation=6)  # the camera was turned: view rotated 90° clockwise
    photo = services.photos.import_photo(front(pid), raw)
    stored = decoded(services.photos.image(photo.id))
    assert (photo.width, photo.height) == (160, 240) and stored.shape[:2] == (240, 160)
    red = stored[:8, -8:].reshape(-1, 3).mean(axis=0)  # the top-left marker is now top-right
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    with Image.open(io.BytesIO(services.photos.image(photo.id))) as im:
        assert im.getexif().get(0x0112, 1) == 1
    assert not has_secret(services.photos.image(photo.id))


def test_not_an_image_is_refused_naming_the_file(services: Services) -> None:
    pid = consenting_patient(services)
    with pytest.raises(ValidationError, match="notes.txt is not a JPEG, PNG, TIFF or HEIC image"):
        services.photos.import_photo(front(pid), b"hello", "notes.txt")
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(ValidationError, match="GIF"):
        services.photos.import_photo(front(pid), gif.getvalue(), "x.gif")


def test_details_are_checked_field_by_field(services: Services) -> None:
    pid = consenting_patient(services)
    with pytest.raises(ValidationError) as e:
        services.photos.import_photo(PhotoDetails(pid, PhotoView.CLOSE_UP, TimePoint.OTHER), encode(pixels()))
    assert e.value.fields == {"zone", "other_date"}
    photo = services.photos.import_photo(
        PhotoDetails(pid, PhotoView.CLOSE_UP, TimePoint.OTHER, other_date=date(2026, 3, 1), zone=Zone.NOSE),
        encode(pixels()),
    )
    assert photo.view_label == "Close-up: Nose" and photo.time_point_label == "2026-03-01"


def test_thumbnails_are_stored_small(services: Services) -> None:
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), encode(pixels(1200, 800)))
    thumb = services.photos.thumbnails([photo.id])[photo.id]
    with Image.open(io.BytesIO(thumb)) as im:
        assert max(im.size) == 320 and im.format == "JPEG"


def test_import_files_reports_progress(services: Services, tmp_path: Path) -> None:
    pid = consenting_patient(services)
    files = []
    for i in range(3):
        f = tmp_path / f"p{i}.jpg"
        f.write_bytes(encode(pixels(seed=i)))
        files.append(f)
    seen: list[tuple[int, int]] = []
    photos = services.photos.import_files(front(pid), files, lambda done, total: seen.append((done, total)))
    assert len(photos) == 3 and seen == [(1, 3), (2, 3), (3, 3)]


def test_voiding_keeps_the_photo_for_managers(world: World) -> None:
    services = world.services
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), encode(pixels()))
    with pytest.raises(ValidationError, match="Say why"):
        services.photos.void(photo.id, "")
    voided = services.photos.void(photo.id, "wrong patient in frame")
    assert voided.voided and voided.void_reason == "wrong patient in frame"
    assert services.photos.photos_of(pid) == []
    assert services.photos.photos_of(pid, include_void=True) == []  # a nurse does not see void photos
    world.as_(world.manager)
    kept = services.photos.photos_of(pid, include_void=True)
    assert [p.id for p in kept] == [photo.id] and kept[0].voided
    assert services.photos.image(photo.id)  # the bytes are still there


def _verify(services: Services) -> list[str]:
    return [p.message for p in services.audit_log.verify_chain().problems]


def test_audit_verify_finds_a_changed_or_missing_photo_file(world: World) -> None:
    services = world.services
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), encode(pixels()))
    services.photos.set_landmarks(photo.id, Landmarks(Point(80, 70), Point(160, 70)))
    world.as_(world.manager)
    assert _verify(services) == []
    assert world.path is not None
    f = path_in(photo_folder(world.path), photo.sha256)
    data = bytearray(f.read_bytes())
    data[-10] ^= 0xFF
    f.write_bytes(bytes(data))
    assert any(f"photo {photo.id}'s image was changed outside ClinicRec" in m for m in _verify(services))
    with pytest.raises(StorageError, match="changed after it was stored"):
        services.photos.image(photo.id)
    f.unlink()
    assert any(f"photo {photo.id}'s image is missing" in m for m in _verify(services))


def test_audit_verify_finds_a_photo_record_changed_behind_the_app(world: World) -> None:
    from sqlalchemy import text

    services = world.services
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), encode(pixels()))
    with services.db.write() as s, s.begin():
        s.execute(text("UPDATE photos SET view = 'profile_left' WHERE id = :i"), {"i": photo.id})
        s.execute(text("UPDATE photo_consents SET marketing = 1"))
    world.as_(world.manager)
    problems = _verify(services)
    assert any(f"photo {photo.id}" in m and "view" in m for m in problems)
    assert any("photo consent" in m for m in problems)


def test_every_photo_change_is_audited(world: World) -> None:
    services = world.services
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), encode(pixels()))
    services.photos.image(photo.id)
    services.photos.set_landmarks(photo.id, Landmarks(Point(10, 10), Point(50, 10)))
    services.photos.void(photo.id, "blurred")
    from sqlalchemy import select

    from clinicrec.db.models import AuditRow

    with services.db.read() as s:
        rows = s.execute(
            select(AuditRow.action, AuditRow.entity)
            .where(AuditRow.entity.in_(("photo", "photo_consent")))
            .order_by(AuditRow.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("create", "photo_consent"),
        ("create", "photo"),
        ("view", "photo"),
        ("update", "photo"),
        ("update", "photo"),
    ]


def test_landmarks_must_lie_on_the_photo(services: Services) -> None:
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), encode(pixels(240, 160)))
    with pytest.raises(ValidationError) as e:
        services.photos.set_landmarks(photo.id, Landmarks(Point(10, 10), Point(500, 10)))
    assert e.value.fields == {"landmarks.second"}
    saved = services.photos.set_landmarks(photo.id, Landmarks(Point(10.5, 10), Point(200, 12.25)))
    assert saved.landmarks == Landmarks(Point(10.5, 10), Point(200, 12.25))


def test_backups_carry_photos_and_copy_only_new_ones(world: World, tmp_path: Path) -> None:
    services = world.services
    pid = consenting_patient(services)
    first = services.photos.import_photo(front(pid), encode(pixels(seed=1)))
    world.as_(world.admin)
    b1 = services.maintenance.backup_now()
    shared = b1.path.parent / (world.path.stem + ".photos")  # type: ignore[union-attr]
    kept = path_in(shared, first.sha256)
    assert kept.read_bytes() == path_in(photo_folder(world.path), first.sha256).read_bytes()  # type: ignore[arg-type]
    mtime = kept.stat().st_mtime_ns
    world.as_(world.injector)
    second = services.photos.import_photo(front(pid), encode(pixels(seed=2)))
    world.as_(world.admin)
    world.clock.advance(seconds=1)
    b2 = services.maintenance.backup_now()
    assert kept.stat().st_mtime_ns == mtime  # the old photo was not copied again
    assert path_in(shared, second.sha256).exists()
    # The live photo folder is lost; restoring the first backup brings its photo back.
    import shutil

    shutil.rmtree(photo_folder(world.path))  # type: ignore[arg-type]
    services.maintenance.restore(b1.path)
    services.act_as(world.admin)
    assert services.photos.image(first.id) == kept.read_bytes()
    assert [p.id for p in services.photos.photos_of(pid)] == [first.id]
    assert b2.path.exists()


def test_changes_are_published_for_photos(services: Services) -> None:
    from clinicrec.services.changes import ChangeEntity, ChangeKind

    seen = []
    services.subscribe(seen.append)
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), encode(pixels()))
    assert any(
        c.entity == ChangeEntity.PHOTO and c.kind == ChangeKind.CREATED and c.entity_id == photo.id
        for c in seen
    )


def test_a_signed_photo_consent_form_allows_photos_for_its_uses(world: World) -> None:
    """The photo consent the patient signed (issue 16's forms) answers for photos like a recorded one."""
    from clinicrec.domain.consent import PHOTO_FORM, PhotoScope
    from tests.services.oversight_helpers import sign_consent

    svc = world.as_(world.injector)
    p = make_patient(svc)
    with pytest.raises(PermissionDenied):
        svc.photos.import_photo(front(p.id), encode(pixels()))  # type: ignore[arg-type]
    sign_consent(world, p.id, PHOTO_FORM, scopes=frozenset({PhotoScope.CLINICAL, PhotoScope.TEACHING}))  # type: ignore[arg-type]
    assert svc.photos.consent_scopes(p.id) == {ConsentScope.CLINICAL, ConsentScope.TEACHING}  # type: ignore[arg-type]
    photo = svc.photos.import_photo(front(p.id), encode(pixels()))  # type: ignore[arg-type]
    assert photo.sha256
