"""Photos of a patient: the photo consent, import, viewing, landmarks and voiding; all audited.

Every photo is an audited record (``photo`` in services/audit_state.py), and ``audit verify`` also
hashes the stored bytes (services/photos/verify.py): a photo file changed or missing is reported.
Photos are never deleted: voiding keeps the photo, with who voided it, when and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import PatientRow, PhotoConsentRow, PhotoRow, SessionRow, UserRow
from ...domain.clinic_time import local_date
from ...domain.enums import AuditAction, TimePoint, Zone
from ...domain.errors import FieldError, NotFoundError, PermissionDenied, StorageError, ValidationError
from ...domain.photos import ConsentScope, Landmarks, Photo, PhotoConsent, PhotoDetails, PhotoView
from .. import audit
from ..base import Context, ServiceBase
from ..permissions import Action
from ..queries import clinic_zone
from .imaging import PreparedImage, prepare
from .store import PhotoStore, store_for

#: Files larger than this are refused before they are read (a 24 MP RAW-sized TIFF is ~70 MB).
MAX_FILE_BYTES = 200 * 1024 * 1024
Progress = Callable[[int, int], None]


class PhotoService(ServiceBase):
    def __init__(self, ctx: Context, store: PhotoStore | None = None) -> None:
        super().__init__(ctx)
        self.store = store or store_for(ctx.db.engine)

    # -- consent --------------------------------------------------------------------------------------
    def record_consent(
        self, patient_id: int, scopes: Sequence[ConsentScope], given_on: date, note: str = ""
    ) -> PhotoConsent:
        """Record the patient's photo consent as it now stands (a withdrawal is a consent with fewer
        scopes). The newest recorded consent is the one that counts."""
        actor = self.actor(Action.EDIT_PATIENTS)
        if given_on > self.now().date():
            raise ValidationError(FieldError("given_on", "The consent's date cannot be in the future"))
        wanted = frozenset(scopes)
        if wanted - {ConsentScope.CLINICAL} and ConsentScope.CLINICAL not in wanted:
            raise ValidationError(
                FieldError("scopes", "Teaching or marketing use needs consent to the clinical record too")
            )
        with self.writing() as s:
            _patient(s, patient_id)
            row = PhotoConsentRow(
                patient_id=patient_id,
                clinical=ConsentScope.CLINICAL in wanted,
                teaching=ConsentScope.TEACHING in wanted,
                marketing=ConsentScope.MARKETING in wanted,
                given_on=given_on,
                recorded_by_id=actor.user_id,
                recorded_at=self.now(),
                note=note.strip(),
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.CREATE,
                "photo_consent",
                row.id,
                patient_id=patient_id,
                changes={"scopes": [None, sorted(wanted)], "given_on": [None, given_on.isoformat()]},
            )
            return _consent(row, actor.full_name)

    def consent(self, patient_id: int) -> PhotoConsent | None:
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            found = s.execute(
                select(PhotoConsentRow, UserRow.full_name)
                .join(UserRow, UserRow.id == PhotoConsentRow.recorded_by_id)
                .where(PhotoConsentRow.patient_id == patient_id)
                .order_by(PhotoConsentRow.id.desc())
                .limit(1)
            ).first()
        return None if found is None else _consent(found[0], found[1])

    def consent_scopes(self, patient_id: int) -> frozenset[ConsentScope]:
        """The scopes the patient's photo consent gives now (empty without one): the signed photo consent
        form in force (services/consents.py), together with a photo consent recorded here (a paper form
        on file). The one question the rest of ClinicRec asks."""
        from ..consents import ConsentService

        found = self.consent(patient_id)
        recorded = frozenset() if found is None else found.scopes
        signed = ConsentService(self._ctx).photo_scopes(patient_id)
        return recorded | frozenset(ConsentScope(x) for x in signed if x in {c.value for c in ConsentScope})

    # -- adding photos --------------------------------------------------------------------------------
    def import_photo(
        self, details: PhotoDetails, raw: bytes, name: str = "the file", *, device: str = ""
    ) -> Photo:
        """Store one photo: refused without clinical photo consent; stripped, turned, hashed, audited.
        ``device``: the camera's name where the image carries none (a frame from the capture view)."""
        self._check_may_add(details)
        image = prepare(raw, name)
        if device and not image.device:
            image = replace(image, device=device[:120])
        return self._store(details, image)

    def import_files(
        self, details: PhotoDetails, files: Sequence[Path], progress: Progress | None = None
    ) -> list[Photo]:
        """Several files, one after another, each in its own transaction (a large batch shows progress
        and a failure half-way keeps the photos already stored)."""
        self._check_may_add(details)
        out: list[Photo] = []
        for i, path in enumerate(files):
            out.append(self.import_photo(details, read_image_file(path), path.name))
            if progress is not None:
                progress(i + 1, len(files))
        return out

    def _check_may_add(self, details: PhotoDetails) -> None:
        self.actor(Action.CHART)
        problems = details.problems()
        if problems:
            raise ValidationError(problems)
        if ConsentScope.CLINICAL not in self.consent_scopes(details.patient_id):
            raise PermissionDenied(
                "This patient has not given photo consent for the clinical record: record their photo "
                "consent before taking or importing photos"
            )

    def _store(self, details: PhotoDetails, image: PreparedImage) -> Photo:
        actor = self.actor(Action.CHART)
        with self.writing() as s:
            _patient(s, details.patient_id)
            if details.session_id is not None:
                session = s.get(SessionRow, details.session_id)
                if session is None or session.patient_id != details.patient_id:
                    raise ValidationError(FieldError("session_id", "That session is not this patient's"))
            self.store.put(s, image.sha256, image.data)  # durable before the record can commit
            row = PhotoRow(
                patient_id=details.patient_id,
                session_id=details.session_id,
                view=details.view.value,
                zone=details.zone.value if details.zone else None,
                time_point=details.time_point.value,
                other_date=details.other_date,
                taken_at=self.now(),
                taken_by_id=actor.user_id,
                device=image.device,
                note=details.note.strip(),
                sha256=image.sha256,
                media_type=image.media_type,
                width=image.width,
                height=image.height,
                size_bytes=len(image.data),
                thumbnail=image.thumbnail,
                landmarks=None,
                void_reason="",
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                AuditAction.CREATE,
                "photo",
                row.id,
                patient_id=details.patient_id,
                changes={
                    "view": [None, row.view],
                    "time_point": [None, row.time_point],
                    "session_id": [None, row.session_id],
                    "sha256": [None, row.sha256],
                    "size_bytes": [None, row.size_bytes],
                    "device": [None, row.device],
                },
            )
            return _photo(row, actor.full_name)

    # -- reading --------------------------------------------------------------------------------------
    def photos_of(self, patient_id: int, *, include_void: bool = False) -> list[Photo]:
        """The patient's photos, oldest first; voided ones only for those who may see the audit trail."""
        actor = self.actor(Action.VIEW_PATIENTS)
        if include_void and not actor.can(Action.VIEW_AUDIT):
            include_void = False
        with self.reading() as s:
            stmt = (
                select(PhotoRow, UserRow.full_name)
                .join(UserRow, UserRow.id == PhotoRow.taken_by_id)
                .where(PhotoRow.patient_id == patient_id)
                .order_by(PhotoRow.taken_at, PhotoRow.id)
            )
            if not include_void:
                stmt = stmt.where(PhotoRow.voided_at.is_(None))
            return [_photo(r, name) for r, name in s.execute(stmt)]

    def thumbnails(self, photo_ids: Sequence[int]) -> dict[int, bytes]:
        """The stored thumbnails (JPEG) of the given photos: no full image is read."""
        self.actor(Action.VIEW_PATIENTS)
        out: dict[int, bytes] = {}
        with self.reading() as s:
            ids = list(photo_ids)
            for i in range(0, len(ids), 500):
                rows = s.execute(
                    select(PhotoRow.id, PhotoRow.thumbnail).where(PhotoRow.id.in_(ids[i : i + 500]))
                )
                out.update((pid, bytes(t)) for pid, t in rows)
        return out

    def days_since_treatment(self, photos: Sequence[Photo]) -> dict[int, int | None]:
        """Days from the treatment to each photo (its own session's, else the latest session before it),
        counted in the clinic's calendar days: a photo taken late in the evening is on that day."""
        self.actor(Action.VIEW_PATIENTS)
        patients = {p.patient_id for p in photos}
        with self.reading() as s:
            rows = s.execute(
                select(SessionRow.id, SessionRow.patient_id, SessionRow.performed_at)
                .where(SessionRow.patient_id.in_(patients))
                .order_by(SessionRow.performed_at)
            ).all()
            zone_name = clinic_zone(s)
        out: dict[int, int | None] = {}
        for p in photos:
            own = next((r for r in rows if r.id == p.session_id), None)
            before = [r for r in rows if r.patient_id == p.patient_id and r.performed_at <= p.taken_at]
            treated = own or (before[-1] if before else None)
            out[p.id] = (
                None
                if treated is None
                else (local_date(p.taken_at, zone_name) - local_date(treated.performed_at, zone_name)).days
            )
        return out

    def get(self, photo_id: int) -> Photo:
        self.actor(Action.VIEW_PATIENTS)
        with self.reading() as s:
            row = _photo_row(s, photo_id)
            return _photo(row, _name(s, row.taken_by_id))

    def image(self, photo_id: int) -> bytes:
        """The full image (audited as a view); refused when its bytes are missing or not what was stored."""
        actor = self.actor(Action.VIEW_PATIENTS)
        with self.writing() as s:
            row = _photo_row(s, photo_id)
            data = self.store.get(s, row.sha256)
            audit.record(s, actor, AuditAction.VIEW, "photo", photo_id, patient_id=row.patient_id)
        check_bytes(photo_id, row.sha256, data)
        assert data is not None
        return data

    # -- changing -------------------------------------------------------------------------------------
    def set_landmarks(self, photo_id: int, landmarks: Landmarks) -> Photo:
        actor = self.actor(Action.CHART)
        with self.writing() as s:
            row = _photo_row(s, photo_id)
            for p, field in ((landmarks.first, "first"), (landmarks.second, "second")):
                if not (0 <= p.x <= row.width and 0 <= p.y <= row.height):
                    raise ValidationError(
                        FieldError(
                            f"landmarks.{field}",
                            f"A landmark must lie on the photo ({row.width}×{row.height})",
                        )
                    )
            old, row.landmarks = row.landmarks, landmarks.as_text()
            s.flush()
            audit.record(
                s, actor, AuditAction.UPDATE, "photo", photo_id, patient_id=row.patient_id,
                changes={"landmarks": [old, row.landmarks]},
            )  # fmt: skip
            return _photo(row, _name(s, row.taken_by_id))

    def void(self, photo_id: int, reason: str) -> Photo:
        """Void a photo with a reason: it stays, marked void, visible to managers; never deleted."""
        actor = self.actor(Action.CHART)
        reason = reason.strip()
        if len(reason) < 3:
            raise ValidationError(FieldError("reason", "Say why the photo is voided (at least 3 characters)"))
        with self.writing() as s:
            row = _photo_row(s, photo_id)
            if row.voided_at is not None:
                raise ValidationError(FieldError("photo", f"Photo {photo_id} is already void"))
            row.voided_at, row.voided_by_id, row.void_reason = self.now(), actor.user_id, reason
            s.flush()
            audit.record(
                s, actor, AuditAction.UPDATE, "photo", photo_id, patient_id=row.patient_id,
                changes={"voided": [False, True], "void_reason": ["", reason]},
            )  # fmt: skip
            return _photo(row, _name(s, row.taken_by_id))


