"""The meeting report PDF, read back: every section, the figures as on screen, 'few' marked, charts drawn."""

from __future__ import annotations

import io
from dataclasses import replace

from pypdf import PdfReader

from clinicrec.pdf.report_charts import Point, Series, bar_chart, line_chart, nice_ticks
from clinicrec.pdf.report_pdf import build_report_pdf
from clinicrec.services.reports.export import export_pdf
from tests.conftest import World
from tests.services.test_reports import PERIOD, build_scenario


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_report_pdf_holds_the_figures(world: World) -> None:
    build_scenario(world)
    reports = world.services.reports
    bundle = reports.bundle(PERIOD)
    out = io.BytesIO()
    build_report_pdf(bundle, out)
    pages, text = _text(out.getvalue())
    assert pages >= 2
    assert "Outcome report · Test Clinic" in text and "by Morgan Manager" in text
    assert "7 signed sessions in the report" in text
    assert "2026-03-01 to 2026-06-30" in text
    week4_pores = bundle.summary.outcomes[1].measures[0].change
    assert f"\u22120.75 (\u2212{abs(week4_pores.low):.2f} to +{week4_pores.high:.2f}) \u2020" in text  # type: ignore[arg-type]
    assert "\u2020 fewer than 10 sessions" in text
    for heading in (
        "Change from baseline at each follow-up",
        "GAIS",
        "By product · Week 4",
        "By dilution band · Week 4",
        "By injector · Week 4",
        "By month · Week 4",
        "Safety: adverse events",
        "Product use",
        "Follow-up gaps",
    ):
        assert heading in text, heading
    assert "3 adverse events in 7 signed sessions: 42.9 per 100 sessions" in text
    assert "Botox Cosmetic 13.0 U 2 1 3" in text and "Xeomin 4.8 U 2 2 3" in text
    assert "1 due (within 7 days of the review date), 1 overdue" in text
    assert "Zoë" not in text and "Evans" not in text  # no patient names in a meeting handout
    assert "Whiskers: 95% CI" in text and "Pale bars: fewer than 10 sessions" in text  # the charts' legends


def test_report_pdf_letter_and_empty(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.manager)
    reports = world.services.reports
    bundle = reports.bundle(PERIOD)
    target = tmp_path / "empty.pdf"
    export_pdf(reports, bundle, target, paper="letter")
    reader = PdfReader(str(target))
    assert round(float(reader.pages[0].mediabox.width)) == 612  # US Letter
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    assert "No follow-up assessments for these sessions." in text
    assert reader.metadata is not None and reader.metadata.title == "Outcome report: Test Clinic"


def test_charts_draw_values_intervals_and_few() -> None:
    series = [Series("Pores", (Point(-0.5, -0.9, -0.1), Point(None), Point(-1.0, few=True)))]
    bars = bar_chart(["A", "B", "C"], series, 400, 200)
    lines = line_chart(["A", "B", "C"], [replace(series[0], name="Oil")], 400, 200)
    assert bars.width == 400 and lines.height == 200
    labels = [getattr(x, "text", "") for x in bars.contents]
    assert "Pale bars: fewer than 10 sessions" in labels and "Pores" in labels
    assert "Hollow points: fewer than 10 sessions" in [getattr(x, "text", "") for x in lines.contents]
    assert nice_ticks(-1.3, 0) == [-1.5, -1.0, -0.5, 0.0] and nice_ticks(0, 0)[0] < 0 < nice_ticks(0, 0)[-1]
