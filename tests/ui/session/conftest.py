"""Fixtures for the charting window: a patient, a vial, an open window over a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from clinicrec.domain.models import Patient, Vial
from clinicrec.services.app import Services
from clinicrec.services.catalogue import VialStatus
from tests.conftest import make_patient, make_vial


@pytest.fixture
def patient(services: Services) -> Patient:
    return make_patient(services)


@pytest.fixture
def vial(services: Services) -> Vial:
    return make_vial(services)


def status_of(services: Services, vial: Vial) -> VialStatus:
    assert vial.id is not None
    return services.vials.status([vial.id])[vial.id]


@pytest.fixture
def open_window(qtbot, services, bus, prompts, worker, patient):  # type: ignore[no-untyped-def]
    """Open a SessionWindow (shown, 1280x800); extra keyword arguments go to the window."""
    from clinicrec.ui.session.window import SessionWindow

    opened = []

    def _open(**kw: object) -> SessionWindow:
        kw.setdefault("patient_id", patient.id)
        window = SessionWindow(services, bus, prompts, worker, **kw)  # type: ignore[arg-type]
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window

    yield _open
    for window in opened:  # closed here, not by qtbot, so a test's unsaved error asks nothing on teardown
        window.controller.dirty = window.controller.save_failed = False
        window.close()
        window.deleteLater()


@pytest.fixture
def window(open_window, services, vial):  # type: ignore[no-untyped-def]
    """A new-session window with the vial in use (100 U in 2.5 mL: 4 U/0.1 mL)."""
    w = open_window()
    assert w.safety.use_vial(status_of(services, vial))
    return w


OpenWindow = Callable[..., object]


def db_points(services: Services, session_id: int | None) -> list:  # type: ignore[type-arg]
    """The points stored for a session, in charting order (what landed in the database)."""
    from sqlalchemy import select

    from clinicrec.db.models import PointRow

    assert session_id is not None
    with services.db.read() as s:
        rows = s.execute(select(PointRow).where(PointRow.session_id == session_id).order_by(PointRow.seq))
        return [(r.zone, r.x, r.y, r.units, r.volume_ml, r.basis) for r in rows.scalars()]


def session_row(services: Services, session_id: int | None):  # type: ignore[no-untyped-def]
    from clinicrec.db.models import SessionRow

    assert session_id is not None
    with services.db.read() as s:
        row = s.get(SessionRow, session_id)
        assert row is not None
        s.expunge(row)
        return row


def click_map(qtbot, window, x: float, y: float, modifier=None) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    qtbot.mouseClick(
        window.map.viewport(),
        Qt.MouseButton.LeftButton,
        modifier or Qt.KeyboardModifier.NoModifier,
        window.map.view_point(x, y),
    )


def make_signable(window) -> None:  # type: ignore[no-untyped-def]
    """Fill what signing needs: consent, an indication, baseline ratings, one point."""
    from clinicrec.domain import facemap
    from clinicrec.domain.enums import Indication, Measure, Zone

    d = window.ui.details
    d.indications[Indication.PORES].setChecked(True)
    d.consent_confirmed.setChecked(True)
    for m, grade in ((Measure.PORES, 3), (Measure.OIL, 2), (Measure.REDNESS, 1)):
        window.ui.baseline.pickers[m].set_value(grade)
    if not window.points_model.rowCount():
        window.editor.place(*facemap.zone_centroid(Zone.CHEEK_LEFT))
    window.controller.flush()
