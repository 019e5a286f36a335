"""The registry of reports: every report is ONE definition that the whole application reads.

The reports screen builds a tab per definition (its ``page`` names the screen page that shows it), the
CSV export takes its columns and rows from it, the meeting PDF prints its ``pdf_section`` (or says why
it is left out), and ``clinicrec report --kind`` offers its ``kind``. Adding a report is one module in
this package holding its ``ReportDefinition``, registered in ``__init__``;
``tests/ui/reports/test_report_registry.py`` walks the registry and proves that every report computes,
exports, prints and shows.

A definition is pure: it imports only the domain's report types and reaches the database through the
``ReportService`` handed to ``compute``, so listing the reports (the command line's parser at every
start) loads no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ...domain.errors import ClinicRecError
from ...domain.report_kinds import BreakdownBy
from ...domain.report_types import ReportFilters
from ..permissions import Action

if TYPE_CHECKING:
    from .service import ReportService

R = TypeVar("R")


@dataclass(frozen=True)
class ReportRequest:
    """What to compute: the filters, plus the inputs some reports take (a breakdown's groups, a lot)."""

    filters: ReportFilters = field(default_factory=ReportFilters)
    by: BreakdownBy = BreakdownBy.PRODUCT
    lot: str = ""
    #: a paged report's rows to list (``ReportDefinition.page_size``); None: every row
    limit: int | None = None


@dataclass(frozen=True)
class ReportDefinition(Generic[R]):
    """One report: what it is called, how it is computed, exported, printed and shown."""

    kind: str  # stable key: the command line's --kind, the export's name in the audit trail
    title: str  # "Outcome summary"
    tab_title: str  # the reports screen's tab: "Outcomes"
    page: str  # the screen page that shows it (clinicrec/ui/reports/pages.py, PAGES)
    result_type: type[R]
    compute: Callable[[ReportService, ReportRequest], R]
    csv_columns: tuple[str, ...]  # stable snake_case names, in order
    csv_rows: Callable[[R], Iterable[Mapping[str, Any]]]
    #: the section of the meeting PDF that prints it (pdf/report_pdf.py, SECTIONS); None: left out, and
    #: ``pdf_left_out`` says why
    pdf_section: str | None = None
    pdf_left_out: str = ""
    #: what the meeting PDF shows of it (default: one result for the filters)
    meeting: Callable[[ReportService, ReportFilters], Sequence[R]] | None = None
    #: inputs it cannot run without, as ``ReportRequest`` field names (the recall needs a lot)
    requires: tuple[str, ...] = ()
    #: whether the filters apply (the recall looks at all time, whatever the filters)
    uses_filters: bool = True
    #: computed only when asked (a lot typed in), not whenever the filters change
    on_request: bool = False
    #: permission needed to see the report at all (the screen hides it otherwise)
    permission: Action = Action.VIEW_OWN_REPORTS
    #: the export's name in the audit trail and the suffix of a CSV file name
    export_name: Callable[[R], str] | None = None
    file_suffix: Callable[[R], str] | None = None
    #: a report too long to list whole (a big clinic's lots, its follow-up gaps) is paged: the screen and
    #: the command line ask for this many rows first (``ReportRequest.limit``); None: never paged
    page_size: int | None = None
    #: the CSV rows of every row of a paged result's report (read from the database as written, whatever
    #: the page held); None: ``csv_rows`` of the result
    csv_all: Callable[[ReportService, R], Iterable[Mapping[str, Any]]] | None = None

    def run(self, reports: ReportService, request: ReportRequest) -> R:
        missing = [name for name in self.requires if not str(getattr(request, name)).strip()]
        if missing:
            raise ClinicRecError(f"the {self.title.lower()} needs a {missing[0]}")
        return self.compute(reports, request)

    def meeting_results(self, reports: ReportService, filters: ReportFilters) -> Sequence[R]:
        if self.meeting is not None:
            return self.meeting(reports, filters)
        return (self.compute(reports, ReportRequest(filters)),)

    def all_csv_rows(self, reports: ReportService, result: R) -> Iterable[Mapping[str, Any]]:
        """The rows the CSV export writes: all of them, even when ``result`` is a page."""
        return self.csv_all(reports, result) if self.csv_all is not None else self.csv_rows(result)

    def audit_name(self, result: R) -> str:
        return self.export_name(result) if self.export_name else self.kind

    def suffix(self, result: R) -> str:
        return self.file_suffix(result) if self.file_suffix else ""


_REGISTRY: dict[str, ReportDefinition[Any]] = {}


def register(definition: ReportDefinition[R]) -> ReportDefinition[R]:
    """Add a report (each module of this package registers its own when imported)."""
    if definition.kind in _REGISTRY:
        raise ValueError(f"a report of kind {definition.kind!r} is registered already")
    if any(d.result_type is definition.result_type for d in _REGISTRY.values()):
        raise ValueError(f"two reports return {definition.result_type.__name__}")
    if any(d.page == definition.page for d in _REGISTRY.values()):
        raise ValueError(f"two reports are shown on page {definition.page!r}")
    if definition.pdf_section is None and not definition.pdf_left_out:
        raise ValueError(f"report {definition.kind!r}: a PDF section, or why it is left out")
    _REGISTRY[definition.kind] = definition
    return definition


def definitions() -> tuple[ReportDefinition[Any], ...]:
    """Every report, in the order of the screen's tabs and the meeting PDF."""
    return tuple(_REGISTRY.values())


def kinds() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def definition(kind: str) -> ReportDefinition[Any]:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise KeyError(f"no report of kind {kind!r} (known: {', '.join(_REGISTRY)})") from None


def definition_for(result: object) -> ReportDefinition[Any]:
    """The definition of a computed report, from its result's type."""
    for d in _REGISTRY.values():
        if type(result) is d.result_type:
            return d
    raise TypeError(f"not a report: {type(result).__name__}")
