"""How long do the PDFs take? Run from the repo root: ``python benchmarks/bench_pdf.py [runs]``.

Times (best of N after a warm-up) one aftercare handout and one 100-point chart, each beside a
plain ReportLab ``SimpleDocTemplate`` document holding the same text (read back from our PDF), so
the ratio shows what the layout, the embedded fonts and the face map cost. Target: a handout in
under 0.3 s, so printing one at the end of a visit feels immediate.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate

from clinicrec.domain import facemap
from clinicrec.domain.enums import DiluentKind, Role, SessionStatus, TimePoint, Zone
from clinicrec.domain.models import (
    Assessment,
    ClinicSettings,
    InjectionPoint,
    Patient,
    Product,
    SessionRecord,
    Signature,
    TreatmentSession,
    User,
    Vial,
)
from clinicrec.pdf import build_chart_pdf, build_handout

HANDOUT_TARGET_S = 0.3


def make_record(n_points: int = 100) -> SessionRecord:
    """A signed session with ``n_points`` points over forehead, cheeks and nose (two products)."""
    botox = Product("Botox Cosmetic", "onabotulinumtoxinA", (100,), 24, id=1)
    dysport = Product("Dysport", "abobotulinumtoxinA", (300,), 24, id=2)
    when = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    v1 = Vial(1, "C7421A3", date(2027, 1, 31), 100, when, DiluentKind.SALINE_PRESERVATIVE_FREE, 5.0, id=11)
    v2 = Vial(2, "D300-88X", date(2026, 11, 30), 300, when, DiluentKind.SALINE_PRESERVATIVE_FREE, 2.5, id=12)
    points: list[InjectionPoint] = []
    for zone, vial, u in (
        (Zone.FOREHEAD, v1, 0.2),
        (Zone.CHEEK_LEFT, v1, 0.25),
        (Zone.CHEEK_RIGHT, v1, 0.25),
        (Zone.NOSE, v2, 0.6),
        (Zone.CHIN, v2, 0.6),
        (Zone.NECK, v2, 0.6),
    ):
        points += [InjectionPoint.from_units(zone, x, y, vial, u) for x, y in facemap.grid_fill(zone, 0.7)]
    points = points[:n_points]
    assert len(points) == n_points
    session = TreatmentSession(
        patient_id=7,
        performed_at=when,
        injector_id=3,
        vial_ids=(11, 12),
        points=tuple(points),
        baseline=Assessment(TimePoint.BASELINE, when.date(), 3, 3, 2, "CR-2026.1"),
        status=SessionStatus.SIGNED,
        id=41,
    )
    return SessionRecord(
        session=session,
        patient=Patient("Zoë", "Ñúñez-Øster", date(1990, 5, 17), "CR-00421", id=7),
        injector=User("maya", "Maya Lindqvist", "RN, BSN", Role.INJECTOR, id=3),
        vials=(v1, v2),
        products=(botox, dysport),
        signature=Signature("Maya Lindqvist", "RN, BSN", when),
    )


def plain_document(text: str) -> Callable[[], None]:
    """A plain SimpleDocTemplate with the same text, one Paragraph per line, built in memory.

    The fair baseline: the same words in the same embedded font (DejaVu, subset into the file as every
    ClinicRec PDF must, for names like "Zoë Ñúñez-Øster"); ReportLab's sample style alone would use
    the built-in Helvetica, which embeds nothing and so measures a cheaper document than any we may print.
    """
    from clinicrec.pdf.common import FONT, register_fonts

    register_fonts()
    style = ParagraphStyle("plain", parent=getSampleStyleSheet()["Normal"], fontName=FONT)
    lines = [escape(line) for line in text.splitlines() if line.strip()]

    def build() -> None:
        SimpleDocTemplate(io.BytesIO(), pagesize=A4).build([Paragraph(line, style) for line in lines])

    return build


def best_of(fn: Callable[[], None], runs: int) -> float:
    fn()  # warm-up: fonts registered, templates parsed, modules imported
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def main(runs: int = 15) -> int:
    clinic = ClinicSettings(
        name="Lumen Skin Clinic",
        address="12 Harbour Street\nBristol BS1 4QA",
        phone="0117 496 0321",
        email="care@lumenskin.example",
    )
    record = make_record(100)

    def handout() -> None:
        build_handout(record, clinic, io.BytesIO())

    def chart() -> None:
        build_chart_pdf(record, clinic, io.BytesIO())

    samples: dict[str, bytes] = {}
    for name, builder in (("handout", build_handout), ("chart", build_chart_pdf)):
        buf = io.BytesIO()
        builder(record, clinic, buf)
        samples[name] = buf.getvalue()

    print(f"best of {runs} runs after a warm-up")
    print(f"{'document':<28}{'ClinicRec':>12}{'plain RL':>12}{'ratio':>8}{'pages':>7}")
    ok = True
    for name, fn in (("handout (aftercare)", handout), ("chart (100 points)", chart)):
        key = name.split()[0]
        ours = best_of(fn, runs)
        plain = best_of(plain_document(text_of(samples[key])), runs)
        pages = len(PdfReader(io.BytesIO(samples[key])).pages)
        print(f"{name:<28}{ours * 1000:>10.1f}ms{plain * 1000:>10.1f}ms{ours / plain:>7.1f}x{pages:>7}")
        if key == "handout" and ours >= HANDOUT_TARGET_S:
            ok = False
    verdict = "meets" if ok else "MISSES"
    print(f"handout {verdict} the target of {HANDOUT_TARGET_S * 1000:.0f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
