"""What the outcome reports take and return: plain frozen dataclasses (no SQLAlchemy, no Qt).

The PDF builder, the CSV writer and the reports screen all read these, so one figure is computed once
and shown the same way everywhere. The statistics are defined in ``report_stats``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .date_text import DateOrder
from .enums import AdverseEventKind, Gais, Indication, Measure, TimePoint, Zone
from .report_kinds import BAND_TOLERANCE as BAND_TOLERANCE  # the report choices, defined apart
from .report_kinds import BreakdownBy as BreakdownBy
from .report_kinds import DilutionBand as DilutionBand
from .report_kinds import ReportKind as ReportKind
from .report_stats import Estimate, rate_per_100, share

MEASURES: tuple[Measure, ...] = (Measure.PORES, Measure.OIL, Measure.REDNESS)
#: Follow-up time points in report order (``other`` last).
FOLLOW_UP_POINTS: tuple[TimePoint, ...] = tuple(tp for tp in TimePoint if tp is not TimePoint.BASELINE)
GAIS_ORDER: tuple[Gais, ...] = tuple(Gais)
#: Breakdowns compare groups at one time point: the filter's, else week 4 (the effect peaks about then).
DEFAULT_BREAKDOWN_POINT = TimePoint.WEEK_4


@dataclass(frozen=True)
class ReportFilters:
    """Which signed sessions a report covers. ``None`` means 'any'. Dates are inclusive clinic dates."""

    start: date | None = None
    end: date | None = None
    product_id: int | None = None
    injector_id: int | None = None
    zone: Zone | None = None
    indication: Indication | None = None
    dilution: DilutionBand | None = None
    time_point: TimePoint | None = None
    #: The clinic's IANA zone: start/end are its calendar days and months its months (set by the service).
    time_zone: str = "UTC"


@dataclass(frozen=True)
class FilterOptions:
    """Choices for the filter boxes: (id, name) of products and injectors the actor may see."""

    products: tuple[tuple[int, str], ...]
    injectors: tuple[tuple[int, str], ...]
    own_only: bool


# -- outcomes -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeasureChange:
    """One measure's change from baseline at one time point."""

    measure: Measure
    change: Estimate
    improved: int  # sessions at least one grade better

    @property
    def improved_share(self) -> float | None:
        return share(self.improved, self.change.n)


@dataclass(frozen=True)
class GaisCounts:
    counts: tuple[tuple[Gais, int], ...]

    @property
    def n(self) -> int:
        return sum(c for _, c in self.counts)

    def count(self, word: Gais) -> int:
        return dict(self.counts).get(word, 0)

    def share(self, word: Gais) -> float | None:
        return share(self.count(word), self.n)

    @property
    def improved_share(self) -> float | None:
        """Share rated improved, much improved or very much improved."""
        better = sum(self.count(g) for g in (Gais.IMPROVED, Gais.MUCH_IMPROVED, Gais.VERY_MUCH_IMPROVED))
        return share(better, self.n)


@dataclass(frozen=True)
class Outcome:
    """Everything measured at one follow-up time point for one group of sessions."""

    time_point: TimePoint
    followed_up: int  # sessions with a follow-up at this time point
    measures: tuple[MeasureChange, ...]
    gais: GaisCounts
    satisfaction: Estimate

    def measure(self, m: Measure) -> MeasureChange:
        return next(x for x in self.measures if x.measure == m)


def empty_outcome(tp: TimePoint) -> Outcome:
    """An outcome with no sessions behind it (a group without follow-ups; the CSV's column names)."""
    nothing = Estimate.from_sums(0, 0, 0)
    measures = tuple(MeasureChange(m, nothing, 0) for m in MEASURES)
    return Outcome(tp, 0, measures, GaisCounts(tuple((g, 0) for g in GAIS_ORDER)), nothing)


@dataclass(frozen=True)
class OutcomeSummary:
    filters: ReportFilters
    sessions: int  # signed sessions in the report
    outcomes: tuple[Outcome, ...]  # one per follow-up time point that has data

    def at(self, tp: TimePoint) -> Outcome | None:
        return next((o for o in self.outcomes if o.time_point == tp), None)


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    sessions: int
    outcome: Outcome
    adverse_events: int

    @property
    def ae_rate(self) -> float | None:
        return rate_per_100(self.adverse_events, self.sessions)


@dataclass(frozen=True)
class Breakdown:
    filters: ReportFilters
    by: BreakdownBy
    time_point: TimePoint
    rows: tuple[BreakdownRow, ...]


# -- safety ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SafetyKindRow:
    kind: AdverseEventKind
    events: int
    sessions_affected: int
    severe: int
    rate: float | None  # events per 100 signed sessions


@dataclass(frozen=True)
class SafetyGroupRow:
    key: str
    label: str
    sessions: int
    events: int
    sessions_affected: int

    @property
    def rate(self) -> float | None:
        return rate_per_100(self.events, self.sessions)


@dataclass(frozen=True)
class SafetyReport:
    filters: ReportFilters
    sessions: int
    events: int
    by_kind: tuple[SafetyKindRow, ...]
    by_product: tuple[SafetyGroupRow, ...]
    by_injector: tuple[SafetyGroupRow, ...]

    @property
    def rate(self) -> float | None:
        return rate_per_100(self.events, self.sessions)


# -- product use ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LotUse:
    """Units and vials of one product and lot drawn in the report's sessions (never added across products).

    ``other_lots`` > 0: the row is not a lot but the product's lots beyond those listed, that many, with
    their vials and units (so that a product's rows add up to its total); their sessions are not counted
    (a session can use several lots): ``sessions`` is None."""

    brand: str
    lot_number: str
    vials: int
    sessions: int | None
    units: float
    other_lots: int = 0


