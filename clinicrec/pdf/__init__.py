"""ReportLab documents built from domain objects: the aftercare handout, the leaflet, the chart.

No Qt here (a test checks): the builders run the same way from the GUI, a worker thread or the
command line, and write to a path or any binary file.
"""

from __future__ import annotations

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
