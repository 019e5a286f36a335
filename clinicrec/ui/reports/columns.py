"""The columns of each report table: what each cell says, how it sorts, when it is 'few'."""

from __future__ import annotations

from ...domain.enums import Gais
from ...domain.figures_format import units_summary_text
from ...domain.report_stats import Estimate, fmt_estimate, fmt_rate, fmt_share, fmt_signed
from ...domain.report_types import MEASURES, BreakdownRow, MeasureChange, Outcome
from ..date_format import clinic_units_step, date_text
from ..rows_model import Column
from ..style import active

CHANGE_TIP = "Follow-up rating minus baseline rating (0–4 scale): negative is better."


def n_text(n: int) -> str:
    return f"{n:,} · few" if 0 < n < 10 else f"{n:,}"


def ci_text(e: Estimate, signed: bool = True) -> str:
    if e.mean is None:
        return "—"
    if e.low is None or e.high is None:
        return "no interval"
    f = (lambda v: fmt_signed(v)) if signed else (lambda v: f"{v:.2f}")
    return f"{f(e.low)} to {f(e.high)}"


def est_tip(e: Estimate, what: str) -> str:
    if e.mean is None:
        return f"{what}: no sessions"
    return f"{what}: {fmt_estimate(e)}, n = {e.n:,}" + (f", SD {e.sd:.2f}" if e.sd is not None else "")


# -- outcomes: one row per (time point, measure) -----------------------------------------------------------
ChangeRow = tuple[Outcome, MeasureChange]


def change_rows(outcomes: tuple[Outcome, ...]) -> list[ChangeRow]:
    return [(o, o.measure(m)) for o in outcomes for m in MEASURES]


def _few_change(r: ChangeRow) -> bool:
    return r[1].change.few


CHANGE_COLUMNS = (
    Column(
        "Time point",
        lambda r: r[0].time_point.label,
        sort=lambda r: list(type(r[0].time_point)).index(r[0].time_point),
    ),
    Column("Measure", lambda r: r[1].measure.label),
    Column(
        "n",
        lambda r: n_text(r[1].change.n),
        sort=lambda r: r[1].change.n,
        numeric=True,
        few=_few_change,
        header_tip="Sessions behind the figure: with a baseline and a follow-up rating at this time point",
    ),
    Column(
        "Mean change",
        lambda r: fmt_signed(r[1].change.mean),
        sort=lambda r: r[1].change.mean,
        numeric=True,
        few=_few_change,
        tip=lambda r: est_tip(r[1].change, "Mean change"),
        header_tip=CHANGE_TIP,
    ),
    Column(
        "95% CI",
        lambda r: ci_text(r[1].change),
        sort=lambda r: r[1].change.low,
        numeric=True,
        few=_few_change,
        header_tip="95% confidence interval of the mean change (Student's t)",
    ),
    Column(
        "Improved ≥1 grade",
        lambda r: f"{fmt_share(r[1].improved_share)} ({r[1].improved:,})",
        sort=lambda r: r[1].improved_share,
        numeric=True,
        few=_few_change,
        header_tip="Sessions at least one grade better than at baseline",
    ),
)


def _few_gais(o: Outcome) -> bool:
    return 0 < o.gais.n < 10


def _gais_col(g: Gais) -> Column:
    return Column(
        g.label,
        lambda o: f"{o.gais.count(g):,} ({fmt_share(o.gais.share(g))})",
        sort=lambda o: o.gais.share(g),
        numeric=True,
        few=_few_gais,
    )


GAIS_COLUMNS = (
    Column(
        "Time point",
        lambda o: o.time_point.label,
        sort=lambda o: list(type(o.time_point)).index(o.time_point),
    ),
    Column("GAIS (n)", lambda o: n_text(o.gais.n), sort=lambda o: o.gais.n, numeric=True, few=_few_gais),
    *[_gais_col(g) for g in Gais],
    Column(
        "Satisfaction (1–5)",
        lambda o: f"{o.satisfaction.mean:.2f}" if o.satisfaction.mean is not None else "—",
        sort=lambda o: o.satisfaction.mean,
        numeric=True,
        few=lambda o: o.satisfaction.few,
        tip=lambda o: est_tip(o.satisfaction, "Satisfaction"),
    ),
    Column(
        "95% CI",
        lambda o: ci_text(o.satisfaction, signed=False),
        sort=lambda o: o.satisfaction.low,
        numeric=True,
        few=lambda o: o.satisfaction.few,
    ),
)


