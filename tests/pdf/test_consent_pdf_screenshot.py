"""The consent PDF as printed, for docs/screenshots: written privately, then its pages rendered."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import World, make_patient
from tests.services.oversight_helpers import sign_consent

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_consent_pdf_screenshot(world: World, tmp_path: Path) -> None:
    patient = make_patient(world.services, first_name="Maria", last_name="Lopez")
    consent = sign_consent(world, patient.id)
    pdf = tmp_path / "consent.pdf"
    world.as_(world.injector).consents.write_pdf(consent.id, pdf)  # type: ignore[arg-type]
    assert pdf.stat().st_mode & 0o077 == 0  # private, like every file with patient data
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2
    if os.environ.get("CLINICREC_SCREENSHOTS") == "1":  # docs/screenshots only when asked
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(pages[0], SHOTS / "consent-pdf-page1.png")
        shutil.copy(pages[-1], SHOTS / "consent-pdf-signed.png")
