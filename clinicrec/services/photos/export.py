"""Export selected photos as files (audited). Teaching or marketing use needs that consent scope, and may
be de-identified: the eye region masked (a bar over the two marked landmarks) and file names that carry
no name or record number."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from ...domain.enums import AuditAction
from ...domain.errors import FieldError, PermissionDenied, ValidationError
from ...domain.photos import ConsentScope, Landmarks, Photo
from .. import audit
from ..base import ServiceBase
from ..files import OutputError, staged_output, write_private
from ..permissions import Action
from .service import PhotoService, check_bytes

SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}


def mask_eyes(data: bytes, landmarks: Landmarks) -> bytes:
    """A black bar over both eyes: along the line through the landmarks, wider and taller than the eyes."""
    with Image.open(io.BytesIO(data)) as im:
        image = im.convert("RGB")
    a, b = landmarks.first, landmarks.second
    d = math.dist((a.x, a.y), (b.x, b.y))
    ux, uy = (b.x - a.x) / d, (b.y - a.y) / d  # along the eye line
    vx, vy = -uy, ux
    reach, half = d * 0.85, d * 0.35
    cx, cy = (a.x + b.x) / 2, (a.y + b.y) / 2
    corners = [
        (cx + sx * reach * ux + sy * half * vx, cy + sx * reach * uy + sy * half * vy)
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    ImageDraw.Draw(image).polygon(corners, fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


class PhotoExport(ServiceBase):
    def export(
        self, photo_ids: Sequence[int], folder: Path, purpose: ConsentScope, *, deidentify: bool = False
    ) -> list[Path]:
        """Write the photos into ``folder``; each file appears only once its audit entry is committed."""
        actor = self.actor(Action.EXPORT)
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise OutputError(f"Cannot export to {folder}: the folder does not exist")
        photos_service = PhotoService(self._ctx)
        photos = [photos_service.get(i) for i in photo_ids]
        for photo in photos:
            self._check(photos_service, photo, purpose, deidentify)
        written = []
        for n, photo in enumerate(photos, start=1):
            with self.reading() as s:
                data = photos_service.store.get(s, photo.sha256)
            check_bytes(photo.id, photo.sha256, data)
            assert data is not None
            if deidentify:
                assert photo.landmarks is not None
                data, suffix = mask_eyes(data, photo.landmarks), ".jpg"
                name = f"{purpose.value}-{n:03d}-{photo.view.value}-{photo.time_point.value}{suffix}"
            else:
                suffix = SUFFIX.get(photo.media_type, ".jpg")
                name = f"photo-{photo.id}-{photo.view.value}-{photo.time_point.value}{suffix}"
            out = folder / name
            with staged_output(out, overwrite=False) as tmp:
                write_private(tmp, data)
                with self.writing() as s:
                    audit.record(
                        s, actor, AuditAction.EXPORT, "photo", photo.id, patient_id=photo.patient_id,
                        changes={"file": [None, str(out)], "purpose": [None, purpose.value],
                                 "deidentified": [None, deidentify]},
                    )  # fmt: skip
            written.append(out)
        return written

    def _check(self, photos: PhotoService, photo: Photo, purpose: ConsentScope, deidentify: bool) -> None:
        if photo.voided:
            raise ValidationError(FieldError("photos", f"Photo {photo.id} is void and is not exported"))
        if purpose != ConsentScope.CLINICAL and purpose not in photos.consent_scopes(photo.patient_id):
            raise PermissionDenied(
                f"Photo {photo.id}: the patient has not consented to {purpose.label.lower()} use of "
                "their photos"
            )
        if deidentify and photo.landmarks is None:
            raise ValidationError(
                FieldError(
                    "photos", f"Photo {photo.id}: mark the two landmarks (the pupils) before de-identifying"
                )
            )
