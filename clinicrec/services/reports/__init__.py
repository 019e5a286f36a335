"""The outcome reports: one registry of report definitions, the service that computes them, exports.

Modules: ``registry`` (the definition type and the registry), one module per report (``summary``,
``breakdown``, ``safety``, ``product_use``, ``gaps``, ``recall``), ``service`` (``ReportService``: the
figures, permissions and auditing), ``queries`` and ``lists`` (its SQL), ``export`` (CSV and the meeting
PDF, from the registry). Importing this package registers every report and loads no SQLAlchemy.

To add a report: write its module here (a ``ReportDefinition``), add it to the tuple below, give it a
page in ``clinicrec/ui/reports/pages.py`` and, unless it is left out of the meeting PDF, a section in
``clinicrec/pdf/report_pdf.py``. ``tests/ui/reports/test_report_registry.py`` fails until all are there.
"""

from __future__ import annotations

from typing import Any

from .breakdown import BREAKDOWN
from .gaps import GAPS
from .product_use import PRODUCT_USE
from .recall import RECALL
from .registry import (
    ReportDefinition,
    ReportRequest,
    definition,
    definition_for,
    definitions,
    kinds,
    register,
)
from .safety import SAFETY
from .skin import SKIN_CHANGE
from .summary import SUMMARY

#: Every report, in the order of the screen's tabs and the meeting PDF.
REPORTS: tuple[ReportDefinition[Any], ...] = (
    SUMMARY,
    BREAKDOWN,
    SAFETY,
    PRODUCT_USE,
    GAPS,
    RECALL,
    SKIN_CHANGE,
)
for _report in REPORTS:
    register(_report)

__all__ = [
    "REPORTS",
    "ReportDefinition",
    "ReportRequest",
    "definition",
    "definition_for",
    "definitions",
    "kinds",
    "register",
]
