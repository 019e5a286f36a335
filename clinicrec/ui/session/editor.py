"""Editing the map's points: placing, grid fill, moving, deleting, dosing; every edit is undoable.

The editor decides what the map only asks for: a point lands only inside a zone (its zone read from
where it lands), it is drawn from the active vial, and its dose is the default dose entered in units
or in volume, the other derived from the vial's concentration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ...domain import facemap
from ...domain.dilution import Concentration
from ...domain.enums import DoseBasis, Zone
from ...domain.models import InjectionPoint, Vial
from ...domain.validation import POINT_NOTE_MAX, Checker
from ..figures import concentration, units, volume
from .commands import AddPointsCommand, RemovePointsCommand, ReplacePointsCommand, UpdatePointsCommand
from .models import ChartPoint, PointsModel

OUTSIDE_ZONES = "Points go inside a treatment zone; that spot is outside every zone (eyes, lips, hair)."
SIGNED = "This session is signed and cannot be changed. Start an amendment to correct it."


@dataclass(frozen=True)
class Dose:
    """A dose as entered: a number of units or of mL; the other quantity follows from the vial."""

    basis: DoseBasis
    value: float

    def point(self, zone: Zone, x: float, y: float, vial: Vial) -> InjectionPoint:
        if self.basis == DoseBasis.VOLUME:
            return InjectionPoint.from_volume(zone, x, y, vial, self.value)
        return InjectionPoint.from_units(zone, x, y, vial, self.value)

    def describe(self, conc: Concentration | None, *, short: bool = False) -> str:
        """'0.4 U = 0.01 mL at 4 U/0.1 mL (40 U/mL)': never a dose without its concentration.

        ``short`` drops the U/mL figure ('... at 4 U/0.1 mL') where space is tight.
        """
        if conc is None:
            shown = units(self.value) if self.basis == DoseBasis.UNITS else volume(self.value)
            return f"{shown} (no vial yet)" if short else f"{shown} (choose a vial to see the other quantity)"
        label = concentration(conc) if short else conc.label()
        if self.basis == DoseBasis.UNITS:
            return f"{units(self.value)} = {volume(conc.volume_for(self.value))} at {label}"
        return f"{volume(self.value)} = {units(conc.units_for(self.value))} at {label}"

    @classmethod
    def of(cls, p: InjectionPoint) -> Dose:
        basis = DoseBasis(p.basis)
        return cls(basis, p.volume_ml if basis == DoseBasis.VOLUME else p.units)


class ChartEditor(QObject):
    sig_message = Signal(str)
    sig_select = Signal(object)  # uids the view should select after an edit

    def __init__(self, model: PointsModel, stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.stack = stack
        self.vials: dict[int, Vial] = {}
        self.active_vial_id: int | None = None
        self.default_dose = Dose(DoseBasis.UNITS, 0.4)
        self.read_only = False
        self._next_uid = 1

    # -- state -------------------------------------------------------------------------------------
    def active_vial(self) -> Vial | None:
        return self.vials.get(self.active_vial_id) if self.active_vial_id is not None else None

    def new_uid(self) -> int:
        uid = self._next_uid
        self._next_uid += 1
        return uid

    def load(self, points: Sequence[InjectionPoint]) -> None:
        """Show a saved session's points (not an undoable edit)."""
        self.stack.clear()
        self.model.reset([ChartPoint(self.new_uid(), p) for p in points])

    def _ready(self) -> Vial | None:
        if self.read_only:
            self.sig_message.emit(SIGNED)
            return None
        vial = self.active_vial()
        if vial is None:
            self.sig_message.emit(
                "Choose the vial first (Vial ▸ Choose vial…): every point is drawn from a vial."
            )
        return vial

    # -- edits ---------------------------------------------------------------------------------------
    def place(self, x: float, y: float) -> int | None:
        zone = facemap.zone_at(x, y)
        if zone is None:
            self.sig_message.emit(OUTSIDE_ZONES if not self.read_only else SIGNED)
            return None
        vial = self._ready()
        if vial is None:
            return None
        cp = ChartPoint(self.new_uid(), self.default_dose.point(zone, x, y, vial))
        self.stack.push(AddPointsCommand(self.model, [cp], f"Add point in {zone.label}"))
        self.sig_select.emit([cp.uid])
        self.sig_message.emit(
            f"Point {len(self.model.uids())} in {zone.label}: "
            f"{self.default_dose.describe(vial.concentration)}"
        )
        return cp.uid

    def add_at_centre(self, zone: Zone) -> int | None:
        x, y = facemap.zone_centroid(zone)
        return self.place(x, y)

    def grid_fill(self, zone: Zone, spacing_cm: float, *, replace: bool = True) -> int:
        """Fill ``zone`` with points ``spacing_cm`` apart; optionally replacing the points already there."""
        vial = self._ready()
        if vial is None:
            return 0
        try:
            spots = facemap.grid_fill(zone, spacing_cm)
        except ValueError as e:
            self.sig_message.emit(str(e).capitalize())
            return 0
        new = [ChartPoint(self.new_uid(), self.default_dose.point(zone, x, y, vial)) for x, y in spots]
        old = [cp.uid for cp in self.model.chart_points() if cp.point.zone == zone] if replace else []
        self.stack.beginMacro(f"Grid fill {zone.label} at {spacing_cm:g} cm")
        if old:
            self.stack.push(RemovePointsCommand(self.model, old, "Remove old points"))
        self.stack.push(AddPointsCommand(self.model, new, "Add grid"))
        self.stack.endMacro()
        self.sig_select.emit([cp.uid for cp in new])
        replaced = f", replacing {len(old)}" if old else ""
        self.sig_message.emit(f"{zone.label}: {len(new)} points {spacing_cm:g} cm apart{replaced}.")
        return len(new)

    def move(self, positions: Mapping[int, tuple[float, float]]) -> bool:
        """Move points (a drag); each point's zone is read again from where it lands."""
        change = self._moved(positions)
        if change is None:
            return False
        before, after = change
        self.stack.push(UpdatePointsCommand(self.model, before, after, f"Move {len(after)} point(s)"))
        zones = sorted({p.zone.label for p in after.values()})
        self.sig_message.emit(f"Moved {len(after)} point(s) into {', '.join(zones)}.")
        return True

    def nudge(self, uids: Sequence[int], dx_cm: float, dy_cm: float) -> bool:
        """Arrow keys: move the selected points a little; repeated presses merge into one undo step."""
        positions = {}
        for uid in uids:
            p = self.model.get(uid)
            positions[uid] = (p.x + dx_cm / facemap.MAP_WIDTH_CM, p.y + dy_cm / facemap.MAP_HEIGHT_CM)
        change = self._moved(positions)
        if change is None:
            return False
        before, after = change
        self.stack.push(
            UpdatePointsCommand(self.model, before, after, "Move point(s) with the keyboard", nudge=True)
        )
        return True

    def _moved(
        self, positions: Mapping[int, tuple[float, float]]
    ) -> tuple[dict[int, InjectionPoint], dict[int, InjectionPoint]] | None:
        if self.read_only:
            self.sig_message.emit(SIGNED)
            return None
        before, after = {}, {}
        for uid, (x, y) in positions.items():
            x, y = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
            zone = facemap.zone_at(x, y)
            if zone is None:
                self.sig_message.emit("A point must stay inside a zone; the move was not made.")
                return None
            old = self.model.get(uid)
            if (old.x, old.y) != (x, y):
                before[uid] = old
                after[uid] = InjectionPoint(
                    zone, x, y, old.vial_id, old.units, old.volume_ml, old.basis, note=old.note
                )
        return (before, after) if after else None

    def delete(self, uids: Sequence[int]) -> int:
        if self.read_only:
            self.sig_message.emit(SIGNED)
            return 0
        uids = [u for u in uids if u in set(self.model.uids())]
        if not uids:
            return 0
        self.stack.push(RemovePointsCommand(self.model, uids, f"Delete {len(uids)} point(s)"))
        self.sig_message.emit(f"Deleted {len(uids)} point(s). Ctrl+Z brings them back.")
        return len(uids)

    def set_dose(self, uids: Sequence[int], dose: Dose) -> int:
        """Give points a new dose; the other quantity is derived from each point's own vial."""
        if self.read_only:
            self.sig_message.emit(SIGNED)
            return 0
        before, after = {}, {}
        for uid in uids:
            p = self.model.get(uid)
            vial = self.vials.get(p.vial_id)
            if vial is None:
                continue
            new = replace(dose.point(p.zone, p.x, p.y, vial), note=p.note)
            if new != p:
                before[uid], after[uid] = p, new
        if after:
            self.stack.push(
                UpdatePointsCommand(self.model, before, after, f"Change dose of {len(after)} point(s)")
            )
        return len(after)

    def set_note(self, uids: Sequence[int], note: str) -> int:
        """Write a note ("bled", "patient flinched") on points; "" clears it. Undoable; refused with a
        message naming the field when it is too long."""
        if self.read_only:
            self.sig_message.emit(SIGNED)
            return 0
        note = " ".join(note.split())  # one line, no stray spaces
        check = Checker()
        check.text("note", "Point note", note, max_len=POINT_NOTE_MAX)
        if check.errors:
            self.sig_message.emit(f"{check.errors[0].message}. The note was not saved.")
            return 0
        before, after = {}, {}
        for uid in uids:
            p = self.model.get(uid)
            if p.note != note:
                before[uid], after[uid] = p, replace(p, note=note)
        if after:
            what = f"Note on {len(after)} point(s)" if note else f"Clear the note on {len(after)} point(s)"
            self.stack.push(UpdatePointsCommand(self.model, before, after, what))
            self.sig_message.emit(f"{what}: {note}." if note else f"{what}.")
        return len(after)

    def start_from(self, previous: Sequence[InjectionPoint], product_of_vial: Mapping[int, int]) -> int:
        """Re-use the last session's positions; doses re-derived for the active vial.

        Same product: each point keeps its units, the volume follows the current concentration.
        Another product (units are not interchangeable): the default dose is used instead.
        """
        vial = self._ready()
        if vial is None or not previous:
            return 0
        new = []
        for p in previous:
            zone = facemap.zone_at(p.x, p.y) or Zone(p.zone)
            same = product_of_vial.get(p.vial_id) == vial.product_id
            dose = Dose(DoseBasis.UNITS, p.units) if same else self.default_dose
            new.append(ChartPoint(self.new_uid(), dose.point(zone, p.x, p.y, vial)))
        self.stack.push(ReplacePointsCommand(self.model, new, "Start from the last session's map"))
        return len(new)
