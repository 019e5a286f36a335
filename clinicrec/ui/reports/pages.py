"""The screen page of each report, by the page name its definition gives (``services/reports``).

The reports screen builds one tab per registered report from this table;
``tests/ui/reports/test_report_registry.py`` fails if a registered report has no page here.
"""

from __future__ import annotations

from .list_pages import GapsPage, ProductUsePage
from .other_pages import RecallPage, SafetyPage
from .outcome_pages import BreakdownPage, OutcomesPage
from .page_parts import ReportPage
from .skin_page import SkinChangePage

PAGES: dict[str, type[ReportPage]] = {
    "outcomes": OutcomesPage,
    "breakdown": BreakdownPage,
    "safety": SafetyPage,
    "product-use": ProductUsePage,
    "gaps": GapsPage,
    "recall": RecallPage,
    "skin-change": SkinChangePage,
}
