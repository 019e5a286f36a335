"""Issue 14: the printed consent and the meeting report write their dates in the clinic's date format
(day first here: 30/06/2026), the report's times on the clinic's clock with its zone named; file names
and CSV headers keep ISO dates (for machines and sorting)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

from pypdf import PdfReader

from clinicrec.domain.date_text import DateOrder
from clinicrec.pdf.report_pdf import build_report_pdf
from tests.conftest import World, make_patient
from tests.services.oversight_helpers import sign_consent
from tests.services.test_reports import PERIOD, build_scenario


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def _clinic_writes(world: World, order: DateOrder, zone: str = "UTC") -> None:
    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), date_order=order, time_zone=zone))


def test_the_consent_pdf_writes_the_signing_date_in_the_clinics_format(world: World) -> None:
    world.clock.set(datetime(2026, 6, 30, 9, 15, tzinfo=UTC))
    _clinic_writes(world, DateOrder.DAY_FIRST)
    patient = make_patient(world.as_(world.injector))
    consent = sign_consent(world, patient.id)
    text = _text(world.as_(world.injector).consents.pdf_bytes(consent.id))
    assert "Signed on: 30/06/2026 09:15 UTC" in text
    assert "2026-06-30" not in text


def test_the_consent_pdf_month_first(world: World) -> None:
    world.clock.set(datetime(2026, 6, 30, 9, 15, tzinfo=UTC))
    _clinic_writes(world, DateOrder.MONTH_FIRST)
    patient = make_patient(world.as_(world.injector))
    consent = sign_consent(world, patient.id)
    text = _text(world.as_(world.injector).consents.pdf_bytes(consent.id))
    assert "Signed on: 06/30/2026 09:15 UTC" in text


def test_the_report_pdf_writes_its_dates_in_the_clinics_format(world: World) -> None:
    build_scenario(world)  # the clock at 2026-06-30 12:00 UTC
    _clinic_writes(world, DateOrder.DAY_FIRST, "Australia/Sydney")
    reports = world.as_(world.manager).reports
    bundle = reports.bundle(PERIOD)
    assert (bundle.date_order, bundle.time_zone) == (DateOrder.DAY_FIRST, "Australia/Sydney")
    out = io.BytesIO()
    build_report_pdf(bundle, out)
    text = _text(out.getvalue())
    # 12:00 UTC is 22:00 in Sydney (AEST, winter there)
    assert "Generated 30/06/2026 22:00 AEST (Australia/Sydney) by Morgan Manager" in text
    assert "01/03/2026 to 30/06/2026" in text  # the period, in the heading and the page header
    assert "Waste as of 30/06/2026 22:00 AEST (Australia/Sydney)" in text
    assert "days after treatment, as of 30/06/2026:" in text
    assert "2026-06-30" not in text and "2026-03-01" not in text and " UTC" not in text
    # file names and CSV headers keep ISO dates
    assert dict(reports.describe_filters(PERIOD))["Period"] == "2026-03-01 to 2026-06-30"


def test_the_report_pdf_in_iso_names_utc(world: World) -> None:
    build_scenario(world)
    reports = world.as_(world.manager).reports
    out = io.BytesIO()
    build_report_pdf(reports.bundle(PERIOD), out)
    text = _text(out.getvalue())
    assert "Generated 2026-06-30 12:00 UTC by Morgan Manager" in text
    assert "2026-03-01 to 2026-06-30" in text


def test_the_progress_sheets_photo_dates_follow_the_clinics_format(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.services.photos.printed import PhotoPrinting
    from tests.pdf.test_photo_pages import _photos

    world.clock.set(datetime(2026, 6, 2, 10, 0, tzinfo=UTC))
    _clinic_writes(world, DateOrder.DAY_FIRST)
    svc = world.as_(world.injector)
    patient = make_patient(svc, first_name="Lena")
    _photos(world, patient.id, None)  # type: ignore[arg-type]  # baseline today, week 4 28 days on
    out = PhotoPrinting(svc.ctx).progress_sheet_pdf(patient.id, tmp_path / "progress.pdf")  # type: ignore[arg-type]
    text = " ".join(" ".join((pg.extract_text() or "").split()) for pg in PdfReader(str(out)).pages)
    assert ": 02/06/2026" in text and "Week 4: 30/06/2026" in text
    assert "2026-06-02" not in text and "2026-06-30" not in text


def test_the_progress_sheets_photo_dates_are_the_clinics_days_not_utcs(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A Los Angeles clinic photographs at 20:30 on 1 June (03:30 UTC on the 2nd) and again four weeks
    later at the same hour: each prints the clinic's date, and the days count the clinic's days."""
    from clinicrec.services.photos.printed import PhotoPrinting
    from tests.pdf.test_photo_pages import _photos

    world.clock.set(datetime(2026, 6, 2, 3, 30, tzinfo=UTC))
    _clinic_writes(world, DateOrder.DAY_FIRST, "America/Los_Angeles")
    svc = world.as_(world.injector)
    patient = make_patient(svc, first_name="Lena")
    _photos(world, patient.id, None)  # type: ignore[arg-type]  # baseline now, week 4 28 days on
    out = PhotoPrinting(svc.ctx).progress_sheet_pdf(patient.id, tmp_path / "progress.pdf")  # type: ignore[arg-type]
    text = " ".join(" ".join((pg.extract_text() or "").split()) for pg in PdfReader(str(out)).pages)
    assert ": 01/06/2026" in text and "Week 4: 29/06/2026" in text, text
    assert "02/06/2026" not in text and "30/06/2026" not in text


def test_a_photos_days_after_treatment_are_counted_in_the_clinics_days(world: World) -> None:
    """Treated at 09:00 on 1 June in Sydney (23:00 UTC on 31 May): a photo at 23:59 that evening is day 0
    (UTC would say day 1), one at 00:01 the next morning day 1."""
    from clinicrec.domain.enums import TimePoint
    from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
    from tests.conftest import make_vial
    from tests.services.test_charting import chart, grid, signed
    from tests.ui.photos.faces import face

    _clinic_writes(world, DateOrder.DAY_FIRST, "Australia/Sydney")
    world.clock.set(datetime(2026, 5, 31, 23, 0, tzinfo=UTC))
    svc = world.as_(world.injector)
    patient = make_patient(svc)
    session = signed(world, chart(world, patient, grid(make_vial(svc), 0.5, 4)), reasons="Cleared")
    svc.photos.record_consent(patient.id, (ConsentScope.CLINICAL,), date(2026, 5, 1))  # type: ignore[arg-type]
    taken = []
    for instant in (datetime(2026, 6, 1, 13, 59, tzinfo=UTC), datetime(2026, 6, 1, 14, 1, tzinfo=UTC)):
        world.clock.set(instant)
        details = PhotoDetails(patient.id, PhotoView.FRONT, TimePoint.BASELINE, session_id=session.id)  # type: ignore[arg-type]
        taken.append(svc.photos.import_photo(details, face(400, 300)[0]))
    assert svc.photos.days_since_treatment(taken) == {taken[0].id: 0, taken[1].id: 1}
