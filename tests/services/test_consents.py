"""Signed consent: recorded and witnessed, the exact text kept, withdrawn not edited, required to sign."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from clinicrec.db.models import AuditRow, ConsentRow
from clinicrec.domain.consent import (
    ConsentSettings,
    ConsentSignature,
    ConsentStatus,
    PhotoScope,
    SignatureKind,
    StrokePoint,
)
from clinicrec.domain.enums import AuditAction
from clinicrec.domain.errors import ValidationError
from clinicrec.pdf.consent_forms import signed_template
from clinicrec.pdf.templates import plain_text
from tests.conftest import PASSWORD, World, make_patient

from .oversight_helpers import draft, drawn, sign_consent

pytestmark = pytest.mark.postgres  # on SQLite and on PostgreSQL

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def require_consent(world: World, months: int = 12) -> None:
    world.as_(world.admin).consents.update_settings(
        ConsentSettings("microbotox_treatment", validity_months=months, required_for_signing=True)
    )


def test_a_drawn_consent_keeps_text_strokes_image_witness_and_workstation(world: World) -> None:
    patient = make_patient(world.services)
    consent = sign_consent(world, patient.id)
    assert consent.id is not None and consent.status is ConsentStatus.IN_FORCE
    assert consent.witness_name.startswith(world.injector.full_name)
    assert consent.workstation and consent.signed_at is not None
    assert "Forehead" in consent.text and patient.last_name in consent.text
    assert consent.signature.strokes == drawn().strokes  # every point, pressure and time read back
    assert consent.signature_png.startswith(b"\x89PNG")
    assert consent.form_version == "MBX-TREAT-1"
    with world.services.db.read() as s:
        entry = s.execute(select(AuditRow).where(AuditRow.entity == "consent")).scalars().one()
    assert entry.action == AuditAction.CREATE.value and entry.row_hash


def test_the_exact_text_signed_survives_a_change_of_the_form(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = make_patient(world.services)
    signed = sign_consent(world, patient.id)
    from clinicrec.pdf import consent_forms

    original = consent_forms.load_form

    def reworded(key: str, language=consent_forms.Language.ENGLISH):  # type: ignore[no-untyped-def]
        form = original(key, language)
        source = form.source.replace("MBX-TREAT-1", "MBX-TREAT-2").replace(
            "Like any treatment", "As with all care"
        )
        return consent_forms.parse_form(source, language=language)

    monkeypatch.setattr(consent_forms, "load_form", reworded)
    newer = world.services.consents.prepare(patient.id)
    assert newer.version == "MBX-TREAT-2" and "As with all care" in newer.text
    again = world.services.consents.get(signed.id)  # type: ignore[arg-type]
    assert again.text == signed.text and "Like any treatment" in again.text
    assert again.text_sha256 == signed.text_sha256
    words = plain_text(signed_template(again.text, again.kind, again.language), {})  # type: ignore[arg-type]
    assert "Like any treatment" in words


def test_signing_again_supersedes_and_withdrawal_is_dated_with_a_reason(world: World) -> None:
    patient = make_patient(world.services)
    first = sign_consent(world, patient.id)
    world.clock.advance(minutes=1)
    second = sign_consent(world, patient.id)
    assert world.services.consents.get(first.id).status is ConsentStatus.SUPERSEDED  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as e:
        world.services.consents.withdraw(second.id, "no")  # type: ignore[arg-type]
    assert e.value.fields == {"reason"}
    withdrawn = world.services.consents.withdraw(second.id, "Patient changed her mind")  # type: ignore[arg-type]
    assert withdrawn.status is ConsentStatus.WITHDRAWN and withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawn_reason == "Patient changed her mind"
    with pytest.raises(ValidationError, match="withdrawn"):
        world.services.consents.withdraw(second.id, "Twice withdrawn")  # type: ignore[arg-type]


def test_a_consent_changed_behind_the_application_is_found_by_verify(world: World) -> None:
    patient = make_patient(world.services)
    consent = sign_consent(world, patient.id)
    with world.services.db.write() as s, s.begin():
        s.execute(text("UPDATE consents SET text = 'I agree to anything' WHERE id = :i"), {"i": consent.id})
    result = world.as_(world.admin).audit_log.verify_chain()
    assert not result.ok
    assert any("consent" in str(p).lower() for p in result.problems)


def test_a_signature_is_refused_with_the_field_named(world: World) -> None:
    patient = make_patient(world.services)
    svc = world.as_(world.injector)
    prepared = svc.consents.prepare(patient.id)
    cases = [
        (ConsentSignature(SignatureKind.DRAWN), "signature"),
        (
            ConsentSignature(SignatureKind.DRAWN, ((StrokePoint(1.5, 0.2), StrokePoint(0.2, 0.2)),)),
            "signature",
        ),
        (ConsentSignature(SignatureKind.TYPED, typed_name=" "), "typed_name"),
        (ConsentSignature(SignatureKind.PAPER, reason="Paper form signed at the desk"), "scan"),
        (ConsentSignature(SignatureKind.PAPER, scan=b"GIF89a...", reason="Paper form signed"), "scan"),
        (ConsentSignature(SignatureKind.PAPER, scan=PNG, reason=""), "reason"),
    ]
    for signature, field in cases:
        with pytest.raises(ValidationError) as e:
            svc.consents.record(prepared, signature, PASSWORD)
        assert field in e.value.fields, (signature, e.value)
    with pytest.raises(ValidationError) as e:
        svc.consents.record(prepared, drawn(), "wrong password")
    assert e.value.fields == {"password"}
    with pytest.raises(ValidationError) as e:
        svc.consents.record(prepared, drawn(), PASSWORD, read_to_end=False)
    assert e.value.fields == {"text"}
    world.as_(world.admin).consents.update_settings(
        ConsentSettings("microbotox_treatment", typed_name_allowed=False)
    )
    with pytest.raises(ValidationError, match="typed name"):
        world.as_(world.injector).consents.record(
            prepared, ConsentSignature(SignatureKind.TYPED, typed_name="Ada Lovelace"), PASSWORD
        )
    with world.services.db.read() as s:
        assert s.execute(select(ConsentRow)).first() is None


def test_a_session_without_a_valid_consent_cannot_be_signed(world: World) -> None:
    require_consent(world, months=12)
    session = draft(world)
    svc = world.as_(world.injector)
    with pytest.raises(ValidationError) as e:
        svc.charting.sign(session.id, PASSWORD)  # type: ignore[arg-type]
    assert e.value.fields == {"consent"}
    state = svc.consents.state(session.patient_id)
    assert not state.in_force and "No signed consent" in state.message
    sign_consent(world, session.patient_id)
    assert svc.consents.state(session.patient_id).in_force
    signed = svc.charting.sign(session.id, PASSWORD)  # type: ignore[arg-type]
    assert signed.status.value == "signed"


def test_an_expired_consent_does_not_count(world: World) -> None:
    require_consent(world, months=12)
    patient = make_patient(world.services)
    sign_consent(world, patient.id)
    world.clock.set(world.clock() + timedelta(days=400))
    session = draft(world, patient.id)
    with pytest.raises(ValidationError, match="expired"):
        world.as_(world.injector).charting.sign(session.id, PASSWORD)  # type: ignore[arg-type]


def test_a_paper_consent_with_its_scan_and_reason_allows_signing(world: World) -> None:
    require_consent(world)
    session = draft(world)
    paper = ConsentSignature(SignatureKind.PAPER, scan=PNG, reason="Signed the paper form; pad out of order")
    consent = sign_consent(world, session.patient_id, signature=paper)
    assert consent.signature.scan == PNG and consent.signature.scan_type == "image/png"
    world.as_(world.injector).charting.sign(session.id, PASSWORD)  # type: ignore[arg-type]


def test_a_withdrawn_consent_stops_new_sessions(world: World) -> None:
    patient = make_patient(world.services)
    consent = sign_consent(world, patient.id)
    world.services.consents.withdraw(consent.id, "Patient no longer wants treatment")  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as e:
        draft(world, patient.id)
    assert e.value.fields == {"consent"} and "withdrew" in str(e.value)
    world.clock.advance(minutes=1)
    sign_consent(world, patient.id)  # she signs again
    assert draft(world, patient.id).id is not None


def test_photo_consent_scopes(world: World) -> None:
    patient = make_patient(world.services)
    assert world.services.consents.photo_scopes(patient.id) == set()
    consent = sign_consent(
        world, patient.id, "photo", scopes=frozenset({PhotoScope.CLINICAL, PhotoScope.TEACHING})
    )
    assert world.services.consents.photo_scopes(patient.id) == {"clinical", "teaching"}
    world.services.consents.withdraw(consent.id, "No more teaching photos")  # type: ignore[arg-type]
    assert world.services.consents.photo_scopes(patient.id) == set()
    with pytest.raises(ValidationError) as e:
        sign_consent(world, patient.id, scopes=frozenset({PhotoScope.MARKETING}))
    assert e.value.fields == {"scopes"}


def test_the_consent_pdf_carries_the_signature_image_and_the_witness(world: World) -> None:
    patient = make_patient(world.services)
    consent = sign_consent(world, patient.id)
    pdf = world.as_(world.injector).consents.pdf_bytes(consent.id)  # type: ignore[arg-type]
    reader = PdfReader(io.BytesIO(pdf))
    words = "\n".join(page.extract_text() for page in reader.pages)
    assert "Consent for Microbotox treatment" in words
    assert world.injector.full_name in words and "MBX-TREAT-1" in words
    assert "trouble swallowing" in words
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 1
    from PIL import Image, ImageChops

    stored = Image.open(io.BytesIO(consent.signature_png)).convert("RGB")
    printed = images[0].image.convert("RGB")  # type: ignore[union-attr]
    assert printed.size == stored.size
    assert ImageChops.difference(stored, printed).getbbox() is None  # the same picture, pixel for pixel
    with world.services.db.read() as s:
        assert s.execute(select(AuditRow).where(AuditRow.entity == "consent_pdf")).first() is not None


def test_the_chart_lists_consents_in_force(world: World) -> None:
    patient = make_patient(world.services)
    sign_consent(world, patient.id)
    sign_consent(world, patient.id, "photo", scopes=frozenset({PhotoScope.CLINICAL}))
    forms = {c.form_key: c.form_version for c in world.services.consents.in_force(patient.id)}
    assert forms == {"microbotox_treatment": "MBX-TREAT-1", "photo": "PHOTO-1"}


def test_the_chart_pdf_lists_the_consents_in_force_with_their_versions(world: World) -> None:
    from clinicrec.services.printing import PrintService

    session = draft(world)
    sign_consent(world, session.patient_id)
    sign_consent(world, session.patient_id, "photo", scopes=frozenset({PhotoScope.CLINICAL}))
    signed = world.as_(world.injector).charting.sign(session.id, PASSWORD)  # type: ignore[arg-type]
    pdf = PrintService(world.services.ctx).chart_bytes(signed.id)  # type: ignore[arg-type]
    words = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Signed consents in force" in words
    assert "MBX-TREAT-1" in words and "PHOTO-1" in words and "photo uses: Clinical record" in words
