"""Consent forms: versioned, editable text files in ``resources/consents/``, checked like the handouts.

Each form is a handout-format template (see ``resources/handouts/aftercare.txt``) with three comment
lines naming it: ``% form: <key>``, ``% kind: treatment|photo`` and ``% version: <version>``. English
forms live in ``resources/consents/<key>.txt``, Spanish ones in ``resources/consents/es/<key>.txt``. A
clinic adds a form by adding a file. A treatment form must have the warning section naming every sign
of spread of toxin; a photo form need not.

What a patient signs is the form *filled in* for them (``filled_text``): still in the template format,
with no placeholders left, so the consent PDF lays it out years later exactly as it was read, whatever
the file says by then.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..domain.consent import ConsentFormKind
from ..domain.enums import Language
from ..paths import resource
from .templates import Template, TemplateError, TemplateProblem, _safety_problems, parse_template

#: Placeholders a consent form may use.
CONSENT_FIELDS: frozenset[str] = frozenset(
    {"patient_name", "patient_date_of_birth", "product", "areas", "clinic_name", "clinic_phone", "today"}
)
_HEADER = re.compile(r"^%\s*(form|kind|version):\s*(\S.*?)\s*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class ConsentForm:
    key: str
    kind: ConsentFormKind
    version: str
    language: Language
    source: str  # the file's text
    template: Template

    @property
    def title(self) -> str:
        return self.template.title


def _parse(
    text: str, kind: ConsentFormKind, language: Language, allowed: frozenset[str]
) -> tuple[Template, list[TemplateProblem]]:
    template, problems = parse_template(text, allowed, language)
    if kind is ConsentFormKind.PHOTO:  # no toxin in a photo: the spread-of-toxin section is not required
        safety = set(_safety_problems(template, language))
        problems = [p for p in problems if p not in safety]
    return template, problems


def parse_form(
    text: str, *, language: Language = Language.ENGLISH, source: str = "consent form"
) -> ConsentForm:
    """The checked form, or ``TemplateError`` listing every problem with its line."""
    header: dict[str, tuple[str, int]] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line.strip())
        if m:
            header[m.group(1)] = (m.group(2), lineno)
    problems: list[TemplateProblem] = []
    for name, allowed in (
        ("form", "a key such as microbotox_treatment"),
        ("kind", "treatment or photo"),
        ("version", "a name such as MBX-TREAT-1"),
    ):
        if name not in header:
            problems.append(TemplateProblem(0, f"the '% {name}:' line is missing ({allowed})"))
    key = header.get("form", ("", 0))[0]
    if key and not _KEY.match(key):
        problems.append(
            TemplateProblem(header["form"][1], "the form key is lower-case letters, digits and _")
        )
    kind_text = header.get("kind", ("treatment", 0))[0]
    try:
        kind = ConsentFormKind(kind_text)
    except ValueError:
        problems.append(
            TemplateProblem(header["kind"][1], f"unknown kind '{kind_text}' (treatment or photo)")
        )
        kind = ConsentFormKind.TREATMENT
    version = header.get("version", ("", 0))[0]
    if len(version) > 40:
        problems.append(TemplateProblem(header["version"][1], "the version is at most 40 characters"))
    template, found = _parse(text, kind, language, CONSENT_FIELDS)
    problems += found
    if not template.title:
        problems.append(TemplateProblem(0, "the form needs an '@title' line"))
    if problems:
        raise TemplateError(sorted(problems, key=lambda p: p.line), source)
    return ConsentForm(key, kind, version, language, text, template)


def _folder(language: Language) -> tuple[str, ...]:
    return ("consents",) if language is Language.ENGLISH else ("consents", language.value)


def form_keys() -> list[str]:
    """Every form shipped (English names the set; each must exist in every language)."""
    folder = resource(*_folder(Language.ENGLISH))
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".txt"))


def load_form(key: str, language: Language = Language.ENGLISH) -> ConsentForm:
    if not _KEY.match(key):
        raise TemplateError([TemplateProblem(0, f"no consent form named '{key}'")], "consent form")
    node = resource(*_folder(Language(language)), f"{key}.txt")
    if not node.is_file():
        raise TemplateError([TemplateProblem(0, f"no consent form named '{key}' in {language.label}")], key)
    form = parse_form(
        node.read_text(encoding="utf-8-sig"), language=Language(language), source=f"consent form {key}"
    )
    if form.key != key:
        raise TemplateError([TemplateProblem(0, f"the file {key}.txt names the form '{form.key}'")], key)
    return form


def _escape(value: str) -> str:
    return (
        ", ".join(p.strip() for p in str(value).splitlines() if p.strip())
        .replace("{", "{{")
        .replace("}", "}}")
    )


def filled_text(form: ConsentForm, values: Mapping[str, str]) -> str:
    """The form as the patient reads it: comments dropped, every placeholder filled."""

    def put(m: re.Match[str]) -> str:
        return m.group(0) if m.group(1) is None else _escape(values.get(m.group(1), ""))

    lines = [line for line in form.source.splitlines() if not line.strip().startswith("%")]
    return "\n".join(_FIELD.sub(put, line) for line in lines).strip() + "\n"


def signed_template(text: str, kind: ConsentFormKind, language: Language) -> Template:
    """A signed text laid out again (for the reader and the PDF)."""
    template, problems = _parse(text, kind, Language(language), frozenset())
    if problems:
        raise TemplateError(problems, "signed consent text")
    return template
