"""The session's follow-ups show each zone's measured figures at baseline and now, and the change, beside
the clinician's 0-4 ratings; "not measured" (and why) where a view's photos are missing or unmeasured."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from clinicrec.domain.enums import Gais, TimePoint, Zone
from clinicrec.domain.models import Assessment
from clinicrec.domain.photos import ConsentScope, PhotoView
from tests.analysis.synthetic import Photo, render_face
from tests.conftest import PASSWORD
from tests.services.test_photo_measurements import png
from tests.services.test_photos import front
from tests.ui.analysis.screens import save_screenshot

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(scope="module")
def faces() -> tuple[Photo, Photo]:
    """Before and after: the after face has half the pores."""
    return render_face(7.0, seed=3, pores_per_cm2=30.0), render_face(7.0, seed=4, pores_per_cm2=15.0)


def test_the_follow_up_shows_measured_change_beside_the_ratings(  # type: ignore[no-untyped-def]
    window, services, prompts, qtbot, faces: tuple[Photo, Photo]
) -> None:
    before, after = faces
    make_signable(window)  # baseline: pores 3, oil 2, redness 1
    prompts.queue(PASSWORD)
    window.signing.sign()
    pid, sid = window.controller.patient.id, window.session_id
    services.photos.record_consent(pid, (ConsentScope.CLINICAL,), date(2026, 1, 5))
    b = services.photos.import_photo(front(pid, session_id=sid), png(before))
    a = services.photos.import_photo(front(pid, session_id=sid, time_point=TimePoint.WEEK_4), png(after))
    services.measurements.measure(b.id, before.face)
    day = window.session.performed_at.date() + timedelta(days=28)
    services.ctx.clock.set(datetime.now(UTC) + timedelta(days=29))
    scale = window.session.baseline.scale_version
    services.records.add_follow_up(sid, Assessment(TimePoint.WEEK_4, day, 2, 1, 1, scale, gais=Gais.IMPROVED))
    panel = window.follow_ups.measured
    rows = panel.model.rows()
    # Only the baseline is measured: the front says so rather than showing a figure; obliques have none.
    assert [(r.view, r.zone, r.change, r.reason) for r in rows] == [
        (PhotoView.FRONT, None, None, "the follow-up photo is not measured yet (Measure skin…)"),
        (PhotoView.OBLIQUE_LEFT, None, None, "no baseline photo"),
        (PhotoView.OBLIQUE_RIGHT, None, None, "no baseline photo"),
    ]
    quality = [c.title for c in panel.model.columns].index("Quality")
    assert panel.model.index(0, quality).data() == (
        "not measured: the follow-up photo is not measured yet (Measure skin…)"
    )
    assert panel.model.index(0, 1).data() == "not measured"
    assert panel.model.index(1, 0).data() == "Oblique left 45°: —"
    services.measurements.measure(a.id, after.face)
    # The change bus says a photo of the patient was measured (here, or in a measure window): it refreshes.
    rows = panel.model.rows()
    assert len([r for r in rows if r.view is PhotoView.FRONT]) == 11
    titles = [c.title for c in panel.model.columns]
    assert titles[1] == "Pores/cm²\nrated pores 3 → 2 (−1)"
    assert titles[2] == "Shine\nrated oil 2 → 1 (−1)"
    assert titles[3] == "Red area\nrated redness 1 → 1 (+0)"
    assert panel.ratings.text() == (
        "Clinician's rating (0–4), baseline → Week 4: Pores 3 → 2 (−1) · Oil 2 → 1 (−1) · Redness 1 → 1 (+0)"
    )
    assert "baseline → Week 4" in panel.caption.text()
    row = next(i for i, r in enumerate(rows) if r.zone is Zone.CHEEK_LEFT)
    cheek = rows[row].change
    assert cheek is not None
    b_fig, a_fig = cheek.before.pores_per_cm2, cheek.after.pores_per_cm2
    assert b_fig is not None and a_fig is not None and a_fig < b_fig  # half the pores after
    expected = f"{b_fig:.1f} → {a_fig:.1f} ({a_fig - b_fig:+.1f})".replace("-", "−")
    assert panel.model.index(row, 1).data() == expected
    assert panel.model.index(row, 0).data() == "Cheek (L)"
    assert panel.model.index(row, quality).data() == (
        f"n {cheek.before.pore_count} → {cheek.after.pore_count} pores; "
        f"{cheek.before.measured_share:.0%} / {cheek.after.measured_share:.0%} of the zone measured"
    )
    # Recording the next follow-up: the same figures, beside the baseline ratings, one click away.
    from clinicrec.ui.analysis.measured_change import MeasuredChangePanel
    from clinicrec.ui.session.follow_up import FollowUpDialog

    dialog = FollowUpDialog(None, services, prompts, sid)
    qtbot.addWidget(dialog)
    shown = dialog.baseline_photos.show_measured()
    qtbot.addWidget(shown)
    beside = shown.findChild(MeasuredChangePanel)
    assert beside.model.rows() == rows
    assert [c.title for c in beside.model.columns][1] == "Pores/cm²\nrated pores 3 → —"
    tabs = window.ui.totals.tabs
    tabs.setCurrentWidget(window.follow_ups.page)
    window.resize(1280, 800)
    save_screenshot(window, "follow-up-measured.png")