# -- breakdowns ---------------------------------------------------------------------------------------------
def _change_col(i: int) -> Column:
    m = MEASURES[i]

    def text(r: BreakdownRow) -> str:
        e = r.outcome.measure(m).change
        return "—" if e.mean is None else f"{fmt_signed(e.mean)}  [{ci_text(e)}]"

    return Column(
        f"{m.label} change [95% CI]",
        text,
        sort=lambda r: r.outcome.measure(m).change.mean,
        numeric=True,
        few=lambda r: r.outcome.measure(m).change.few,
        tip=lambda r: est_tip(r.outcome.measure(m).change, f"{m.label} change"),
        header_tip=CHANGE_TIP,
    )


BREAKDOWN_COLUMNS = (
    Column("Group", lambda r: r.label, sort=lambda r: r.label.casefold()),
    Column("Sessions", lambda r: f"{r.sessions:,}", sort=lambda r: r.sessions, numeric=True),
    Column(
        "Followed up",
        lambda r: n_text(r.outcome.followed_up),
        sort=lambda r: r.outcome.followed_up,
        numeric=True,
        few=lambda r: 0 < r.outcome.followed_up < 10,
        header_tip="Sessions with a follow-up at the breakdown's time point",
    ),
    *[_change_col(i) for i in range(len(MEASURES))],
    Column(
        "Satisfaction",
        lambda r: f"{r.outcome.satisfaction.mean:.2f}" if r.outcome.satisfaction.mean is not None else "—",
        sort=lambda r: r.outcome.satisfaction.mean,
        numeric=True,
        few=lambda r: r.outcome.satisfaction.few,
        tip=lambda r: est_tip(r.outcome.satisfaction, "Satisfaction"),
    ),
    Column(
        "AE / 100",
        lambda r: fmt_rate(r.ae_rate),
        sort=lambda r: r.ae_rate,
        numeric=True,
        few=lambda r: 0 < r.sessions < 10,
        tip=lambda r: f"{r.adverse_events:,} adverse events",
        header_tip="Adverse events per 100 signed sessions",
    ),
)


# -- safety -------------------------------------------------------------------------------------------------
KIND_COLUMNS = (
    Column("Adverse event", lambda k: k.kind.label),
    Column("Events", lambda k: f"{k.events:,}", sort=lambda k: k.events, numeric=True),
    Column(
        "Sessions affected",
        lambda k: f"{k.sessions_affected:,}",
        sort=lambda k: k.sessions_affected,
        numeric=True,
    ),
    Column("Severe", lambda k: f"{k.severe:,}", sort=lambda k: k.severe, numeric=True),
    Column("Per 100 sessions", lambda k: fmt_rate(k.rate), sort=lambda k: k.rate, numeric=True),
)


def group_columns(title: str) -> tuple[Column, ...]:
    return (
        Column(title, lambda g: g.label, sort=lambda g: g.label.casefold()),
        Column(
            "Sessions",
            lambda g: n_text(g.sessions),
            sort=lambda g: g.sessions,
            numeric=True,
            few=lambda g: 0 < g.sessions < 10,
        ),
        Column("Events", lambda g: f"{g.events:,}", sort=lambda g: g.events, numeric=True),
        Column(
            "Sessions affected",
            lambda g: f"{g.sessions_affected:,}",
            sort=lambda g: g.sessions_affected,
            numeric=True,
        ),
        Column(
            "Per 100 sessions",
            lambda g: fmt_rate(g.rate),
            sort=lambda g: g.rate,
            numeric=True,
            few=lambda g: 0 < g.sessions < 10,
        ),
    )


# -- product use --------------------------------------------------------------------------------------------
def _units(u: float) -> str:
    """Units summed over sessions, to the clinic's dose precision (one format in the whole column)."""
    return units_summary_text(u, clinic_units_step())


