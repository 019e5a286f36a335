"""The screening confirmed at each visit, and what changed since the patient's last visit."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import AllergyStatus, ScreeningAnswer
from .models import SafetyScreening, ScreeningSnapshot


@dataclass(frozen=True)
class ScreeningChange:
    """One item whose answer differs from the last visit ('before' is None at a first visit)."""

    item: str
    label: str
    before: str | None
    after: str

    def describe(self) -> str:
        was = "not recorded before" if self.before is None else f"was {self.before}"
        return f"{self.label}: {self.after} ({was})"


ALLERGIES = "allergies"
OTHER = "other"


def _allergy_text(snap: ScreeningSnapshot) -> str:
    if snap.allergy_status == AllergyStatus.LISTED or snap.allergies.strip():
        return snap.allergies.strip()
    return AllergyStatus(snap.allergy_status).label


def screening_changes(
    previous: ScreeningSnapshot | None, current: ScreeningSnapshot
) -> list[ScreeningChange]:
    """Every answer that differs from the previous visit's snapshot (all 'yes' answers at a first visit)."""
    out: list[ScreeningChange] = []
    for item, label in SafetyScreening.QUESTIONS.items():
        after = current.answer(item)
        before = previous.answer(item) if previous is not None else None
        if before != after and (previous is not None or after == ScreeningAnswer.YES):
            out.append(
                ScreeningChange(item, label, before.label if before is not None else None, after.label)
            )
    before_other = previous.other.strip() if previous is not None else ""
    if before_other != current.other.strip():
        out.append(
            ScreeningChange(
                OTHER,
                "Other finding",
                before_other if previous is not None else None,
                current.other.strip() or "none",
            )
        )
    after_allergies = _allergy_text(current)
    before_allergies = _allergy_text(previous) if previous is not None else None
    if before_allergies != after_allergies:
        out.append(ScreeningChange(ALLERGIES, "Allergies", before_allergies, after_allergies))
    return out
