"""Issue 11 in the session window: live vial draws from other drafts; a changed warning reopens."""

from __future__ import annotations

from clinicrec.domain import facemap
from clinicrec.domain.enums import AllergyStatus, DoseBasis, Zone
from clinicrec.ui.session.editor import Dose
from tests.conftest import make_patient, make_vial
from tests.services.test_charting import chart, grid

from .conftest import status_of


def test_a_draft_shows_what_other_open_drafts_take_from_the_vial(open_window, services, world) -> None:  # type: ignore[no-untyped-def]
    shared = make_vial(services, units=100, diluent_ml=2.5, lot="SHARED")
    other = make_patient(
        services, first_name="Bea", last_name="Other", allergy_status=AllergyStatus.NONE_KNOWN
    )
    services.charting.save_draft(chart(world, other, grid(shared, 10, 8)))  # 80 U in an open draft
    w = open_window()
    assert w.safety.use_vial(status_of(services, shared))
    w.editor.default_dose = Dose(DoseBasis.UNITS, 10)
    for zone in (Zone.FOREHEAD, Zone.CHIN, Zone.NOSE):
        w.editor.place(*facemap.zone_centroid(zone))  # 30 U here
    w.controller.flush()
    w.controller.refresh_warnings_now()
    [draw] = [m for m in w.ui.totals.warnings.messages() if "open drafts" in m]
    assert "Other, Bea by Nina Nurse" in draw and "10 U short" in draw


def test_raising_the_dose_reopens_an_acknowledged_maximum(open_window, services, prompts) -> None:  # type: ignore[no-untyped-def]
    xeomin = make_vial(services, brand="Xeomin", units=200, diluent_ml=5.0, lot="X200")
    xeomin2 = make_vial(services, brand="Xeomin", units=200, diluent_ml=5.0, lot="X201")
    xeomin3 = make_vial(services, brand="Xeomin", units=200, diluent_ml=5.0, lot="X202")
    w = open_window()
    for v in (xeomin, xeomin2, xeomin3):
        w.safety.use_vial(status_of(services, v))
    w.editor.default_dose = Dose(DoseBasis.UNITS, 10)
    w.editor.grid_fill(Zone.FOREHEAD, 1.0)  # 39 points x 10 U = 390 U: under 400
    w.editor.place(*facemap.zone_centroid(Zone.CHIN))
    w.editor.place(*facemap.zone_centroid(Zone.NOSE))  # 410 U
    w.controller.flush()
    w.controller.refresh_warnings_now()
    [over] = [i for i in w.ui.totals.warnings.items() if i.key is not None]
    prompts.queue("Approved 410 U by the prescriber")
    assert w.safety.give_reason(over.key)
    assert [i.severity for i in w.ui.totals.warnings.items() if i.key] == ["ok"]
    w.editor.place(*facemap.zone_centroid(Zone.PERIORAL))  # 420 U: the old reason no longer covers it
    w.controller.flush()
    w.controller.refresh_warnings_now()
    [again] = [i for i in w.ui.totals.warnings.items() if i.key is not None]
    assert again.severity == "alert" and "420 U" in again.message
