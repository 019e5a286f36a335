"""Handout templates: the shipped wording is valid; every broken template is refused, with its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicrec.domain.errors import ClinicRecError
from clinicrec.domain.models import ClinicSettings, SessionRecord
from clinicrec.pdf import build_handout, build_leaflet
from clinicrec.pdf.templates import (
    HANDOUT_FIELDS,
    LEAFLET_FIELDS,
    SectionKind,
    TemplateError,
    fill,
    load_template_text,
    parse_template,
    validate_template,
)

from .conftest import PdfText

CREDIT = (
    'The facts about Microbotox come from the article "Microbotox" by Dana Castelli, '
    "a registered nurse (RN, BSN)."
)
GOOD = """\
% a comment that is never printed
@title Aftercare for {patient_name}

Intro for {patient_first_name}.

# What to expect
Bruising may last 7 to 10 days.

#! When to seek care at once
Get help at once if you have:
- trouble swallowing
- trouble speaking
- trouble breathing
- drooping eyelids
- double vision

#~ About this sheet
Based on the article "Microbotox" by Dana Castelli, RN, BSN.
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_shipped_templates_are_valid_and_have_the_required_sections() -> None:
    for name, fields in (("aftercare", HANDOUT_FIELDS), ("leaflet", LEAFLET_FIELDS)):
        template = validate_template(load_template_text(name), fields)
        warning = template.section(SectionKind.WARNING)
        assert warning is not None and warning.heading == "When to seek care at once"
        headings = [s.heading for s in template.sections]
        assert {"What Microbotox is", "How it differs from regular Botox", "What it can help with"} <= set(
            headings
        )
        credit = template.section(SectionKind.SMALL_PRINT)
        assert credit is not None
        assert CREDIT in " ".join(credit.blocks[0].items)


def test_the_leaflet_uses_no_patient_fields() -> None:
    template = validate_template(load_template_text("leaflet"), LEAFLET_FIELDS)
    assert template.placeholders <= LEAFLET_FIELDS
    assert not any(name.startswith("patient") for name in template.placeholders)


def test_an_unknown_placeholder_is_rejected_naming_it_and_its_line() -> None:
    text = GOOD.replace("Bruising may last", "Dear {patiant_name}, bruising may last")
    with pytest.raises(TemplateError) as info:
        validate_template(text, HANDOUT_FIELDS)
    line = line_of(text, "{patiant_name}")
    (problem,) = info.value.problems
    assert (problem.line, problem.placeholder) == (line, "patiant_name")
    assert f"line {line}: unknown placeholder {{patiant_name}}" in str(info.value)
    assert "{patient_name}" in str(info.value)  # the message lists what is allowed


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("Review on {review_date.", "unbalanced '{'"),
        ("Review on review_date}.", "unbalanced '}'"),
        ("Review on {}.", "empty placeholder '{}'"),
        ("Review on {  }.", "empty placeholder"),
        ("Review on {review date}.", "invalid placeholder name {review date}"),
        ("Review on {{review_date}.", "unbalanced '}'"),
        ("Review on **{review_date}.", "unbalanced '**'"),
    ],
)
def test_broken_placeholders_are_rejected_with_their_line(broken: str, message: str) -> None:
    text = GOOD.replace("Bruising may last 7 to 10 days.", broken)
    with pytest.raises(TemplateError) as info:
        validate_template(text, HANDOUT_FIELDS)
    line = line_of(text, "Review on")
    assert [p.line for p in info.value.problems] == [line]
    assert message in str(info.value.problems[0])
    assert f"line {line}:" in str(info.value)


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = GOOD.replace("Intro for {patient_first_name}.", "Intro for {first}.").replace(
        "Bruising may last 7 to 10 days.", "Bruising {} and {clinic_phone"
    )
    with pytest.raises(TemplateError) as info:
        validate_template(text, HANDOUT_FIELDS)
    intro, body = line_of(text, "Intro for"), line_of(text, "Bruising")
    assert [p.line for p in info.value.problems] == [intro, body, body]


def test_a_template_without_the_warning_section_is_refused() -> None:
    text = load_template_text("aftercare")
    start = text.index("#! When to seek care at once")
    end = text.index("# Your review visit")
    with pytest.raises(TemplateError) as info:
        validate_template(text[:start] + text[end:], HANDOUT_FIELDS)
    assert "warning section is missing" in str(info.value)
    assert "patient safety" in str(info.value)


def test_a_warning_section_turned_into_an_ordinary_section_is_refused() -> None:
    text = GOOD.replace("#! When to seek care at once", "# When to seek care at once")
    with pytest.raises(TemplateError, match="warning section is missing"):
        validate_template(text, HANDOUT_FIELDS)


