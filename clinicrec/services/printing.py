"""Making handouts and chart PDFs for a session; each one made is recorded in the audit trail."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..domain.enums import AuditAction
from ..domain.errors import ClinicRecError
from ..domain.models import ClinicSettings, SessionRecord
from . import audit
from .base import ServiceBase
from .catalogue import ClinicService
from .permissions import Action
from .records import RecordService


class OutputError(ClinicRecError):
    """The PDF could not be written where asked."""


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
        return self._render(
            lambda fh: build_chart_pdf(record, clinic, fh), session_id, record.patient.id, "chart_pdf"
        )

    def leaflet_bytes(self) -> bytes:
        from ..pdf.handout import build_leaflet

        clinic = ClinicService(self._ctx).get()
        return self._render(lambda fh: build_leaflet(clinic, fh), None, None, "leaflet")

    def handout_pdf(self, session_id: int, out: Path, *, template_text: str | None = None) -> Path:
        return write_pdf(out, self.handout_bytes(session_id, template_text=template_text))

    def chart_pdf(self, session_id: int, out: Path) -> Path:
        return write_pdf(out, self.chart_bytes(session_id))

    def _inputs(self, session_id: int) -> tuple[SessionRecord, ClinicSettings]:
        self.actor(Action.PRINT)
        return RecordService(self._ctx).record(session_id), ClinicService(self._ctx).get()

    def _render(
        self, build: Callable[[io.BytesIO], None], session_id: int | None, patient_id: int | None, what: str
    ) -> bytes:
        actor = self.actor(Action.PRINT)
        buffer = io.BytesIO()
        build(buffer)
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
        return buffer.getvalue()


def check_destination(out: Path | str) -> Path:
    """The place a PDF is about to be written, refused early (``OutputError``) when it cannot be."""
    out = Path(out).expanduser()
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Cannot write {out}: the folder {folder} does not exist")
    if out.is_dir():
        raise OutputError(f"Cannot write {out}: it is a folder")
    return out


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
