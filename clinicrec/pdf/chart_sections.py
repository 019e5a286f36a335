"""The sections of the printed treatment record, each a list of flowables.

Dense and plain: small type, ruled tables, headers that repeat when a table runs onto the next
page. Every dose is printed with its vial's concentration; totals are per product, never summed
across products (units are not interchangeable).
"""

from __future__ import annotations

from datetime import date

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, TableStyle

from ..domain.dilution import fmt_number, fmt_volume
from ..domain.enums import AdditiveKind, Measure, WarningKind
from ..domain.models import Assessment, SafetyScreening, SessionRecord
from ..domain.scales import anchor, short_anchor
from .chart_tables import CELL, S, data_table, heading, kv_grid, p
from .common import (
    ALERT,
    ALERT_SOFT,
    FONT_BOLD,
    INK,
    RULE,
    Table,
    esc,
    esc_lines,
    record_date,
    record_time,
)

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --------------------------------------------------------------------------- sections


def patient_section(r: SessionRecord, width: float) -> list[Flowable]:
    pt = r.patient
    day = r.local_day
    fitz = _ROMAN.get(pt.fitzpatrick_type or 0, "Not recorded")
    pairs = [
        ("Name", pt.full_name),
        (
            "Date of birth",
            f"{record_date(r, pt.date_of_birth)} (age {age_on(pt.date_of_birth, day)})",
        ),
        ("Chart no.", pt.chart_number),
        ("Sex", pt.sex.label),
        ("Fitzpatrick skin type", fitz),
        ("Allergies", pt.allergies.strip() or pt.allergy_status.label),
    ]
    if pt.phone:
        pairs.append(("Phone", pt.phone))
    return [heading("Patient"), kv_grid(pairs, width, columns=4)]


def screening_section(r: SessionRecord, width: float) -> list[Flowable]:
    """Screening answers two abreast; every 'yes' (and any 'other' text) is tinted red and bold.

    The screening confirmed at this session when there is one (yes / no / not asked), else the record's."""
    snap = r.session.screening
    sc = snap.as_screening() if snap is not None else r.patient.screening
    answers = [(q, bool(getattr(sc, name))) for name, q in SafetyScreening.QUESTIONS.items()]
    shown = {q: snap.answer(name).label for name, q in SafetyScreening.QUESTIONS.items()} if snap else {}
    if sc.other.strip():
        answers.append((f"Other: {sc.other.strip()}", True))
    half = (len(answers) + 1) // 2
    rows: list[list[object]] = []
    for i in range(half):
        row: list[object] = []
        for q, yes in (answers[i], answers[i + half] if i + half < len(answers) else ("", False)):
            answer = "YES" if yes else shown.get(q, "No")
            row += [p(q, "cell_b" if yes else "cell") if q else "", answer if q else ""]
        rows.append(row)
    qw = width / 2 - 14 * mm
    t = data_table(["Question", "Answer", "Question", "Answer"], rows, [qw, 14 * mm, qw, 14 * mm])
    marks = []
    for i in range(half):
        for col, j in ((0, i), (2, i + half)):
            if j < len(answers) and answers[j][1]:
                marks += [
                    ("BACKGROUND", (col, i + 1), (col + 1, i + 1), ALERT_SOFT),
                    ("TEXTCOLOR", (col, i + 1), (col + 1, i + 1), ALERT),
                    ("FONT", (col + 1, i + 1), (col + 1, i + 1), FONT_BOLD, CELL, CELL + 2),
                ]
    t.setStyle(TableStyle([("LINEAFTER", (1, 0), (1, -1), 0.6, RULE), *marks]))
    positives = sum(1 for _, yes in answers if yes)
    note = f"{positives} positive answer(s), highlighted." if positives else "No positive answers."
    if snap is not None and snap.asked_at is not None:
        note += f" Asked at this session by {snap.asked_by_name or 'user #' + str(snap.asked_by_id)}, "
        note += f"{record_time(r, snap.asked_at)}."
    else:
        note += " From the patient's record (not confirmed at this session)."
    return [heading("Safety screening"), t, Paragraph(note, S["note"])]


