"""Handout templates: plain-text wording a clinic can edit without touching code.

The format is documented at the top of ``resources/handouts/aftercare.txt``. In short::

    % comment            @title Title           # Heading
    #! Warning heading   #~ Small-print heading - bullet (indented lines continue it)
    paragraph text       **bold**              {placeholder}   {{ / }} for literal braces

A template is checked as a whole before anything is printed: every broken placeholder (unknown
name, empty name, unbalanced brace), unbalanced ``**`` and unknown directive is reported with its
line number in one ``TemplateError``. The warning section is required and must name every warning
sign of the boxed spread-of-toxin warning, in the template's language, because a sheet without it is
unsafe to hand out.

Each kind of template (``TEMPLATE_KINDS``) ships in every language of ``Language``: English in
``resources/handouts/<kind>.txt``, other languages in ``resources/handouts/<language>/<kind>.txt``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path

from ..domain.enums import Language
from ..domain.errors import ClinicRecError
from ..paths import resource

#: Placeholders a personalised aftercare sheet may use.
HANDOUT_FIELDS: frozenset[str] = frozenset(
    {
        "patient_name",
        "patient_first_name",
        "treatment_date",
        "product",
        "zones",
        "review_date",
        "injector_name",
        "clinic_name",
        "clinic_phone",
        "clinic_address",
        "clinic_email",
        "clinic_website",
    }
)
#: Placeholders the general leaflet may use: the clinic's details only, never a patient's.
LEAFLET_FIELDS: frozenset[str] = frozenset(
    {
        "clinic_name",
        "clinic_phone",
        "clinic_address",
        "clinic_email",
        "clinic_website",
    }
)

#: Every kind of shipped template, with the placeholders it may use. A test walks this registry
#: (and the files in resources/handouts) so that no template escapes validation or the reading-level check.
TEMPLATE_KINDS: dict[str, frozenset[str]] = {"aftercare": HANDOUT_FIELDS, "leaflet": LEAFLET_FIELDS}

#: The boxed warning's signs, each as (what the user is told, words that count as naming it).
WARNING_SIGNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("trouble swallowing", ("swallow",)),
    ("trouble speaking", ("speak", "speech")),
    ("trouble breathing", ("breath",)),
    ("drooping eyelids", ("eyelid",)),
    ("double vision", ("double vision",)),
)
#: The same signs as a template in each language must name them (accents optional).
WARNING_SIGNS_BY_LANGUAGE: dict[Language, tuple[tuple[str, tuple[str, ...]], ...]] = {
    Language.ENGLISH: WARNING_SIGNS,
    Language.SPANISH: (
        ("dificultad para tragar (trouble swallowing)", ("tragar", "deglu")),
        ("dificultad para hablar (trouble speaking)", ("hablar",)),
        ("dificultad para respirar (trouble breathing)", ("respira",)),
        ("párpados caídos (drooping eyelids)", ("párpado", "parpado")),
        ("visión doble (double vision)", ("visión doble", "vision doble")),
    ),
}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class SectionKind(Enum):
    NORMAL = "normal"
    WARNING = "warning"  # '#!': boxed, required
    SMALL_PRINT = "small"  # '#~': credits and the like, at the end in small type


@dataclass(frozen=True)
class TemplateProblem:
    line: int  # 1-based; 0 when the problem concerns the whole template
    message: str
    placeholder: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class TemplateError(ClinicRecError):
    """A handout template cannot be printed; ``problems`` lists every mistake with its line."""

    def __init__(self, problems: list[TemplateProblem], source: str = "template") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"The {source} has {len(self.problems)} problem(s) and cannot be printed:\n{lines}")


@dataclass(frozen=True)
class Block:
    """A paragraph (one item) or a bullet list (one item per bullet). Items are raw template text."""

    bullets: bool
    items: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    heading: str
    kind: SectionKind
    blocks: tuple[Block, ...]
    line: int


@dataclass(frozen=True)
class Template:
    title: str
    intro: tuple[Block, ...]
    sections: tuple[Section, ...]
    placeholders: frozenset[str] = field(default_factory=frozenset)

    def section(self, kind: SectionKind) -> Section | None:
        return next((s for s in self.sections if s.kind is kind), None)


# --------------------------------------------------------------------------- loading


def shipped_template_parts(kind: str, language: Language = Language.ENGLISH) -> tuple[str, ...]:
    """Where a shipped template lives under ``resources/``: English at the top, others in a folder."""
    language = Language(language)
    if language is Language.ENGLISH:
        return ("handouts", f"{kind}.txt")
    return ("handouts", language.value, f"{kind}.txt")


def load_template_text(source: str | Path = "aftercare", language: Language = Language.ENGLISH) -> str:
    """The text of a shipped template (``"aftercare"``, ``"leaflet"``) in ``language``, or of a
    clinic-supplied file."""
    if isinstance(source, str) and "/" not in source and "\\" not in source and not source.endswith(".txt"):
        return _shipped_text(source, Language(language))
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError([TemplateProblem(0, f"cannot read {source}: {exc}")], str(source)) from exc


@lru_cache(maxsize=16)
def _shipped_text(kind: str, language: Language) -> str:
    """A shipped template's text, read once (it is part of the installed program, not the clinic's)."""
    return resource(*shipped_template_parts(kind, language)).read_text(encoding="utf-8-sig")


# --------------------------------------------------------------------------- placeholders


@dataclass(frozen=True)
class _Token:
    text: str
    is_field: bool


def _tokens(
    line: str, lineno: int, allowed: frozenset[str] | None, problems: list[TemplateProblem]
) -> list[_Token]:
    """Split a line into literal text and ``{field}`` tokens, recording every broken brace.

    ``allowed`` None accepts any well-formed name (used when filling an already checked template).
    """
    out: list[_Token] = []
    buf: list[str] = []
    i = 0
    while i < len(line):
        two = line[i : i + 2]
        if two in ("{{", "}}"):
            buf.append(two[0])
            i += 2
            continue
        ch = line[i]
        if ch == "}":
            problems.append(
                TemplateProblem(
                    lineno, f"unbalanced '}}' at column {i + 1} (write '}}}}' for a literal brace)"
                )
            )
            i += 1
            continue
        if ch != "{":
            buf.append(ch)
            i += 1
            continue
        close = line.find("}", i + 1)
        reopen = line.find("{", i + 1)
        if close == -1 or (reopen != -1 and reopen < close):
            problems.append(
                TemplateProblem(
                    lineno,
                    f"unbalanced '{{' at column {i + 1}: missing '}}' (write '{{{{' for a literal brace)",
                )
            )
            i += 1
            continue
        name = line[i + 1 : close].strip()
        raw = line[i : close + 1]
        if not name:
            problems.append(TemplateProblem(lineno, f"empty placeholder '{raw}' at column {i + 1}", ""))
        elif not _NAME.match(name):
            problems.append(
                TemplateProblem(
                    lineno, f"invalid placeholder name {raw}: use letters, digits and _ only", name
                )
            )
        elif allowed is not None and name not in allowed:
            problems.append(
                TemplateProblem(
                    lineno,
                    f"unknown placeholder {{{name}}}; allowed: "
                    + ", ".join(f"{{{n}}}" for n in sorted(allowed)),
                    name,
                )
            )
        else:
            if buf:
                out.append(_Token("".join(buf), False))
                buf = []
            out.append(_Token(name, True))
        i = close + 1
    if buf:
        out.append(_Token("".join(buf), False))
    return out


@lru_cache(maxsize=4096)
def _filled_tokens(raw: str) -> tuple[_Token, ...]:
    """``_tokens`` of an item being filled (the template's lines are few and filled on every handout)."""
    return tuple(_tokens(raw, 0, None, []))


def has_fields(raw: str) -> bool:
    """Whether a template item has placeholders (it is filled for each patient or clinic)."""
    return any(t.is_field for t in _filled_tokens(raw))


def _check_bold(text: str, lineno: int, problems: list[TemplateProblem]) -> None:
    if text.count("**") % 2:
        problems.append(TemplateProblem(lineno, "unbalanced '**' (bold must be opened and closed)"))


# --------------------------------------------------------------------------- parsing


def parse_template(
    text: str, allowed: set[str] | frozenset[str], language: Language = Language.ENGLISH
) -> tuple[Template, list[TemplateProblem]]:
    """Parse a template; return it with every problem found (an empty list means printable).

    The warning section must name every warning sign in ``language``.
    """
    names = frozenset(allowed)
    problems: list[TemplateProblem] = []
    used: set[str] = set()
    title = ""
    intro: list[Block] = []
    sections: list[Section] = []
    heading: tuple[str, SectionKind, int] | None = None
    blocks: list[Block] = []
    items: list[tuple[str, int]] = []  # current paragraph lines or bullet items, with start lines
    in_bullets = False

    def note_fields(line: str, lineno: int) -> None:
        used.update(t.text for t in _tokens(line, lineno, names, problems) if t.is_field)

    def flush_block() -> None:
        nonlocal items, in_bullets
        if items:
            for item, start in items:
                _check_bold(item, start, problems)
            target = blocks if heading is not None else intro
            target.append(Block(in_bullets, tuple(i for i, _ in items)))
        items, in_bullets = [], False

    def flush_section() -> None:
        nonlocal blocks
        flush_block()
        if heading is not None:
            sections.append(Section(heading[0], heading[1], tuple(blocks), heading[2]))
        blocks = []

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("%"):
            continue
        if not stripped:
            flush_block()
            continue
        if line.startswith("@"):
            flush_block()
            word, _, rest = line[1:].partition(" ")
            if word == "title":
                note_fields(rest.strip(), lineno)
                title = rest.strip()
            else:
                problems.append(
                    TemplateProblem(lineno, f"unknown directive '@{word}' (only @title is known)")
                )
            continue
        if line.startswith("#"):
            flush_section()
            kind = {"#!": SectionKind.WARNING, "#~": SectionKind.SMALL_PRINT}.get(
                line[:2], SectionKind.NORMAL
            )
            text_part = line[1 if kind is SectionKind.NORMAL else 2 :].strip()
            if not text_part:
                problems.append(TemplateProblem(lineno, "empty section heading"))
            note_fields(text_part, lineno)
            heading = (text_part, kind, lineno)
            continue
        note_fields(stripped, lineno)
        if line.startswith("- "):
            if items and not in_bullets:
                flush_block()
            in_bullets = True
            items.append((line[2:].strip(), lineno))
        elif items:  # a continuation: of the last bullet if indented, else of the paragraph
            if in_bullets and not raw[:1].isspace():
                flush_block()
                items.append((stripped, lineno))
            else:
                last, start = items[-1]
                items[-1] = (f"{last} {stripped}", start)
        else:
            items.append((stripped, lineno))
    flush_section()

    template = Template(title, tuple(intro), tuple(sections), frozenset(used))
    problems.extend(_safety_problems(template, Language(language)))
    return template, problems


def _safety_problems(template: Template, language: Language) -> list[TemplateProblem]:
    warnings = [s for s in template.sections if s.kind is SectionKind.WARNING]
    if not warnings:
        return [
            TemplateProblem(
                0,
                "the warning section is missing: add a '#! When to seek care at once' "
                "section naming every warning sign (patient safety)",
            )
        ]
    out: list[TemplateProblem] = []
    if len(warnings) > 1:
        out.append(TemplateProblem(warnings[1].line, "only one '#!' warning section is allowed"))
    sec = warnings[0]
    words = " ".join(i for b in sec.blocks for i in b.items).lower()
    for sign, stems in WARNING_SIGNS_BY_LANGUAGE[language]:
        if not any(s in words for s in stems):
            out.append(TemplateProblem(sec.line, f"the warning section must name the sign '{sign}'"))
    return out


def validate_template(
    text: str,
    allowed: set[str] | frozenset[str],
    *,
    source: str = "template",
    language: Language = Language.ENGLISH,
) -> Template:
    """The parsed template, or ``TemplateError`` listing every problem with its line number."""
    template, problems = _parsed(text, frozenset(allowed), Language(language))
    if problems:
        raise TemplateError(sorted(problems, key=lambda p: p.line), source)
    return template


@lru_cache(maxsize=64)
def _parsed(
    text: str, allowed: frozenset[str], language: Language
) -> tuple[Template, tuple[TemplateProblem, ...]]:
    """``parse_template`` once per text (a template is immutable; every handout prints the same one)."""
    template, problems = parse_template(text, allowed, language)
    return template, tuple(problems)


# --------------------------------------------------------------------------- filling


def _clean(value: str) -> str:
    """A value on one line: a multi-line address becomes 'Street, Town'."""
    return ", ".join(part.strip() for part in str(value).splitlines() if part.strip())


def fill(raw: str, values: Mapping[str, str], *, markup: bool = True) -> str | None:
    """Fill one item's placeholders. With ``markup`` the result is ReportLab paragraph markup
    (text escaped, ``**`` turned into bold); otherwise plain text without the bold markers.

    Returns None when the item had placeholders and every one of them is blank, so that an
    'Email: {clinic_email}' line disappears for a clinic without e-mail.
    """
    from xml.sax.saxutils import escape  # here: it loads urllib and http, and the main window loads us

    tokens = _filled_tokens(raw)
    fields = [t for t in tokens if t.is_field]
    if fields and not any(_clean(values.get(t.text, "")) for t in fields):
        return None
    parts: list[str] = []
    bold = False
    for t in tokens:
        if t.is_field:
            value = _clean(values.get(t.text, ""))
            parts.append(escape(value) if markup else value)
            continue
        pieces = t.text.split("**")
        for n, piece in enumerate(pieces):
            if n:
                bold = not bold
                if markup:
                    parts.append("<b>" if bold else "</b>")
            parts.append(escape(piece) if markup else piece)
    if markup and bold:
        parts.append("</b>")
    return "".join(parts)


# --------------------------------------------------------------------------- reading level


def plain_text(template: Template, values: Mapping[str, str]) -> str:
    """The words a reader sees, one sentence per line, for measuring how easy they are to read.

    The title, each heading and each bullet stand alone on the page, so each counts as a sentence of
    its own (a full stop is added where the template has none); paragraphs are kept as written.
    """

    def sentence(text: str | None) -> str | None:
        if not text or not text.strip():
            return None
        text = text.strip()
        return text if text[-1] in ".!?:" else text + "."

    lines: list[str | None] = [sentence(fill(template.title, values, markup=False))]
    sections: list[tuple[str, tuple[Block, ...]]] = [("", template.intro)]
    sections += [(s.heading, s.blocks) for s in template.sections]
    for heading, blocks in sections:
        lines.append(sentence(fill(heading, values, markup=False)))
        for block in blocks:
            lines += [sentence(fill(item, values, markup=False)) for item in block.items]
    return "\n".join(line for line in lines if line)
