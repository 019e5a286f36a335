"""ReportLab documents built from domain objects: the aftercare handout, the leaflet, the chart.

No Qt here (a test checks): the builders run the same way from the GUI, a worker thread or the
command line, and write to a path or any binary file.

The names below are loaded on first use: importing ``clinicrec.pdf.templates`` (the main window
does, for its error type) must not load ReportLab, which takes longer than the window to appear.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .chart import build_chart_pdf
    from .handout import build_handout, build_leaflet
    from .templates import (
        HANDOUT_FIELDS,
        LEAFLET_FIELDS,
        TemplateError,
        TemplateProblem,
        load_template_text,
        validate_template,
    )

_WHERE = {
    "build_chart_pdf": "chart",
    "build_handout": "handout",
    "build_leaflet": "handout",
    "HANDOUT_FIELDS": "templates",
    "LEAFLET_FIELDS": "templates",
    "TemplateError": "templates",
    "TemplateProblem": "templates",
    "load_template_text": "templates",
    "validate_template": "templates",
}

__all__ = [
    "HANDOUT_FIELDS",
    "LEAFLET_FIELDS",
    "TemplateError",
    "TemplateProblem",
    "build_chart_pdf",
    "build_handout",
    "build_leaflet",
    "load_template_text",
    "validate_template",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
