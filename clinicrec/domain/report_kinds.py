"""The kinds of outcome report, their breakdowns and dilution bands: the choices the reports screen and
``clinicrec report`` offer. Plain enums, apart from ``report_types`` so that the command line can list
them without loading the report dataclasses (every start of the application builds its parser)."""

from __future__ import annotations

from .enums import LabelledEnum


class DilutionBand(LabelledEnum):
    """A session's dilution: its first vial's U/0.1 mL, banded. Bounds are inclusive above (4.0 is '2-4')."""

    UP_TO_2 = "le2", "≤ 2 U/0.1 mL"
    FROM_2_TO_4 = "2-4", "> 2 to 4 U/0.1 mL"
    FROM_4_TO_6 = "4-6", "> 4 to 6 U/0.1 mL"
    OVER_6 = "gt6", "> 6 U/0.1 mL"

    @property
    def upper_bound(self) -> float | None:
        return _BAND_UPPER[self.value]

    @classmethod
    def of(cls, units_per_0_1_ml: float) -> DilutionBand:
        for band in cls:
            if band.upper_bound is None or units_per_0_1_ml <= band.upper_bound + BAND_TOLERANCE:
                return band
        raise AssertionError("unreachable")


_BAND_UPPER: dict[str, float | None] = {"le2": 2.0, "2-4": 4.0, "4-6": 6.0, "gt6": None}
#: 100 U in 2.5 mL is 4.000000000000001 U/0.1 mL in floating point: a band edge allows for that.
BAND_TOLERANCE = 1e-9


class BreakdownBy(LabelledEnum):
    PRODUCT = "product", "Product"
    DILUTION = "dilution", "Dilution band"
    ZONE = "zone", "Zone"
    INJECTOR = "injector", "Injector"
    MONTH = "month", "Month"


class ReportKind(LabelledEnum):
    SUMMARY = "summary", "Outcome summary"
    BREAKDOWN = "breakdown", "Breakdown"
    SAFETY = "safety", "Safety"
    PRODUCT_USE = "product-use", "Product use"
    RECALL = "recall", "Lot recall"
    GAPS = "gaps", "Follow-up gaps"
    SKIN_CHANGE = "skin-change", "Measured skin change"