def consent_section(r: SessionRecord, width: float) -> list[Flowable]:
    s = r.session
    c = s.consent
    pairs = [
        ("Consent form", c.form_version if c else "NOT RECORDED"),
        ("Consent given", record_time(r, c.consented_at) if c else "—"),
        ("Consent obtained by", c.obtained_by if c else "—"),
        ("Prescriber", s.prescriber or "—"),
        ("Order reference", s.order_reference or "—"),
        ("Injector", r.injector.signature_name),
        ("Indications", ", ".join(i.label for i in sorted(s.indications, key=lambda i: i.label)) or "—"),
        ("Needle", f"{s.needle_gauge} G" if s.needle_gauge else "—"),
        ("Depth", s.depth.label if s.depth else "—"),
    ]
    if s.touch_up_of_id is not None:
        pairs.append(("Touch-up of session", f"#{s.touch_up_of_id}"))
    out: list[Flowable] = [heading("Consent, order and technique"), kv_grid(pairs, width)]
    if s.notes.strip():
        out += [Spacer(1, 3), Paragraph("<b>Session notes:</b> " + esc_lines(s.notes), S["cell"])]
    return out


def vials_section(r: SessionRecord, width: float) -> list[Flowable]:
    day = r.local_day
    rows, expired = [], []
    for n, v in enumerate(r.vials):
        prod = r.product(v.product_id)
        if v.is_expired(day):
            expired.append(n)
        conc = v.concentration
        made_up = [f"{v.diluent_kind.label} {fmt_volume(v.diluent_ml)}"]
        made_up += [
            f"+ {a.description or AdditiveKind(a.kind).label} {fmt_volume(a.volume_ml)}" for a in v.additives
        ]
        made_up.append(f"= {fmt_volume(v.total_volume_ml)} total")
        rows.append(
            [
                p(f"{prod.brand}\n{prod.generic_name}\n{fmt_number(v.vial_units)} U vial"),
                p(v.lot_number, "cell_b"),
                p(record_date(r, v.expiry_date) + ("\nEXPIRED" if v.is_expired(day) else "")),
                p(record_time(r, v.reconstituted_at).replace(" ", "\n", 1)),
                p("\n".join(made_up)),
                Paragraph(
                    f"<b>{fmt_number(conc.units_per_0_1_ml)} U/0.1 mL</b><br/>"
                    f"({fmt_number(conc.units_per_ml)} U/mL)",
                    S["cell"],
                ),
            ]
        )
    widths = [x * mm for x in (33, 20, 21.5, 22)]
    rest = width - sum(widths) - 28 * mm
    header = [
        "Product",
        "Lot",
        "Expiry",
        "Reconstituted",
        "Diluent + additives = total volume",
        "Concentration",
    ]
    return [heading("Vials"), data_table(header, rows, [*widths, rest, 28 * mm], highlight=expired)]


def _rating(a: Assessment, m: Measure, grade: int | None, *, full: bool) -> str:
    if grade is None:
        return "—"
    words = anchor(m, grade, a.scale_version) if full else short_anchor(m, grade, a.scale_version)
    return f"{grade} – {words}"


def baseline_section(r: SessionRecord, width: float) -> list[Flowable]:
    a = r.session.baseline
    if a is None:
        return [heading("Baseline assessment"), Paragraph("No baseline assessment recorded.", S["cell"])]
    rows = [
        [m.label, _rating(a, m, g, full=True)]
        for m, g in ((Measure.PORES, a.pores), (Measure.OIL, a.oil), (Measure.REDNESS, a.redness))
    ]
    readings = []
    if a.sebum_ug_cm2 is not None:
        readings.append(f"Sebum {fmt_number(a.sebum_ug_cm2, 1)} µg/cm²")
    if a.erythema_index is not None:
        readings.append(f"Erythema index {fmt_number(a.erythema_index, 1)}")
    facts = (
        f"Assessed {record_date(r, a.assessed_on)}"
        + (f" by {a.assessor_name}" if a.assessor_name else "")
        + f" · rating scale version {a.scale_version}"
        + f" · instrument readings: {'; '.join(readings) if readings else 'none'}"
        + f" · photos {'taken' if a.photos_taken else 'not taken'}"
    )
    out: list[Flowable] = [
        heading("Baseline assessment"),
        data_table(["Measure", "Clinician rating (0–4) and its anchor"], rows, [30 * mm, width - 30 * mm]),
        Paragraph(esc(facts), S["note"]),
    ]
    if a.notes.strip():
        out.append(Paragraph("Notes: " + esc_lines(a.notes), S["note"]))
    return out


