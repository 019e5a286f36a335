"""A saved set of report filters: what a manager chose on the reports screen, under a name.

The period is kept as chosen: "Last 3 months" stays relative to the day it is used; "Custom" keeps its
dates. Stored as JSON (``to_json`` / ``from_json``); a value no longer known (a product removed from the
catalogue) is simply not chosen when the preset is applied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from .enums import Indication, TimePoint, Zone
from .errors import FieldError, ValidationError
from .report_types import DilutionBand

NAME_MAX = 60
PERIODS = ("Last 3 months", "Last 12 months", "This year", "All dates", "Custom")


@dataclass(frozen=True)
class FilterPreset:
    name: str
    period: str = "Last 12 months"
    start: date | None = None  # "Custom" only
    end: date | None = None
    product_id: int | None = None
    injector_id: int | None = None
    zone: Zone | None = None
    indication: Indication | None = None
    dilution: DilutionBand | None = None
    time_point: TimePoint | None = None

    def checked(self) -> FilterPreset:
        """The preset with its name tidied, or ValidationError naming what is wrong."""
        name = " ".join(self.name.split())
        errors = []
        if not name:
            errors.append(FieldError("Preset name", "give the preset a name"))
        elif len(name) > NAME_MAX:
            errors.append(FieldError("Preset name", f"at most {NAME_MAX} characters ({len(name)} given)"))
        if self.period not in PERIODS:
            errors.append(FieldError("Period", f"one of {', '.join(PERIODS)}"))
        if self.period == "Custom" and (self.start is None or self.end is None):
            errors.append(FieldError("Period", "a custom period needs its from and to dates"))
        if errors:
            raise ValidationError(errors)
        return FilterPreset(name, **{k: v for k, v in self.__dict__.items() if k != "name"})

    def to_json(self) -> str:
        def plain(v: Any) -> Any:
            if isinstance(v, date):
                return v.isoformat()
            return getattr(v, "value", v)

        return json.dumps({k: plain(v) for k, v in self.__dict__.items() if k != "name"}, sort_keys=True)

    @classmethod
    def from_json(cls, name: str, text: str) -> FilterPreset:
        raw = json.loads(text)

        def enum(kind: Any, key: str) -> Any:
            value = raw.get(key)
            try:
                return None if value is None else kind(value)
            except ValueError:
                return None

        def day(key: str) -> date | None:
            value = raw.get(key)
            return date.fromisoformat(value) if value else None

        return cls(
            name,
            period=raw.get("period", "Last 12 months"),
            start=day("start"),
            end=day("end"),
            product_id=raw.get("product_id"),
            injector_id=raw.get("injector_id"),
            zone=enum(Zone, "zone"),
            indication=enum(Indication, "indication"),
            dilution=enum(DilutionBand, "dilution"),
            time_point=enum(TimePoint, "time_point"),
        )