@pytest.mark.parametrize(
    "sign",
    ["trouble swallowing", "trouble speaking", "trouble breathing", "drooping eyelids", "double vision"],
)
def test_a_warning_section_that_drops_a_sign_is_refused(sign: str) -> None:
    text = GOOD.replace(f"- {sign}\n", "")
    with pytest.raises(TemplateError) as info:
        validate_template(text, HANDOUT_FIELDS)
    assert f"must name the sign '{sign}'" in str(info.value)
    assert info.value.problems[0].line == line_of(text, "#! When to seek care")


def test_patient_fields_are_unknown_in_the_leaflet() -> None:
    with pytest.raises(TemplateError, match=r"unknown placeholder \{patient_name\}"):
        validate_template(GOOD, LEAFLET_FIELDS)


def test_unknown_directive_and_empty_heading_are_reported() -> None:
    text = GOOD.replace("@title Aftercare for {patient_name}", "@heading Aftercare").replace(
        "# What to expect", "#"
    )
    with pytest.raises(TemplateError) as info:
        validate_template(text, HANDOUT_FIELDS)
    messages = [str(p) for p in info.value.problems]
    assert any("unknown directive '@heading'" in m for m in messages)
    assert any("empty section heading" in m for m in messages)


def test_template_error_is_a_clinicrec_error() -> None:
    assert issubclass(TemplateError, ClinicRecError)


def test_fill_escapes_values_marks_bold_and_keeps_literal_braces() -> None:
    values = {"clinic_name": "Smith & Co <Skin>", "clinic_phone": "0117 496 0321"}
    assert fill("Call **{clinic_phone}** at {clinic_name} {{24/7}}", values) == (
        "Call <b>0117 496 0321</b> at Smith &amp; Co &lt;Skin&gt; {24/7}"
    )
    assert fill("Call **{clinic_phone}**", values, markup=False) == "Call 0117 496 0321"


def test_a_line_whose_fields_are_all_blank_is_left_out() -> None:
    assert fill("Email: {clinic_email}", {"clinic_email": ""}) is None
    assert fill("Email: {clinic_email} or {clinic_phone}", {"clinic_email": "", "clinic_phone": "1"}) == (
        "Email:  or 1"
    )
    assert fill("No fields here", {}) == "No fields here"


def test_multi_line_addresses_fill_on_one_line() -> None:
    assert fill("{clinic_address}", {"clinic_address": "12 Harbour Street\n Bristol BS1 4QA\n"}) == (
        "12 Harbour Street, Bristol BS1 4QA"
    )


def test_paragraph_lines_join_and_indented_lines_continue_a_bullet() -> None:
    text = GOOD.replace(
        "Bruising may last 7 to 10 days.",
        "First line\nsecond line.\n- bullet one\n  continues here\n- bullet two",
    )
    template = validate_template(text, HANDOUT_FIELDS)
    section = template.sections[0]
    assert [b.items for b in section.blocks] == [
        ("First line second line.",),
        ("bullet one continues here", "bullet two"),
    ]
    assert [b.bullets for b in section.blocks] == [False, True]


def test_a_clinic_supplied_template_file_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "our-aftercare.txt"
    path.write_text(GOOD, encoding="utf-8")
    assert load_template_text(path) == GOOD
    with pytest.raises(TemplateError, match="cannot read"):
        load_template_text(tmp_path / "missing.txt")


def test_a_broken_template_stops_the_handout_and_writes_nothing(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings
) -> None:
    out = tmp_path / "handout.pdf"
    with pytest.raises(TemplateError, match="unknown placeholder"):
        build_handout(record, clinic, out, template_text=GOOD.replace("{patient_name}", "{name}"))
    assert not out.exists()
    with pytest.raises(TemplateError, match="warning section is missing"):
        build_leaflet(clinic, out, template_text="@title Leaflet\n# About\nText.\n")
    assert not out.exists()


def test_a_clinic_template_is_what_gets_printed(
    tmp_path: Path, record: SessionRecord, clinic: ClinicSettings, read_pdf: PdfText
) -> None:
    out = tmp_path / "handout.pdf"
    build_handout(record, clinic, out, template_text=GOOD)
    text = read_pdf(out)
    assert "Aftercare for Zoë Ñúñez-Øster" in text
    assert "Intro for Zoë." in text
    assert "What to expect" in text and "Bruising may last 7 to 10 days." in text
    assert "a comment that is never printed" not in text
    assert "How it differs from regular Botox" not in text  # the shipped wording was not used


@given(
    st.lists(st.sampled_from([*"{}#!~%@-* \nab_", "{patient_name}", "#! W", "- x", "**"]), max_size=40).map(
        "".join
    )
)
def test_any_text_is_either_accepted_or_refused_with_problems(text: str) -> None:
    template, problems = parse_template(text, HANDOUT_FIELDS)
    if problems:
        with pytest.raises(TemplateError):
            validate_template(text, HANDOUT_FIELDS)
        assert all(p.line >= 0 for p in problems)
    else:
        assert validate_template(text, HANDOUT_FIELDS) == template