def follow_up_section(r: SessionRecord, width: float) -> list[Flowable]:
    if not r.follow_ups:
        return []
    rows = []
    for a in r.follow_ups:
        readings = "; ".join(
            x
            for x in (
                a.sebum_ug_cm2 is not None and f"sebum {fmt_number(a.sebum_ug_cm2, 1)} µg/cm²",
                a.erythema_index is not None and f"EI {fmt_number(a.erythema_index, 1)}",
            )
            if x
        )
        rows.append(
            [
                p(f"{a.time_point.label}\n{record_date(r, a.assessed_on)}"),
                p(_rating(a, Measure.PORES, a.pores, full=False)),
                p(_rating(a, Measure.OIL, a.oil, full=False)),
                p(_rating(a, Measure.REDNESS, a.redness, full=False)),
                p(a.gais.label if a.gais else "—"),
                p(f"{a.satisfaction}/5" if a.satisfaction else "—"),
                p(readings or "—"),
                p(
                    ("Touch-up given. " if a.touch_up_given else "")
                    + a.notes
                    + (
                        f" ({a.assessor_name}, scale {a.scale_version})"
                        if a.assessor_name
                        else f" (scale {a.scale_version})"
                    )
                ),
            ]
        )
    widths = [x * mm for x in (20, 24, 24, 24, 21, 14, 24)]
    widths.append(width - sum(widths))
    header = ["Visit", "Pores", "Oil", "Redness", "GAIS", "Satisf.", "Readings", "Notes"]
    return [heading("Follow-up assessments"), data_table(header, rows, widths)]


def adverse_events_section(r: SessionRecord, width: float) -> list[Flowable]:
    if not r.adverse_events:
        return [heading("Adverse events"), Paragraph("None recorded.", S["cell"])]
    rows = [
        [
            p(e.kind.label, "cell_b"),
            record_date(r, e.onset),
            e.severity.label,
            record_date(r, e.resolved_on) if e.resolved_on else "Ongoing",
            p(e.resolution),
            p(e.notes),
        ]
        for e in r.adverse_events
    ]
    widths = [x * mm for x in (32, 20, 18, 20)]
    rest = width - sum(widths)
    return [
        heading("Adverse events"),
        data_table(
            ["Event", "Onset", "Severity", "Resolved", "Resolution", "Notes"],
            rows,
            [*widths, rest / 2, rest / 2],
        ),
    ]


def acknowledgements_section(r: SessionRecord, width: float) -> list[Flowable]:
    acks = r.session.acknowledgements
    if not acks:
        return [heading("Safety warnings acknowledged"), Paragraph("None.", S["cell"])]
    rows, contraindicated = [], []
    for n, a in enumerate(acks):
        who = (
            r.injector.full_name
            if a.by_user_id == r.injector.id
            else (f"User #{a.by_user_id}" if a.by_user_id is not None else "—")
        )
        if a.kind == WarningKind.CONTRAINDICATION:
            contraindicated.append(n)
            what = f"CONTRAINDICATION\n{a.facts}" if a.facts else "CONTRAINDICATION"
            reason = f"{a.reason}\nOn the order of: {a.prescriber or '—'}"
            rows.append([p(what, "cell_b"), p(reason), p(f"{who}\n{record_time(r, a.at)}")])
        else:
            rows.append(
                [
                    p(a.kind.label, "cell_b"),
                    p(a.reason),
                    p(f"{who}\n{record_time(r, a.at)}"),
                ]
            )
    table = data_table(
        ["Warning", "Reason recorded", "By / when"], rows, [55 * mm, width - 100 * mm, 45 * mm]
    )
    for n in contraindicated:
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, n + 1), (-1, n + 1), ALERT_SOFT),
                    ("BOX", (0, n + 1), (-1, n + 1), 1.2, ALERT),
                ]
            )
        )
    return [heading("Safety warnings acknowledged"), table]


def signature_section(r: SessionRecord, width: float) -> list[Flowable]:
    if r.signature is None:
        body: Flowable = Paragraph(
            "DRAFT — NOT SIGNED. This record has not been signed and is not final.", S["alert"]
        )
        colour, bg = ALERT, ALERT_SOFT
    else:
        body = Paragraph(f"<b>Signed:</b> {esc(r.signature.describe(r.time_zone))}", S["sig"])
        colour, bg = INK, colors.white
    box = Table([[body]], colWidths=[width])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, colour),
                ("BACKGROUND", (0, 0), (-1, -1), bg),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return [KeepTogether([heading("Signature"), box])]


def amendments_section(r: SessionRecord, width: float) -> list[Flowable]:
    rows = []
    if r.amends is not None:
        a = r.amends
        rows.append(
            [
                p(f"This record amends session #{a.session_id}", "cell_b"),
                p(a.author_name),
                p(record_time(r, a.at)),
                p(a.reason),
            ]
        )
    for a in r.amended_by:
        rows.append(
            [
                p(f"Amended by session #{a.session_id}", "cell_b"),
                p(a.author_name),
                p(record_time(r, a.at)),
                p(a.reason),
            ]
        )
    if not rows:
        return []
    return [
        heading("Amendments"),
        data_table(
            ["Record", "Author", "When", "Reason"], rows, [48 * mm, 34 * mm, 36 * mm, width - 118 * mm]
        ),
    ]
