"""Workstations sharing one database see every photo (on PostgreSQL the bytes live in the database)."""

from __future__ import annotations

from datetime import date

import pytest

from clinicrec.db.engine import Database, make_engine
from clinicrec.domain.enums import TimePoint
from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
from clinicrec.services.app import Services
from clinicrec.services.base import Context
from clinicrec.services.photos.store import DatabaseStore, FileStore
from tests.conftest import World, make_patient
from tests.services.photos_images import encode, pixels


@pytest.mark.postgres
def test_a_photo_taken_at_one_workstation_is_seen_at_another(world: World, db_url: str, backend: str) -> None:
    front_desk = world.services
    p = make_patient(front_desk)
    front_desk.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))  # type: ignore[arg-type]
    photo = front_desk.photos.import_photo(
        PhotoDetails(p.id, PhotoView.FRONT, TimePoint.BASELINE),  # type: ignore[arg-type]
        encode(pixels(), "PNG"),
    )
    other = Services(Context(Database(make_engine(db_url)), world.clock))
    try:
        other.act_as(world.injector2)
        assert isinstance(other.photos.store, DatabaseStore if backend == "postgresql" else FileStore)
        assert [q.id for q in other.photos.photos_of(p.id)] == [photo.id]  # type: ignore[arg-type]
        assert other.photos.image(photo.id) == front_desk.photos.image(photo.id)
        assert other.photos.thumbnails([photo.id])[photo.id][:2] == b"\xff\xd8"
        other.act_as(world.manager)
        assert other.audit_log.verify_chain().ok
    finally:
        other.db.dispose()


@pytest.mark.postgres
def test_the_same_photo_twice_is_stored_once_and_verifies(world: World) -> None:
    services = world.services
    p = make_patient(services)
    services.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))  # type: ignore[arg-type]
    details = PhotoDetails(p.id, PhotoView.FRONT, TimePoint.BASELINE)  # type: ignore[arg-type]
    raw = encode(pixels(), "PNG")
    a, b = services.photos.import_photo(details, raw), services.photos.import_photo(details, raw)
    assert a.id != b.id and a.sha256 == b.sha256
    world.as_(world.manager)
    assert services.audit_log.verify_chain().ok