def read_image_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationError(FieldError("file", f"{path.name} is larger than 200 MB"))
        return path.read_bytes()
    except OSError as e:
        raise ValidationError(FieldError("file", f"{path.name} could not be read: {e.strerror or e}")) from e


def check_bytes(photo_id: int, sha256: str, data: bytes | None) -> None:
    import hashlib

    if data is None:
        raise StorageError(f"Photo {photo_id}'s image is missing from the photo store")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StorageError(f"Photo {photo_id}'s image was changed after it was stored")


def _patient(s: Session, patient_id: int) -> PatientRow:
    row = s.get(PatientRow, patient_id)
    if row is None:
        raise NotFoundError(f"No patient with id {patient_id}")
    return row


def _photo_row(s: Session, photo_id: int) -> PhotoRow:
    row = s.get(PhotoRow, photo_id)
    if row is None:
        raise NotFoundError(f"No photo with id {photo_id}")
    return row


def _name(s: Session, user_id: int) -> str:
    return s.execute(select(UserRow.full_name).where(UserRow.id == user_id)).scalar_one_or_none() or ""


def _consent(row: PhotoConsentRow, recorded_by: str) -> PhotoConsent:
    scopes = {
        scope
        for scope, given in (
            (ConsentScope.CLINICAL, row.clinical),
            (ConsentScope.TEACHING, row.teaching),
            (ConsentScope.MARKETING, row.marketing),
        )
        if given
    }
    return PhotoConsent(
        row.patient_id, frozenset(scopes), row.given_on, recorded_by, row.recorded_at, row.note
    )


def _photo(row: PhotoRow, taken_by: str) -> Photo:
    return Photo(
        id=row.id,
        patient_id=row.patient_id,
        session_id=row.session_id,
        view=PhotoView(row.view),
        zone=Zone(row.zone) if row.zone else None,
        time_point=TimePoint(row.time_point),
        other_date=row.other_date,
        taken_at=row.taken_at,
        taken_by=taken_by,
        device=row.device,
        note=row.note,
        sha256=row.sha256,
        media_type=row.media_type,
        width=row.width,
        height=row.height,
        size_bytes=row.size_bytes,
        landmarks=Landmarks.from_text(row.landmarks),
        voided=row.voided_at is not None,
        void_reason=row.void_reason,
    )