PRODUCT_COLUMNS = (
    Column("Product", lambda t: t.brand),
    Column(
        "Units drawn",
        lambda t: _units(t.units),
        sort=lambda t: t.units,
        numeric=True,
        header_tip="Units are per product: never added across products",
    ),
    Column("Vials", lambda t: f"{t.vials:,}", sort=lambda t: t.vials, numeric=True),
    Column("Lots", lambda t: f"{t.lots:,}", sort=lambda t: t.lots, numeric=True),
    Column("Sessions", lambda t: f"{t.sessions:,}", sort=lambda t: t.sessions, numeric=True),
)
LOT_COLUMNS = (
    Column("Product", lambda u: u.brand),
    Column("Lot", lambda u: u.lot_number),
    Column("Units drawn", lambda u: _units(u.units), sort=lambda u: u.units, numeric=True),
    Column("Vials", lambda u: f"{u.vials:,}", sort=lambda u: u.vials, numeric=True),
    Column(
        "Sessions",
        lambda u: "—" if u.sessions is None else f"{u.sessions:,}",
        sort=lambda u: -1 if u.sessions is None else u.sessions,
        numeric=True,
        header_tip="An 'other lots' row leaves them out: a session can use several lots",
    ),
)
WASTE_COLUMNS = (
    Column("Product", lambda w: w.brand),
    Column("Lot", lambda w: w.lot_number),
    Column("Vials", lambda w: f"{w.vials:,}", sort=lambda w: w.vials, numeric=True),
    Column("Vial units", lambda w: _units(w.vial_units), sort=lambda w: w.vial_units, numeric=True),
    Column("Drawn", lambda w: _units(w.drawn), sort=lambda w: w.drawn, numeric=True),
    Column(
        "Wasted",
        lambda w: _units(w.wasted),
        sort=lambda w: w.wasted,
        numeric=True,
        header_tip="Vial units never drawn, from vials past expiry or past their in-use window",
    ),
)

# -- follow-up gaps and recall ------------------------------------------------------------------------------
GAP_COLUMNS = (
    Column(
        "Status",
        lambda g: "Overdue" if g.status == "overdue" else "Due",
        sort=lambda g: g.status,
        tone=lambda g: active().danger if g.status == "overdue" else None,
    ),
    Column(
        "Days past review", lambda g: f"{g.days_past_due:,}", sort=lambda g: g.days_past_due, numeric=True
    ),
    Column("Patient", lambda g: g.patient_name, sort=lambda g: g.patient_name.casefold()),
    Column("Chart no.", lambda g: g.chart_number),
    Column("Phone", lambda g: g.phone),
    Column("Session", lambda g: f"{date_text(g.performed_on)}", sort=lambda g: g.performed_on),
    Column("Review due", lambda g: f"{date_text(g.due_on)}", sort=lambda g: g.due_on),
    Column("Injector", lambda g: g.injector),
)
RECALL_COLUMNS = (
    Column("Patient", lambda r: r.patient_name, sort=lambda r: r.patient_name.casefold()),
    Column("Chart no.", lambda r: r.chart_number),
    Column("Born", lambda r: f"{date_text(r.date_of_birth)}", sort=lambda r: r.date_of_birth),
    Column("Phone", lambda r: r.phone),
    Column("Email", lambda r: r.email),
    Column("Address", lambda r: " ".join(r.address.split()), tip=lambda r: r.address),
    Column(
        "Session",
        lambda r: (
            f"#{r.session_id} · {date_text(r.performed_at)}" + (" (draft)" if r.status == "draft" else "")
        ),
        sort=lambda r: r.performed_at,
        tip=lambda r: f"{r.status.capitalize()} session by {r.injector}",
    ),
    Column(
        "Product",
        lambda r: r.brand,
        tip=lambda r: f"{r.brand} lot {r.lot_number}, expiry {date_text(r.expiry_date)}",
    ),
    Column("Units", lambda r: _units(r.units), sort=lambda r: r.units, numeric=True),
)
