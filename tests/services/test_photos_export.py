"""Export of selected photos: audited, scope-checked, and de-identified on request."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from clinicrec.domain.enums import TimePoint
from clinicrec.domain.errors import PermissionDenied, ValidationError
from clinicrec.domain.photos import ConsentScope, Landmarks, PhotoDetails, PhotoView, Point
from clinicrec.services.photos.export import PhotoExport
from tests.conftest import World, make_patient
from tests.services.photos_images import decoded, encode, has_secret, pixels


def _photo(world: World, scopes: tuple[ConsentScope, ...], marked: bool = True) -> tuple[int, int]:
    svc = world.services
    p = make_patient(svc, first_name="Zoe", last_name="Private")
    svc.photos.record_consent(p.id, scopes, date(2026, 1, 2))  # type: ignore[arg-type]
    photo = svc.photos.import_photo(
        PhotoDetails(p.id, PhotoView.FRONT, TimePoint.BASELINE),
        encode(pixels(400, 300), "PNG"),  # type: ignore[arg-type]
    )
    if marked:
        svc.photos.set_landmarks(photo.id, Landmarks(Point(150, 120), Point(250, 120)))
    return p.id, photo.id  # type: ignore[return-value]


def out_dir(tmp_path: Path) -> Path:
    (tmp_path / "export").mkdir(exist_ok=True)
    return tmp_path / "export"


def test_clinical_export_keeps_the_stored_bytes_and_is_audited(world: World, tmp_path: Path) -> None:
    _, pid = _photo(world, (ConsentScope.CLINICAL,), marked=False)
    world.as_(world.injector)
    with pytest.raises(PermissionDenied):
        PhotoExport(world.services.ctx).export([pid], tmp_path, ConsentScope.CLINICAL)
    world.as_(world.manager)
    (out,) = PhotoExport(world.services.ctx).export([pid], tmp_path, ConsentScope.CLINICAL)
    assert out.name == f"photo-{pid}-front-baseline.png" and (out.stat().st_mode & 0o777) == 0o600
    assert out.read_bytes() == world.services.photos.image(pid) and not has_secret(out.read_bytes())


def test_teaching_needs_that_scope(world: World, tmp_path: Path) -> None:
    _, pid = _photo(world, (ConsentScope.CLINICAL,))
    world.as_(world.manager)
    with pytest.raises(PermissionDenied, match="not consented to teaching"):
        PhotoExport(world.services.ctx).export(
            [pid], out_dir(tmp_path), ConsentScope.TEACHING, deidentify=True
        )
    assert list(out_dir(tmp_path).iterdir()) == []


def test_deidentified_export_masks_the_eyes_and_names_no_one(world: World, tmp_path: Path) -> None:
    _, pid = _photo(world, (ConsentScope.CLINICAL, ConsentScope.TEACHING))
    world.as_(world.manager)
    (out,) = PhotoExport(world.services.ctx).export([pid], tmp_path, ConsentScope.TEACHING, deidentify=True)
    assert out.name == "teaching-001-front-baseline.jpg"
    a = decoded(out.read_bytes())
    assert a[115:125, 140:260].max() < 30  # both eyes under the bar
    kept = a[250:290, 20:60].astype(float).mean(axis=(0, 1)) - pixels(400, 300)[250:290, 20:60].mean(
        axis=(0, 1)
    )
    assert np.abs(kept).max() < 3  # elsewhere the picture is kept
    _, unmarked = _photo(world, (ConsentScope.CLINICAL, ConsentScope.TEACHING), marked=False)
    with pytest.raises(ValidationError, match="mark the two landmarks"):
        PhotoExport(world.services.ctx).export([unmarked], tmp_path, ConsentScope.TEACHING, deidentify=True)
