"""The measured skin change page: how well the ratings track the camera, then per group and zone the
measured change beside the dose per cm², dilution, injector and the rated change (issue 19)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...domain.enums import Measure
from ...domain.report_kinds import BreakdownBy
from ...domain.report_stats import Estimate, fmt_estimate
from ...domain.report_types import ReportFilters
from ...domain.skin_report import (
    SKIN_GROUPINGS,
    SkinAgreement,
    SkinChangeReport,
    SkinFigure,
    SkinZoneRow,
    fmt_correlation,
)
from ...services.reports import ReportRequest
from ..rows_model import Column
from .columns import n_text
from .page_parts import ReportPage, ReportTable, caption, muted, stack

CHANGE_TIP = "Follow-up photo minus baseline photo of the same session and view: negative is better."


def _est_column(
    title: str, get: object, decimals: int, tip: str, *, signed: bool = True
) -> Column[SkinZoneRow]:
    def est(r: SkinZoneRow) -> Estimate:
        return get(r)  # type: ignore[operator,no-any-return]

    return Column(
        title,
        lambda r: fmt_estimate(est(r), decimals, signed=signed),
        sort=lambda r: est(r).mean,
        numeric=True,
        few=lambda r: est(r).few,
        tip=lambda r: f"{title}: {fmt_estimate(est(r), decimals, signed=signed)}, n = {est(r).n}",
        header_tip=tip,
    )


def _figure_getter(f: SkinFigure) -> object:
    return lambda r: r.figure(f)


def _rating_getter(m: Measure) -> object:
    return lambda r: r.rating(m)


ZONE_COLUMNS: tuple[Column[SkinZoneRow], ...] = (
    Column("Group", lambda r: r.group),
    Column("Zone", lambda r: r.zone.label),
    Column(
        "n",
        lambda r: n_text(r.sessions),
        sort=lambda r: r.sessions,
        numeric=True,
        few=lambda r: 0 < r.sessions < 10,
        header_tip="Sessions with a measured baseline and follow-up photo that treated this zone",
    ),
    _est_column(
        "Dose U/cm²",
        lambda r: r.dose_u_per_cm2,
        2,
        "Units placed in the zone ÷ the zone's area measured on the baseline photo (95% CI)",
        signed=False,
    ),  # fmt: skip
    Column(
        "U/0.1 mL",
        lambda r: "—" if r.dilution_u_per_0_1_ml.mean is None else f"{r.dilution_u_per_0_1_ml.mean:.1f}",
        sort=lambda r: r.dilution_u_per_0_1_ml.mean,
        numeric=True,
        header_tip="Concentration of the vials behind the doses (mean)",
    ),
    *(
        _est_column(f"Δ {f.label}", _figure_getter(f), 3 if f.decimals == 3 else 1, CHANGE_TIP)
        for f in SkinFigure
    ),
    *(
        _est_column(
            f"Rated Δ {m.label.lower()}",
            _rating_getter(m),
            2,
            "Follow-up rating minus baseline rating (0–4) of the same sessions: negative is better",
        )  # fmt: skip
        for m in (Measure.PORES, Measure.REDNESS, Measure.OIL)
    ),
    Column("Injectors", lambda r: r.injectors),
)

AGREEMENT_COLUMNS: tuple[Column[SkinAgreement], ...] = (
    Column("Measured figure", lambda a: a.figure.label),
    Column("Rated measure", lambda a: a.figure.rated_as.label),
    Column(
        "n",
        lambda a: n_text(a.correlation.n),
        sort=lambda a: a.correlation.n,
        numeric=True,
        few=lambda a: a.correlation.few,
        header_tip="Sessions with both a rated and a measured change",
    ),
    Column(
        "Spearman ρ (95% CI)",
        lambda a: fmt_correlation(a.correlation),
        sort=lambda a: a.correlation.rho,
        numeric=True,
        few=lambda a: a.correlation.few,
        header_tip="Rank correlation of rated and measured change: near 1, the ratings track the camera",
    ),
)


class SkinChangePage(ReportPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("skin_change_page")
        self.by = QComboBox(self)
        self.by.setObjectName("skin_change_by")
        self.by.setAccessibleName("Group measured change by")
        for b in SKIN_GROUPINGS:
            self.by.addItem(b.label, b.value)
        self.headline = muted("", self, "skin_change_headline")
        self.agreement = ReportTable(
            "skin_agreement_table", "Agreement between rated and measured change", AGREEMENT_COLUMNS, self
        )
        self.zones = ReportTable(
            "skin_zone_table",
            "Measured change per zone",
            ZONE_COLUMNS,
            self,
            stretch_column=len(ZONE_COLUMNS) - 1,
        )
        top = QHBoxLayout()
        label = QLabel("Group by", self)
        label.setBuddy(self.by)
        top.addWidget(label)
        top.addWidget(self.by)
        top.addSpacing(12)
        top.addWidget(self.headline, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(
            stack(self, caption("Do the ratings track the camera?", self), self.agreement, stretch=(0, 1)), 2
        )
        layout.addWidget(stack(self, caption("Per zone", self), self.zones, stretch=(0, 1)), 5)
        self.by.currentIndexChanged.connect(self.sig_request_changed)

    @property
    def dimension(self) -> BreakdownBy:
        return BreakdownBy(self.by.currentData())

    def request(self, filters: ReportFilters) -> ReportRequest:
        return ReportRequest(filters, by=self.dimension)

    def shows(self, result: SkinChangeReport) -> bool:
        return result.by is self.dimension

    def show_result(self, r: SkinChangeReport) -> None:
        self.headline.setText(
            f"{r.sessions:,} sessions with a measured baseline and follow-up photo. Change = follow-up − "
            "baseline: negative is better for every figure. Units are per product, never added across "
            "products."
            if r.sessions
            else "No session of these filters has a measured baseline and follow-up photo yet: the rows "
            "appear once both photos of a session are measured by the skin analysis."
        )
        self.agreement.set_rows(r.agreement)
        self.zones.set_rows(r.rows)
