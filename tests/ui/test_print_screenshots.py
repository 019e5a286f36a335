"""Screenshots of the print preview and renders of the printed documents (docs/screenshots/).

Run with ``CLINICREC_SCREENSHOTS=1``; skipped otherwise (they apply the app style to the whole process).
The PDF pages are rendered with poppler's pdftoppm, as a reviewer would look at them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clinicrec.domain import facemap
from clinicrec.domain.enums import Language, Zone
from clinicrec.domain.models import InjectionPoint
from clinicrec.ui.print_preview import PrintPreviewDialog
from clinicrec.ui.printing import DocumentPrinter
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, signed

pytestmark = [
    pytest.mark.skipif(not os.environ.get("CLINICREC_SCREENSHOTS"), reason="set CLINICREC_SCREENSHOTS=1"),
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils"),
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def render(pdf: bytes, stem: str, tmp_path: Path, pages: tuple[int, ...] = (1, 2)) -> None:
    source = tmp_path / f"{stem}.pdf"
    source.write_bytes(pdf)
    for page in pages:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(source)]
            + [str(OUT / f"{stem}-page-{page}")],
            check=True,
        )


def test_printed_documents_and_the_preview(
    world: World, qtbot, qapp, prompts, worker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.style import apply_style

    apply_style(qapp)
    services = world.services
    world.clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    maria = make_patient(services, first_name="María", last_name="Álvarez")
    vial = make_vial(services)
    points = [
        InjectionPoint.from_units(zone, x, y, vial, units)
        for zone, units in ((Zone.FOREHEAD, 0.2), (Zone.CHEEK_LEFT, 0.25), (Zone.CHEEK_RIGHT, 0.25))
        for x, y in facemap.grid_fill(zone, 1.0)
    ]
    session = signed(world, chart(world, maria, points), reasons="Checked")
    printing = services.printing
    render(printing.handout_bytes(session.id), "handout", tmp_path)
    render(printing.chart_bytes(session.id), "chart", tmp_path)
    render(printing.leaflet_bytes(), "leaflet", tmp_path)
    services.patients.update(replace(services.patients.get(maria.id), preferred_language=Language.SPANISH))
    render(printing.handout_bytes(session.id), "handout-es", tmp_path)
    render(printing.leaflet_bytes(Language.SPANISH), "leaflet-es", tmp_path, pages=(1,))

    printer = DocumentPrinter(services, prompts, worker)
    shown: list[PrintPreviewDialog] = []
    printer.previewer = lambda dialog: (shown.append(dialog), dialog.resize(1280, 800), dialog.show())
    printer.preview_chart(session.id)
    [dialog] = shown
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(
        lambda: dialog.view.grab().toImage().pixelColor(640, 200).lightness() < 255, timeout=15_000
    )
    dialog.grab().save(str(OUT / "print-preview.png"))
    dialog.close()
