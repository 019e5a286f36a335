"""The consent PDF: the exact text the patient signed, their signature, the witness, the dates.

Printed for the patient and kept. It is made from the stored consent only (the text signed, not
today's form file), so a consent printed years later reads as it was signed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from ..domain.clinic_time import local_date
from ..domain.consent import ConsentFormKind, ConsentRecord, ConsentStatus, PhotoScope, SignatureKind
from ..domain.date_text import DateOrder
from ..domain.enums import Language
from ..domain.models import ClinicSettings
from .common import RULE, Output, esc, iso_time, long_date, open_output, page_size, register_fonts
from .consent_forms import signed_template
from .handout_layout import MARGIN, REGULAR, story_from_template

_WORDS = {
    Language.ENGLISH: {
        "signed_by": "Signed by the patient",
        "typed": "Typed name (the patient ticked that this is their signature)",
        "paper": "Signed on paper; the scan is kept with the record. Reason",
        "witness": "Witness",
        "when": "Signed on",
        "where": "Workstation",
        "version": "Form version",
        "uses": "Uses of photos",
        "yes": "yes",
        "no": "no",
        "withdrawn": "WITHDRAWN on {day}: {reason}",
        "superseded": "Replaced by a newer signed consent",
    },
    Language.SPANISH: {
        "signed_by": "Firma de la persona atendida",
        "typed": "Nombre escrito (la persona marcó que es su firma)",
        "paper": "Firmado en papel; el escaneo se guarda con el registro. Motivo",
        "witness": "Testigo",
        "when": "Firmado el",
        "where": "Puesto de trabajo",
        "version": "Versión del formulario",
        "uses": "Usos de las fotos",
        "yes": "sí",
        "no": "no",
        "withdrawn": "RETIRADO el {day}: {reason}",
        "superseded": "Sustituido por un consentimiento firmado más reciente",
    },
}


def build_consent_pdf(consent: ConsentRecord, clinic: ClinicSettings, out: Output) -> None:
    register_fonts()
    language = (
        Language(consent.language) if consent.language in {x.value for x in Language} else Language.ENGLISH
    )
    words = _WORDS[language]
    look = REGULAR
    size = page_size(clinic.paper_size)
    width = size[0] - 2 * MARGIN
    template = signed_template(consent.text, consent.kind, language)
    story = [
        Paragraph(esc(clinic.name), look.styles["small"]),
        *story_from_template(template, {}, width, look),
    ]
    zone = clinic.time_zone
    rows: list[tuple[str, str]] = []
    if consent.kind is ConsentFormKind.PHOTO:
        uses = ", ".join(
            f"{scope.label}: {words['yes'] if scope in consent.scopes else words['no']}"
            for scope in PhotoScope
        )
        rows.append((words["uses"], uses))
    signature: list[object] = [
        Paragraph(f"<b>{words['signed_by']}</b>: {esc(consent.patient_name)}", look.styles["body"])
    ]
    sig = consent.signature
    if sig.kind is SignatureKind.DRAWN and consent.signature_png:
        signature.append(Image(io.BytesIO(consent.signature_png), width=90 * mm, height=30 * mm))
    elif sig.kind is SignatureKind.TYPED:
        signature.append(Paragraph(f"{words['typed']}: <i>{esc(sig.typed_name)}</i>", look.styles["body"]))
    else:
        signature.append(Paragraph(f"{words['paper']}: {esc(sig.reason)}", look.styles["body"]))
    rows += [
        (words["when"], iso_time(consent.signed_at, zone, clinic.date_order)),
        (words["witness"], consent.witness_name),
        (words["where"], consent.workstation),
        (words["version"], f"{consent.form_version} · SHA-256 {consent.text_sha256[:16]}…"),
    ]
    signature += [Paragraph(f"{esc(k)}: {esc(v)}", look.styles["body"]) for k, v in rows]
    if consent.status is ConsentStatus.WITHDRAWN and consent.withdrawn_at is not None:
        day = long_date(local_date(consent.withdrawn_at, zone))
        text = words["withdrawn"].format(day=day, reason=esc(consent.withdrawn_reason))
        signature.append(Paragraph(f"<b>{text}</b>", look.styles["h2"]))
    elif consent.status is ConsentStatus.SUPERSEDED:
        signature.append(Paragraph(f"<b>{words['superseded']}</b>", look.styles["h2"]))
    story += [Spacer(1, 4 * mm), HRFlowable(width="100%", thickness=0.8, color=RULE), KeepTogether(signature)]
    doc = SimpleDocTemplate(
        open_output(out),
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=consent.title,
        author=clinic.name,
        subject=f"Consent {consent.form_key} {consent.form_version}",
    )
    doc.build(story)


def consents_in_force_section(
    consents: Sequence[ConsentRecord], zone: str, width: float, order: DateOrder = DateOrder.ISO
) -> list[Flowable]:
    """For the chart PDF: the signed consents in force when the chart was signed, with their versions
    (the times in the clinic's zone and date format)."""
    from .chart_tables import heading, kv_grid

    if not consents:
        return [heading("Signed consents in force"), Paragraph("None on record.", REGULAR.styles["body"])]
    pairs = [
        (
            c.title,
            f"version {c.form_version}; signed {iso_time(c.signed_at, zone, order)} "
            f"({c.signature.kind.label.lower()}); witness {c.witness_name}"
            + (
                f"; photo uses: {', '.join(s.label for s in PhotoScope if s in c.scopes) or 'none'}"
                if c.kind is ConsentFormKind.PHOTO
                else ""
            ),
        )
        for c in consents
    ]
    return [heading("Signed consents in force"), kv_grid(pairs, width, columns=1)]