@dataclass(frozen=True)
class ProductTotal:
    brand: str
    vials: int
    sessions: int
    units: float
    lots: int


@dataclass(frozen=True)
class WasteRow:
    """Vials past expiry or past their in-use window by the report's end: units never drawn."""

    brand: str
    lot_number: str
    vials: int
    vial_units: float
    drawn: float
    wasted: float
    #: > 0: the product's lots beyond those listed, that many, summed (see ``LotUse``)
    other_lots: int = 0


@dataclass(frozen=True)
class ProductUseReport:
    """Per product its totals; its lots by units drawn (most first) and its wasted lots by units wasted.

    With ``limit`` (a page: a big clinic has a lot per vial, 100,000 of them) each product lists its first
    ``limit`` lots and then one 'other lots' row (``other_lots`` > 0) carrying the rest, so a product's
    rows still add up to its exact totals; the CSV export lists every lot. ``limit`` None: every lot."""

    filters: ReportFilters
    as_of: datetime
    products: tuple[ProductTotal, ...]
    lots: tuple[LotUse, ...]
    waste: tuple[WasteRow, ...]
    limit: int | None = None

    @property
    def lot_count(self) -> int:
        """Lots drawn from, over every product (listed or not)."""
        return sum(t.lots for t in self.products)

    @property
    def waste_lot_count(self) -> int:
        return sum(w.other_lots or 1 for w in self.waste)

    @property
    def complete(self) -> bool:
        """Whether every lot is listed (no 'other lots' row)."""
        return not any(r.other_lots for r in self.lots) and not any(w.other_lots for w in self.waste)

    def waste_by_product(self) -> tuple[tuple[str, int, float, float], ...]:
        """(brand, vials, vial units, wasted units) per product."""
        out: dict[str, list[float]] = {}
        for w in self.waste:
            acc = out.setdefault(w.brand, [0, 0.0, 0.0])
            acc[0] += w.vials
            acc[1] += w.vial_units
            acc[2] += w.wasted
        return tuple((b, int(v[0]), round(v[1], 4), round(v[2], 4)) for b, v in sorted(out.items()))


# -- recall and follow-up gaps --------------------------------------------------------------------------
@dataclass(frozen=True)
class RecallRow:
    patient_id: int
    chart_number: str
    patient_name: str
    date_of_birth: date
    phone: str
    email: str
    address: str
    session_id: int
    performed_at: datetime
    status: str
    injector: str
    brand: str
    lot_number: str
    expiry_date: date
    units: float


@dataclass(frozen=True)
class RecallReport:
    lot_number: str
    lots: tuple[str, ...]  # lot numbers matched (letter case may differ from what was typed)
    vials: int
    rows: tuple[RecallRow, ...]

    @property
    def patients(self) -> int:
        return len({r.patient_id for r in self.rows})


@dataclass(frozen=True)
class GapRow:
    session_id: int
    patient_id: int
    chart_number: str
    patient_name: str
    phone: str
    performed_on: date
    injector: str
    due_on: date
    days_past_due: int
    status: str  # 'due' | 'overdue'


@dataclass(frozen=True)
class GapCount:
    """One injector's sessions without a follow-up."""

    injector: str
    due: int
    overdue: int


@dataclass(frozen=True)
class FollowUpGaps:
    """The sessions without a follow-up, most overdue first: every one, or (``limit``, a page: a big
    clinic has tens of thousands) the first ``limit``. ``due``, ``overdue`` and ``by_injector`` always count
    them all; the CSV export lists them all."""

    filters: ReportFilters
    as_of: date
    review_days: int
    grace_days: int
    rows: tuple[GapRow, ...] = field(default=())
    due: int = 0
    overdue: int = 0
    by_injector: tuple[GapCount, ...] = field(default=())
    limit: int | None = None

    @property
    def total(self) -> int:
        return self.due + self.overdue

    @property
    def complete(self) -> bool:
        """Whether every session without a follow-up is listed."""
        return len(self.rows) >= self.total


@dataclass(frozen=True)
class ReportSection:
    """One report in the meeting PDF: which report, which PDF section prints it, and its figures."""

    kind: str  # the report's kind in the registry (services/reports): 'summary', 'breakdown', ...
    pdf_section: str  # the section of pdf/report_pdf.py that prints it
    result: Any  # the report's result (OutcomeSummary, Breakdown, ...)


@dataclass(frozen=True)
class ReportBundle:
    """Everything the meeting PDF shows, computed in one go: one section per report result, in the
    registry's order (a report may give several, e.g. one breakdown per dimension)."""

    clinic_name: str
    generated_at: datetime
    generated_by: str
    filters: ReportFilters
    filter_text: tuple[tuple[str, str], ...]
    sessions: int  # signed sessions in the report
    sections: tuple[ReportSection, ...]
    units_step: float = 0.1  # the clinic's dose precision: units are written to it
    date_order: DateOrder = DateOrder.ISO  # the clinic's date format: dates are written in it
    time_zone: str = "UTC"  # the clinic's zone: times are printed on its clock, the zone named

    def results(self, kind: str) -> tuple[Any, ...]:
        return tuple(s.result for s in self.sections if s.kind == kind)

    @property
    def summary(self) -> OutcomeSummary:
        """The outcome summary: the report's headline (sessions in the report)."""
        return next(s.result for s in self.sections if isinstance(s.result, OutcomeSummary))


@dataclass(frozen=True)
class SessionBehind:
    """A signed session counted in a report's row (drilling down from a figure)."""

    session_id: int
    patient_id: int
    chart_number: str
    patient_name: str
    performed_at: datetime
    injector: str
