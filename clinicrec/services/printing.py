"""Making handouts and chart PDFs for a session; each one made is recorded in the audit trail."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..domain.consent import ConsentRecord
from ..domain.enums import AuditAction, Language
from ..domain.models import ClinicSettings, SessionRecord
from ..domain.photos import BeforeAfter
from . import audit
from .base import ServiceBase
from .catalogue import ClinicService
from .files import OutputError, check_destination, staged_output, write_private
from .permissions import Action, Actor
from .records import RecordService


class PrintService(ServiceBase):
    def handout_bytes(self, session_id: int, *, template_text: str | None = None) -> bytes:
        from ..pdf.handout import build_handout

        record, clinic = self._inputs(session_id)
        return self._render(
            lambda fh: build_handout(record, clinic, fh, template_text=template_text),
            session_id,
            record.patient.id,
            "handout",
        )

    def chart_bytes(self, session_id: int) -> bytes:
        from ..pdf.chart import build_chart_pdf

        record, clinic = self._inputs(session_id)
        consents = self._consents(record)
        return self._render(
            lambda fh: build_chart_pdf(record, clinic, fh, self._photo_pages(record), consents),
            session_id,
            record.patient.id,
            "chart_pdf",
        )

    def leaflet_bytes(self, language: Language = Language.ENGLISH) -> bytes:
        """The general leaflet in ``language`` (the handout follows the patient's own language)."""
        from ..pdf.handout import build_leaflet

        clinic = ClinicService(self._ctx).get()
        return self._render(lambda fh: build_leaflet(clinic, fh, language=language), None, None, "leaflet")

    def handout_pdf(self, session_id: int, out: Path, *, template_text: str | None = None) -> Path:
        """Write the handout to ``out``: it appears there only once its audit entry is committed."""
        from ..pdf.handout import build_handout

        check_destination(out)
        record, clinic = self._inputs(session_id)
        build = lambda fh: build_handout(record, clinic, fh, template_text=template_text)  # noqa: E731
        return self._write(build, out, session_id, record.patient.id, "handout")

    def chart_pdf(self, session_id: int, out: Path) -> Path:
        """Write the chart PDF to ``out``: it appears there only once its audit entry is committed."""
        from ..pdf.chart import build_chart_pdf

        check_destination(out)
        record, clinic = self._inputs(session_id)
        consents = self._consents(record)
        photos = self._photo_pages(record)
        build = lambda fh: build_chart_pdf(record, clinic, fh, photos, consents)  # noqa: E731
        return self._write(build, out, session_id, record.patient.id, "chart_pdf")

    def _write(
        self,
        build: Callable[[BinaryIO], object],
        out: Path,
        session_id: int,
        patient_id: int | None,
        what: str,
    ) -> Path:
        import io

        actor = self.actor(Action.PRINT)
        buffer = io.BytesIO()
        build(buffer)
        with staged_output(out) as tmp:
            write_private(tmp, buffer.getvalue())
            self._record(actor, session_id, patient_id, what)
        return Path(out).expanduser()

    def _photo_pages(self, record: SessionRecord) -> list[BeforeAfter]:
        """The chart's before/after pages (issue 15): baseline beside the latest follow-up, per view."""
        from .photos.printed import PhotoPrinting

        return PhotoPrinting(self._ctx).before_after(record.patient.id or 0, record.session.id)

    def _inputs(self, session_id: int) -> tuple[SessionRecord, ClinicSettings]:
        self.actor(Action.PRINT)
        return RecordService(self._ctx).record(session_id), ClinicService(self._ctx).get()

    def _consents(self, record: SessionRecord) -> list[ConsentRecord]:
        """The signed consents in force when the chart was signed (now, for a draft)."""
        from .consents import ConsentService

        when = record.signature.signed_at if record.signature else self.now()
        return ConsentService(self._ctx).in_force(record.patient.id, when)  # type: ignore[arg-type]

    def _render(
        self, build: Callable[[io.BytesIO], None], session_id: int | None, patient_id: int | None, what: str
    ) -> bytes:
        actor = self.actor(Action.PRINT)
        buffer = io.BytesIO()
        build(buffer)
        self._record(actor, session_id, patient_id, what)
        return buffer.getvalue()

    def _record(self, actor: Actor, session_id: int | None, patient_id: int | None, what: str) -> None:
        with self.writing() as s:
            audit.record(
                s,
                actor,
                AuditAction.PRINT,
                what,
                session_id or "",
                patient_id=patient_id,
                changes={"document": [None, what]},
            )


def write_pdf(out: Path | str, data: bytes) -> Path:
    """Write atomically (temp file + rename), with a plain message when the place is not writable.

    On any failure the temporary file is removed, so nothing half written is left behind.
    """
    out = check_destination(out)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".clinicrec-", suffix=".pdf", dir=out.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
        tmp = None
    except OSError as e:
        raise OutputError(f"Cannot write {out}: {e.strerror or e}") from e
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return out
