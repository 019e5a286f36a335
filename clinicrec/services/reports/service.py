"""Outcome reports for clinic managers: what works, for whom, at what dose.

Each method runs its aggregates in the database (``queries``) and turns the sums into the
figures defined in ``domain.report_stats`` (change from baseline, n, 95% t interval, 'few' flag, improved
share, rate per 100 sessions). Results are the frozen dataclasses of ``domain.report_types``.

Permissions: a manager or administrator (``VIEW_ALL_REPORTS``) sees the whole clinic; an injector
(``VIEW_OWN_REPORTS``) sees every figure restricted to their own sessions (and vials they opened),
whatever injector filter is asked for. The lot recall (patient contact details) needs
``VIEW_ALL_REPORTS`` and is recorded in the audit trail as a view; exports need ``EXPORT`` and are
recorded as exports (``record_export``).

Figures that each report uses:

* Summary and breakdowns: every filter; the time point filter picks one follow-up time point
  (breakdowns use week 4 when none is chosen). A session counts in each zone it treated and in
  each product it used; its dilution band is that of its first vial.
* Safety: every filter except the time point. Rate = adverse events per 100 signed sessions.
* Product use: units drawn (points of the report's sessions, limited to the zone and product
  filters) per product and lot, never summed across products. Waste: vials reconstituted in the
  period (opened by the injector, if filtered) that by the end date (or now, if earlier) are past
  expiry or past their product's in-use window; wasted = vial units - units drawn (by any current
  session version, signed or draft, as the vial's status shows elsewhere), never below zero.
* Follow-up gaps: the report's sessions whose review (``ClinicSettings.review_days`` after the session)
  has come with no follow-up assessment. 'due' while within ``GRACE_DAYS`` after the review date,
  'overdue' after that. Reckoned on today's date, not the report's end date.
* Recall: every patient and current session version (signed or draft) that used a vial of the lot,
  over all time, ignoring the filters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import ClinicRow, ProductRow, SessionRow, UserRow
from ...domain.clinic_time import local_date
from ...domain.date_text import DateOrder, format_date
from ...domain.enums import AdverseEventKind, AuditAction, TimePoint, Zone
from ...domain.errors import PermissionDenied
from ...domain.report_presets import FilterPreset
from ...domain.report_stats import Estimate, rate_per_100
from ...domain.report_types import (
    DEFAULT_BREAKDOWN_POINT,
    FOLLOW_UP_POINTS,
    GAIS_ORDER,
    MEASURES,
    Breakdown,
    BreakdownBy,
    BreakdownRow,
    DilutionBand,
    FilterOptions,
    FollowUpGaps,
    GaisCounts,
    GapRow,
    MeasureChange,
    Outcome,
    OutcomeSummary,
    ProductUseReport,
    RecallReport,
    ReportBundle,
    ReportFilters,
    ReportSection,
    SafetyGroupRow,
    SafetyKindRow,
    SafetyReport,
    SessionBehind,
    empty_outcome,
)
from .. import audit
from ..base import ServiceBase
from ..permissions import Action, Actor
from ..queries import clinic_zone
from . import behind, day_queries, lists, one_pass, presets
from . import queries as q
from .behind import RowKey
from .registry import definitions

GRACE_DAYS = lists.GRACE_DAYS
_ORDER = {tp: i for i, tp in enumerate(FOLLOW_UP_POINTS)}


def outcome_from_row(tp: TimePoint, values: Sequence[Any]) -> Outcome:
    """Build an Outcome from one aggregate row (the columns of ``outcome_stmt`` after the time point)."""
    followed_up, rest = int(values[0]), list(values[1:])
    measures = []
    for m in MEASURES:
        n, total, total_sq, improved = rest[:4]
        rest = rest[4:]
        measures.append(
            MeasureChange(m, Estimate.from_sums(int(n), int(total), int(total_sq)), int(improved))
        )
    gais = GaisCounts(tuple((g, int(rest[i])) for i, g in enumerate(GAIS_ORDER)))
    rest = rest[len(GAIS_ORDER) :]
    satisfaction = Estimate.from_sums(int(rest[0]), int(rest[1]), int(rest[2]))
    return Outcome(tp, followed_up, tuple(measures), gais, satisfaction)


class ReportService(ServiceBase):
    #: False: every figure from the clinical tables rather than the derived ``report_*`` tables
    #: (services/report_rollup.py); the tests compare the two.
    rollup: bool = True

    # -- who sees what ------------------------------------------------------------------------------
    def _scoped(self, filters: ReportFilters) -> tuple[Actor, ReportFilters]:
        """The filters as the actor may run them: an injector's figures are always their own."""
        actor = self.actor()  # the rights of now (services/rights.py)
        with self.reading() as s:
            filters = replace(filters, time_zone=clinic_zone(s))  # dates and months are the clinic's
        if actor.can(Action.VIEW_ALL_REPORTS):
            return actor, filters
        actor.require(Action.VIEW_OWN_REPORTS)
        if filters.injector_id not in (None, actor.user_id):
            raise PermissionDenied(f"{actor.full_name} ({actor.role.label}) may see only their own figures")
        return actor, replace(filters, injector_id=actor.user_id)

    def scoped_filters(self, filters: ReportFilters) -> ReportFilters:
        return self._scoped(filters)[1]

    def filter_options(self) -> FilterOptions:
        actor, _ = self._scoped(ReportFilters())
        own = not actor.can(Action.VIEW_ALL_REPORTS)
        with self.reading() as s:
            products = tuple(
                (r.id, r.brand) for r in s.execute(select(ProductRow).order_by(ProductRow.brand)).scalars()
            )
            ids = select(SessionRow.injector_id).distinct()
            stmt = (
                select(UserRow.id, UserRow.full_name).where(UserRow.id.in_(ids)).order_by(UserRow.full_name)
            )
            if own:
                stmt = select(UserRow.id, UserRow.full_name).where(UserRow.id == actor.user_id)
            injectors = tuple((int(i), str(n)) for i, n in s.execute(stmt).all())
        return FilterOptions(products, injectors, own)

    def _dialect(self) -> str:
        return self.db.engine.dialect.name

    def _by_day(self, f: ReportFilters) -> bool:
        """Whether the figures come from the day-keyed sums (``day_queries``)."""
        return self.rollup and day_queries.covers(f)

    # -- outcomes -----------------------------------------------------------------------------------
    def summary(self, filters: ReportFilters) -> OutcomeSummary:
        """Mean change from baseline per measure at each follow-up time point, GAIS and satisfaction."""
        _, f = self._scoped(filters)
        base = one_pass.base_cohort(f, self.rollup)
        parts: dict[str, one_pass.Part] = {
            "sessions": (q.sessions_stmt(base, False), False, False),
            "outcomes": (q.outcome_stmt(base, f.time_point, False, self.rollup), False, True),
        }
        with self.reading() as s:
            got = day_queries.summary(s, f) if self._by_day(f) else one_pass.run(s, parts)
        outcomes = sorted(
            (outcome_from_row(TimePoint(r[0]), r[1:]) for r in got["outcomes"]),
            key=lambda o: _ORDER[o.time_point],
        )
        return OutcomeSummary(f, int(got["sessions"][0][0]), tuple(outcomes))

    def breakdown(self, filters: ReportFilters, by: BreakdownBy) -> Breakdown:
        """The outcome at one time point, the session count and adverse events per group."""
        _, f = self._scoped(filters)
        tp = f.time_point or DEFAULT_BREAKDOWN_POINT
        with self.reading() as s:
            if self._by_day(f):
                got = day_queries.breakdown(s, f, by, tp)
            else:
                c = one_pass.grouped_cohort(
                    s, one_pass.base_cohort(f, self.rollup), f, by, self._dialect(), self.rollup
                )
                got = one_pass.run(
                    s,
                    {
                        "sessions": (q.sessions_stmt(c, True, unique=True), True, False),
                        "outcomes": (q.outcome_stmt(c, tp, True, self.rollup), True, True),
                        "events": (q.events_stmt(c, True), True, False),
                    },
                )
            sessions = {r[0]: int(r[1]) for r in got["sessions"]}
            outcomes = {r[0]: outcome_from_row(tp, r[2:]) for r in got["outcomes"]}
            events = {r[0]: int(r[1]) for r in got["events"]}
            labels = self._labels(s, by, set(sessions))
        rows = [
            BreakdownRow(
                str(k), labels.get(k, str(k)), n, outcomes.get(k) or empty_outcome(tp), events.get(k, 0)
            )
            for k, n in sessions.items()
        ]
        return Breakdown(f, by, tp, tuple(sorted(rows, key=lambda r: _sort_key(by, r.key, r.label))))

    def _labels(self, s: Session, by: BreakdownBy, keys: set[Any]) -> dict[Any, str]:
        if by is BreakdownBy.PRODUCT:
            return {r.id: r.brand for r in s.execute(select(ProductRow)).scalars()}
        if by is BreakdownBy.INJECTOR:
            return {
                r.id: r.full_name for r in s.execute(select(UserRow).where(UserRow.id.in_(keys))).scalars()
            }
        if by is BreakdownBy.ZONE:
            return {z.value: z.label for z in Zone}
        if by is BreakdownBy.DILUTION:
            return {b.value: b.label for b in DilutionBand}
        return {k: k for k in keys}

    # -- safety -------------------------------------------------------------------------------------
    def safety(self, filters: ReportFilters) -> SafetyReport:
        _, f = self._scoped(replace(filters, time_point=None))
        dialect = self._dialect()
        base = one_pass.base_cohort(f, self.rollup)
        parts: dict[str, one_pass.Part] = {
            "sessions": (q.sessions_stmt(base, False), False, False),
            "kinds": (q.events_by_kind_stmt(base), False, True),
        }
        groups = (BreakdownBy.PRODUCT, BreakdownBy.INJECTOR)
        with self.reading() as s:
            if self._by_day(f):
                got = day_queries.safety(s, f)
            else:
                for by in groups:
                    c = one_pass.grouped_cohort(s, base, f, by, dialect, self.rollup)
                    parts[f"{by.value} sessions"] = (q.sessions_stmt(c, True, unique=True), True, False)
                    parts[f"{by.value} events"] = (q.events_stmt(c, True), True, False)
                got = one_pass.run(s, parts)
            by_group = {by: self._safety_groups(s, by, got) for by in groups}
        sessions = int(got["sessions"][0][0])
        order = {k.value: i for i, k in enumerate(AdverseEventKind)}
        by_kind = tuple(
            SafetyKindRow(
                AdverseEventKind(k), int(n), int(affected), int(severe), rate_per_100(int(n), sessions)
            )
            for k, n, affected, severe in sorted(got["kinds"], key=lambda r: (-r[1], order.get(r[0], 99)))
        )
        return SafetyReport(
            f,
            sessions,
            sum(r.events for r in by_kind),
            by_kind,
            by_group[BreakdownBy.PRODUCT],
            by_group[BreakdownBy.INJECTOR],
        )

    def _safety_groups(
        self, s: Session, by: BreakdownBy, got: dict[str, list[tuple[Any, ...]]]
    ) -> tuple[SafetyGroupRow, ...]:
        sessions = {r[0]: int(r[1]) for r in got[f"{by.value} sessions"]}
        events = {r[0]: (int(r[1]), int(r[2])) for r in got[f"{by.value} events"]}
        labels = self._labels(s, by, set(sessions))
        rows = [
            SafetyGroupRow(str(k), labels.get(k, str(k)), n, *events.get(k, (0, 0)))
            for k, n in sessions.items()
        ]
        return tuple(sorted(rows, key=lambda r: r.label.casefold()))

    # -- product use, follow-up gaps, recall --------------------------------------------------------
    def product_use(self, filters: ReportFilters, lots: int | None = None) -> ProductUseReport:
        """Per product its totals, lots and waste; ``lots``: list each product's first ``lots`` lots and
        one row for the rest (a page), None: every lot."""
        _, f = self._scoped(replace(filters, time_point=None))
        with self.reading() as s:
            return lists.product_use(s, f, self.now(), self._dialect(), self.rollup, lots)

    def product_use_rows(self, filters: ReportFilters) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """Every lot of the product use report, then every wasted lot, read as they are consumed (the CSV
        export of a clinic with a lot per vial): ('lot', (brand, lot, vials, sessions, units)) and
        ('waste', (brand, lot, vials, vial units, drawn, wasted))."""
        _, f = self._scoped(replace(filters, time_point=None))
        now, dialect = self.now(), self._dialect()
        with self.reading() as s:
            brand = {r.id: r.brand for r in s.execute(select(ProductRow)).scalars()}
            for pid, *rest in lists.lot_rows(s, f, dialect, self.rollup):
                yield "lot", (brand[pid], *rest)
            for pid, *rest in lists.waste_rows(s, f, now, self.rollup):
                yield "waste", (brand[pid], *rest)

    def follow_up_gaps(self, filters: ReportFilters, limit: int | None = None) -> FollowUpGaps:
        """The sessions without a follow-up, most overdue first: the first ``limit`` (None: all), and how
        many there are."""
        _, f = self._scoped(replace(filters, time_point=None))
        with self.reading() as s:
            return lists.follow_up_gaps(s, f, local_date(self.now(), f.time_zone), limit)

    def follow_up_gap_rows(self, filters: ReportFilters) -> Iterator[GapRow]:
        """Every session without a follow-up, most overdue first, read as consumed (the CSV export)."""
        _, f = self._scoped(replace(filters, time_point=None))
        today = local_date(self.now(), f.time_zone)
        with self.reading() as s:
            yield from lists.gap_rows(s, f, today)

    def recall(self, lot_number: str) -> RecallReport:
        """Every patient and session that received the lot, with contact details (audited as a view)."""
        actor = self.actor(Action.VIEW_ALL_REPORTS)
        lot = lot_number.strip()
        with self.reading() as s:
            report = lists.recall(s, lot)
        if lot:
            with self.writing() as s:
                audit.record(
                    s,
                    actor,
                    AuditAction.VIEW,
                    "lot_recall",
                    lot,
                    changes={"patients": [None, report.patients], "sessions": [None, len(report.rows)]},
                )
        return report

    def sessions_behind(self, filters: ReportFilters, row: RowKey) -> tuple[SessionBehind, ...]:
        """The signed sessions a report row counts (``behind.RowKey``), in the actor's own scope."""
        _, f = self._scoped(replace(filters, time_point=None))  # the row says which follow-up, if any
        with self.reading() as s:
            return behind.sessions_behind(s, f, row, self._dialect(), self.rollup)

    # -- saved filter presets -----------------------------------------------------------------------
    def presets(self) -> tuple[FilterPreset, ...]:
        self.actor(Action.VIEW_OWN_REPORTS)
        with self.reading() as s:
            return presets.presets(s)

    def save_preset(self, preset: FilterPreset) -> bool:
        """Save the filters under a name (a manager's); the same name replaces. Returns whether it did."""
        actor = self.actor(Action.VIEW_ALL_REPORTS)
        with self.writing() as s:
            return presets.save(s, preset, actor.user_id, self.now())

    def remove_preset(self, name: str) -> None:
        self.actor(Action.VIEW_ALL_REPORTS)
        with self.writing() as s:
            presets.remove(s, name)

    def lot_numbers(self, part: str = "") -> tuple[str, ...]:
        """Lot numbers on record containing ``part`` (letter case ignored): suggestions for the recall."""
        self.actor(Action.VIEW_ALL_REPORTS)
        with self.reading() as s:
            return tuple(s.execute(q.lot_numbers_stmt(part)).scalars())

    # -- the meeting report -------------------------------------------------------------------------
    def describe_filters(
        self, filters: ReportFilters, order: DateOrder = DateOrder.ISO
    ) -> tuple[tuple[str, str], ...]:
        """The filters in words, for headings: (('Period', '2026-01-01 to 2026-06-30'), ('Product', 'Xeomin'),
        ...). Dates in ``order``: ISO for file names and CSV headers, the clinic's for the printed report."""
        _, f = self._scoped(filters)
        with self.reading() as s:
            product = s.get(ProductRow, f.product_id) if f.product_id is not None else None
            injector = s.get(UserRow, f.injector_id) if f.injector_id is not None else None
            period = (
                f"{format_date(f.start, order) if f.start else 'the first session'} to "
                f"{format_date(f.end, order) if f.end else 'today'}"
                if f.start or f.end
                else "All dates"
            )
            return (
                ("Period", period),
                ("Product", product.brand if product else "All products"),
                ("Injector", injector.full_name if injector else "All injectors"),
                ("Zone", f.zone.label if f.zone else "All zones"),
                ("Indication", f.indication.label if f.indication else "All indications"),
                ("Dilution", f.dilution.label if f.dilution else "All dilutions"),
                ("Follow-up", f.time_point.label if f.time_point else "All time points"),
            )

    def bundle(self, filters: ReportFilters) -> ReportBundle:
        """Everything the meeting PDF shows: each registered report that has a PDF section, in order."""
        actor, f = self._scoped(filters)
        with self.reading() as s:
            clinic = s.get(ClinicRow, 1)
            clinic_name = clinic.name if clinic is not None else "ClinicRec"
            units_step = clinic.units_step if clinic is not None and clinic.units_step else 0.1
            order = (
                DateOrder(clinic.date_order) if clinic is not None and clinic.date_order else DateOrder.ISO
            )
        sections = tuple(
            ReportSection(d.kind, d.pdf_section, result)
            for d in definitions()
            if d.pdf_section is not None
            for result in d.meeting_results(self, f)
        )
        summary = next((s.result for s in sections if isinstance(s.result, OutcomeSummary)), None)
        sessions = (summary or self.summary(f)).sessions
        return ReportBundle(
            clinic_name,
            self.now(),
            actor.full_name,
            f,
            self.describe_filters(f, order),
            sessions,
            sections,
            units_step,
            order,
            f.time_zone,
        )

    def paper_size(self) -> str:
        with self.reading() as s:
            clinic = s.get(ClinicRow, 1)
            return clinic.paper_size if clinic is not None else "A4"

    # -- exports ------------------------------------------------------------------------------------
    def require_export(self) -> Actor:
        return self.actor(Action.EXPORT)

    def record_export(
        self,
        kind: str,
        destination: str,
        *,
        rows: int,
        filters: ReportFilters | None = None,
        fmt: str = "csv",
    ) -> None:
        """Put an export in the audit trail: what, where, how many rows, with which filters."""
        actor = self.require_export()
        changes: dict[str, Any] = {
            "report": [None, kind],
            "format": [None, fmt],
            "file": [None, destination],
            "rows": [None, rows],
        }
        if filters is not None:
            changes["filters"] = [
                None,
                {k: (str(v) if v is not None else None) for k, v in vars(filters).items()},
            ]
        with self.writing() as s:
            audit.record(s, actor, AuditAction.EXPORT, "report", kind, changes=changes)


def _sort_key(by: BreakdownBy, key: str, label: str) -> tuple[Any, ...]:
    if by is BreakdownBy.DILUTION:
        return (
            list(DilutionBand).index(DilutionBand(key)) if key in DilutionBand._value2member_map_ else 99,
        )
    if by is BreakdownBy.ZONE:
        order = {z.value: i for i, z in enumerate(Zone)}
        return (order.get(key, 99), key)
    if by is BreakdownBy.MONTH:
        return (key,)
    return (label.casefold(),)
