"""What the session window reads on the GUI thread (issue 10: it never waits on the database while a
nurse charts): the Photos tab reads its photos and consent only when shown, and signing reads the
signed record once, on the worker, for the banner and the follow-ups tab alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _counted(obj: object, name: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Count the calls of ``obj.name`` (still made)."""
    calls: list[Any] = []
    real: Callable[..., Any] = getattr(obj, name)

    def counted(*args: Any, **kw: Any) -> Any:
        calls.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(obj, name, counted)
    return calls


def test_the_photos_tab_reads_its_photos_when_first_shown_not_at_each_save(  # type: ignore[no-untyped-def]
    open_window, services, patient, monkeypatch
) -> None:
    reads = _counted(services.photos, "consent_scopes", monkeypatch)
    window = open_window()
    make_signable(window)  # saved: a draft with an id
    assert window.session_id is not None
    assert reads == [] and window.photos.patient_id is None
    window.ui.left_tabs.setCurrentWidget(window.photos)
    assert len(reads) == 1
    assert (window.photos.patient_id, window.photos.session_id) == (patient.id, window.session_id)
    window.ui.left_tabs.setCurrentIndex(0)
    window.ui.details.notes.setPlainText("Tolerated well")
    window.controller.flush()  # saved again: the same session, nothing to read again
    window.ui.left_tabs.setCurrentWidget(window.photos)
    assert len(reads) == 1


def test_signing_reads_the_signed_record_once(window, services, prompts, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    reads = _counted(services.records, "record", monkeypatch)
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert window.controller.read_only
    assert reads == [(window.session_id,)]  # the signing job's read: the banner and follow-ups use it


def test_the_points_list_sizes_its_columns_from_the_rows_in_view(window) -> None:  # type: ignore[no-untyped-def]
    """Not from every row at every change: a hundred points made each dose change cost ~20 ms more."""
    from clinicrec.ui.session.window import POINTS_SIZED_FROM

    header = window.ui.totals.points_view.horizontalHeader()
    assert 0 < header.resizeContentsPrecision() == POINTS_SIZED_FROM < 100
