"""The demo's clinic days: vials opened, Microbotox sessions charted and signed, follow-ups whose
ratings improve the way the literature reports (with noise and non-responders), a few adverse events."""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from ..domain import facemap
from ..domain.enums import Indication, Zone
from ..domain.scales import CURRENT_SCALE_VERSION
from ..services import audit_state
from ..services.audit import canonical_json
from ..services.content_hash import baseline_columns, content_columns
from .people import DEMO_USERS

#: An injection point as the generator makes it: the columns of ``injection_points`` after ``id``, in the
#: order ``audit_state`` reads a session's points (its parent first), so one tuple is stored (ids given by
#: the database in insertion order) and hashed as it will be read back.
POINT_COLUMNS = ("session_id", "seq", "zone", "x", "y", "vial_id", "units", "volume_ml", "basis", "note")
_POINT_TAIL = ("volume", "")  # basis, note
_CONTENT_COLUMNS = tuple(content_columns())
_BASELINE_COLUMNS = tuple(baseline_columns())

# (brand, vial units, diluent mL, additives [(kind, mL, description)], weight)
MIXES: tuple[tuple[str, int, float, tuple[tuple[str, float, str], ...], float], ...] = (
    ("Botox Cosmetic", 100, 2.0, (("lidocaine", 0.5, "1% lidocaine"),), 0.30),
    ("Botox Cosmetic", 100, 4.0, (("lidocaine", 1.0, "1% lidocaine"),), 0.20),
    (
        "Botox Cosmetic",
        100,
        3.0,
        (("lidocaine", 0.5, "1% lidocaine"), ("hyaluronic_acid", 0.5, "non-cross-linked HA")),
        0.10,
    ),
    ("Xeomin", 100, 5.0, (), 0.18),
    ("Dysport", 300, 5.0, (), 0.12),
    ("Letybo", 100, 4.0, (("lidocaine", 1.0, "1% lidocaine"),), 0.06),
    ("Daxxify", 100, 4.0, (), 0.04),
)

# Indication -> (zones, probability of being chosen as the main indication)
PLANS: tuple[tuple[tuple[Indication, ...], tuple[Zone, ...], float], ...] = (
    ((Indication.PORES, Indication.OIL), (Zone.FOREHEAD, Zone.NOSE, Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT), 0.35),
    ((Indication.REDNESS,), (Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.NOSE, Zone.CHIN), 0.22),
    (
        (Indication.OIL, Indication.ACNE),
        (Zone.FOREHEAD, Zone.CHIN, Zone.JAWLINE_LEFT, Zone.JAWLINE_RIGHT),
        0.13,
    ),
    (
        (Indication.FINE_LINES, Indication.TEXTURE),
        (Zone.PERIORBITAL_LEFT, Zone.PERIORBITAL_RIGHT, Zone.PERIORAL, Zone.NECK),
        0.18,
    ),
    ((Indication.PORES, Indication.TEXTURE), (Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.NOSE), 0.12),
)
# Mean rating change by follow-up time point (literature: effect peaks ~4 weeks, lasts 3-4 months).
EFFECT = {"day_14": 0.7, "week_4": 1.0, "week_8": 0.9, "week_12": 0.65, "week_16": 0.35}
FOLLOW_UP_DAYS = {"day_14": 14, "week_4": 28, "week_12": 84}
AE_KINDS = (
    ("bruising", 0.04, 9),
    ("headache", 0.015, 2),
    ("persistent_wheals", 0.01, 1),
    ("swelling", 0.006, 3),
    ("asymmetry", 0.003, 30),
    ("eyelid_droop", 0.0015, 35),
    ("redness", 0.006, 3),
)


def _clamp(v: float) -> int:
    return max(0, min(4, int(round(v))))


class SessionGenerator:
    """Walks clinic days, opening vials and charting sessions from them."""

    INJECTORS = (3, 4, 5)
    SKILL = {3: 1.1, 4: 0.9, 5: 1.0}

    def __init__(
        self,
        rng: random.Random,
        today: date,
        brand_id: dict[str, int],
        in_use: dict[int, int],
        patients: list[dict[str, Any]],
    ) -> None:
        self.rng, self.today, self.brand_id, self.in_use, self.patients = (
            rng,
            today,
            brand_id,
            in_use,
            patients,
        )
        self.vials: list[dict[str, Any]] = []
        self.additives: list[dict[str, Any]] = []
        self.sessions: list[dict[str, Any]] = []
        self.session_vials: list[dict[str, Any]] = []
        #: Tuples in ``POINT_COLUMNS`` order; drained by ``run``'s ``flush`` on a large build.
        self.points: list[tuple[Any, ...]] = []
        self.points_made = 0
        #: Each session's points as ``audit_state`` hashes them when it reads them back (its part digest).
        self.point_digests: dict[int, str] = {}
        self.acks: list[dict[str, Any]] = []
        self.assessments: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.username = {i + 1: u[0] for i, u in enumerate(DEMO_USERS)}
        self._grid: dict[tuple[Zone, float], list[tuple[float, float]]] = {}
        self._coords: dict[tuple[tuple[Zone, ...], float], list[tuple[str, float, float]]] = {}
        self._open: dict[tuple[int, int], dict[str, Any]] = {}  # (injector, mix) -> vial state

    def grid(self, zone: Zone, spacing: float) -> list[tuple[float, float]]:
        key = (zone, spacing)
        if key not in self._grid:
            self._grid[key] = facemap.grid_fill(zone, spacing)
        return self._grid[key]

    def coords(self, zones: tuple[Zone, ...], spacing: float) -> list[tuple[str, float, float]]:
        """(zone, x, y) of every grid point of ``zones``, in charting order (made once per plan)."""
        key = (zones, spacing)
        if key not in self._coords:
            self._coords[key] = [(z.value, x, y) for z in zones for (x, y) in self.grid(z, spacing)]
        return self._coords[key]

    def run(self, flush: Callable[[], None] | None = None, every: int = 400_000) -> None:
        """Chart every visit; ``flush`` is called whenever ``every`` points are waiting (it stores what was
        made so far and empties ``points``: a million patients' points never all sit in memory)."""
        rng = self.rng
        treated = [p for p in self.patients if rng.random() < 0.3] or self.patients[:1]
        days = 540
        visits: list[tuple[date, dict[str, Any]]] = []
        for p in treated:
            first = self.today - timedelta(days=rng.randint(0, days))
            visits.append((first, p))
            if rng.random() < 0.35 and (self.today - first).days > 150:  # a return visit, never in the future
                visits.append((first + timedelta(days=rng.randint(100, 150)), p))
        visits.sort(key=lambda v: v[0])
        current_day = None
        for day, patient in visits:
            if day != current_day:
                self._open.clear()  # vials are not carried between days
                current_day = day
            self._session(day, patient)
            if flush is not None and len(self.points) >= every:
                flush()

    def _vial_for(self, injector: int, mix_index: int, when: datetime, needed: float) -> dict[str, Any]:
        key = (injector, mix_index)
        state = self._open.get(key)
        if state is None or state["left"] < needed:
            brand, units, diluent, adds, _ = MIXES[mix_index]
            vid = len(self.vials) + 1
            recon = when - timedelta(minutes=self.rng.randint(5, 40))
            letters = chr(65 + self.rng.randrange(26)) + chr(65 + self.rng.randrange(26))
            lot = f"{brand[:1]}{self.rng.randint(1000, 9999)}{letters}"
            expiry = recon.date() + timedelta(days=self.rng.randint(60, 700))
            self.vials.append(
                dict(
                    id=vid,
                    product_id=self.brand_id[brand],
                    lot_number=lot,
                    expiry_date=expiry,
                    vial_units=float(units),
                    reconstituted_at=recon,
                    diluent_kind="saline_preserved",
                    diluent_ml=diluent,
                    opened_by_id=injector,
                    created_at=recon,
                )
            )
            for kind, ml, desc in adds:
                self.additives.append(
                    dict(id=len(self.additives) + 1, vial_id=vid, kind=kind, volume_ml=ml, description=desc)
                )
            total = diluent + sum(a[1] for a in adds)
            state = {"id": vid, "left": float(units), "conc": units / total, "mix": mix_index}
            self._open[key] = state
        return state

    def _session(self, day: date, patient: dict[str, Any]) -> None:
        rng = self.rng
        sid = len(self.sessions) + 1
        injector = rng.choice(self.INJECTORS)
        when = datetime.combine(day, dtime(9 + rng.randrange(9), rng.choice((0, 15, 30, 45))), tzinfo=UTC)
        plan = rng.choices(PLANS, weights=[p[2] for p in PLANS])[0]
        indications, zones = plan[0], plan[1]
        spacing = rng.choice((0.8, 1.0, 1.0, 1.2))
        mix_index = rng.choices(range(len(MIXES)), weights=[m[4] for m in MIXES])[0]
        vol = rng.choice((0.01, 0.01, 0.015, 0.02))
        brand = MIXES[mix_index][0]
        conc_guess = MIXES[mix_index][1] / (MIXES[mix_index][2] + sum(a[1] for a in MIXES[mix_index][3]))
        coords = self.coords(zones, spacing)
        needed = len(coords) * vol * conc_guess
        vial = self._vial_for(injector, mix_index, when, needed)
        draft = day == self.today and rng.random() < 0.5
        # Every point of a session has the same dose; the jitter is ``uniform``'s arithmetic written out
        # (same draws) to spare two calls per point, kept to 1e-5 of the face (~2 um, far below a
        # needle's width: short numbers to store, hash and sign).
        units = round(vial["conc"] * vol, 4)
        vid = vial["id"]
        draw = rng.random
        # A hand-placed look; the jitter (< 0.1 cm) stays inside grid_fill's 0.2 cm border margin.
        points = [
            (
                sid,
                seq,
                zone,
                round(x + (-0.002 + 0.004 * draw()), 5),
                round(y + (-0.0015 + 0.003 * draw()), 5),
                vid,
                units,
                vol,
            )
            + _POINT_TAIL
            for seq, (zone, x, y) in enumerate(coords)
        ]
        total_units = sum(itertools.repeat(units, len(points)))
        vial["left"] -= total_units
        signed_at = when + timedelta(minutes=rng.randint(20, 50))
        sess = dict(
            id=sid,
            patient_id=patient["id"],
            performed_at=when,
            injector_id=injector,
            prescriber="Dr Alex Morgan",
            order_reference=f"ORD-{day:%y%m}-{sid:05d}",
            consent_form_version="MB-CONSENT-3",
            consented_at=when - timedelta(minutes=10),
            consent_obtained_by=self._name(injector),
            indications=",".join(sorted(i.value for i in indications)),
            needle_gauge=rng.choice((30, 32, 32)),
            depth="intradermal",
            notes="",
            status="draft" if draft else "signed",
            signed_at=None if draft else signed_at,
            signed_by_id=None if draft else injector,
            signature_meaning=None if draft else "signed as administering injector",
            content_hash=None,
            touch_up_of_id=None,
            amends_id=None,
            amendment_reason="",
            root_id=sid,
            version=1 if draft else 2,
            created_at=when,
            updated_at=signed_at if not draft else when,
            updated_by_id=injector,
        )
        self.sessions.append(sess)
        self.points.extend(points)
        self.points_made += len(points)
        # The points encoded once: their part digest, and (reshaped) the signed content's points.
        points_json = audit_state.encode_rows(points)
        self.point_digests[sid] = hashlib.sha256(points_json.encode("utf-8")).hexdigest()
        self.session_vials.append(dict(session_id=sid, vial_id=vial["id"], seq=0))
        acks = []
        if any(patient[k] for k in patient if k.startswith("scr_") and k != "scr_other"):
            acks.append(
                dict(
                    id=len(self.acks) + 1,
                    session_id=sid,
                    kind="positive_screening",
                    subject=f"patient:{patient['id']}",
                    reason="Discussed with prescriber; cleared to treat",
                    user_id=injector,
                    at=when,
                )
            )
            self.acks.extend(acks)
        base = self._baseline(sid, day, indications, injector)
        self.assessments.append(base)
        if not draft:
            sess["content_hash"] = self._content_hash(sess, points_json, [vial["id"]], acks, base)
            self._follow_ups(sess, base, brand, total_units, injector)
            self._adverse_events(sid, day, zones, injector)

    def _name(self, user_id: int) -> str:
        return DEMO_USERS[user_id - 1][1]

    def _baseline(
        self, sid: int, day: date, indications: tuple[Indication, ...], injector: int
    ) -> dict[str, Any]:
        rng = self.rng
        target = {i.value for i in indications}
        pores = _clamp(rng.gauss(3.0 if "pores" in target else 2.0, 0.7))
        oil = _clamp(rng.gauss(3.1 if "oil" in target else 2.0, 0.7))
        redness = _clamp(rng.gauss(3.0 if "redness" in target else 1.4, 0.7))
        sebum = round(rng.gauss(60 + oil * 35, 15), 1) if rng.random() < 0.4 else None
        ei = round(rng.gauss(250 + redness * 60, 30), 1) if rng.random() < 0.25 else None
        return dict(
            id=len(self.assessments) + 1,
            session_id=sid,
            time_point="baseline",
            assessed_on=day,
            pores=pores,
            oil=oil,
            redness=redness,
            scale_version=CURRENT_SCALE_VERSION,
            sebum_ug_cm2=max(0.0, sebum) if sebum is not None else None,
            erythema_index=max(0.0, ei) if ei is not None else None,
            gais=None,
            satisfaction=None,
            photos_taken=True,
            touch_up_given=False,
            notes="",
            assessor_id=injector,
            created_at=datetime.combine(day, dtime(9), tzinfo=UTC),
        )

    def _follow_ups(
        self, sess: dict[str, Any], base: dict[str, Any], brand: str, units: float, injector: int
    ) -> None:
        rng = self.rng
        day = sess["performed_at"].date()
        responder = rng.random() > 0.15
        dose_factor = min(1.25, 0.8 + units / 60)
        oil_bonus = 1.15 if brand == "Dysport" else 1.0
        for tp, offset in FOLLOW_UP_DAYS.items():
            on = day + timedelta(days=offset + rng.randint(-2, 4))
            if on > self.today or rng.random() > {"day_14": 0.75, "week_4": 0.6, "week_12": 0.4}[tp]:
                continue
            effect = EFFECT[tp] * self.SKILL[injector] * dose_factor if responder else 0.0
            after = {}
            for m, bonus in (("pores", 1.0), ("oil", oil_bonus * 1.15), ("redness", 1.05)):
                change = rng.gauss(effect * bonus * min(1.0, base[m] / 2.5), 0.55)
                after[m] = _clamp(base[m] - change) if base[m] else _clamp(rng.gauss(0.1, 0.4))
            gain = sum(base[m] - after[m] for m in after)
            gais = (
                "worse"
                if gain < -0.5
                else "no_change"
                if gain < 0.5
                else "improved"
                if gain < 2.5
                else "much_improved"
                if gain < 4
                else "very_much_improved"
            )
            touch_up = tp == "day_14" and rng.random() < 0.1
            self.assessments.append(
                dict(
                    id=len(self.assessments) + 1,
                    session_id=sess["id"],
                    time_point=tp,
                    assessed_on=on,
                    **after,
                    scale_version=CURRENT_SCALE_VERSION,
                    sebum_ug_cm2=None,
                    erythema_index=None,
                    gais=gais,
                    satisfaction=max(1, min(5, int(round(rng.gauss(3 + gain * 0.45, 0.6))))),
                    photos_taken=rng.random() < 0.8,
                    touch_up_given=touch_up,
                    notes="",
                    assessor_id=injector,
                    created_at=datetime.combine(on, dtime(10), tzinfo=UTC),
                )
            )

    def _adverse_events(self, sid: int, day: date, zones: tuple[Zone, ...], injector: int) -> None:
        rng = self.rng
        for kind, p, days in AE_KINDS:
            if kind == "asymmetry" and Zone.CHEEK_LEFT not in zones:
                continue
            if kind == "eyelid_droop" and Zone.PERIORBITAL_LEFT not in zones:
                continue
            if rng.random() < p:
                onset = day + timedelta(days=rng.randint(0, 3))
                resolved = onset + timedelta(days=max(1, int(rng.gauss(days, days / 3))))
                self.events.append(
                    dict(
                        id=len(self.events) + 1,
                        session_id=sid,
                        kind=kind,
                        onset=onset,
                        severity=rng.choices(("mild", "moderate", "severe"), (0.8, 0.18, 0.02))[0],
                        resolved_on=resolved if resolved <= self.today else None,
                        resolution="Settled without treatment" if resolved <= self.today else "",
                        notes="",
                        recorded_by_id=injector,
                        created_at=datetime.combine(onset, dtime(12), tzinfo=UTC),
                    )
                )

    @staticmethod
    def _content_hash(
        sess: dict[str, Any],
        points_json: str,
        vial_ids: list[int],
        acks: list[dict[str, Any]],
        base: dict[str, Any],
    ) -> str:
        """``content_hash.content_hash_of`` the session's content, its points taken from their encoding as
        stored rows (``[sid,seq,...,"volume",""]`` per point) reshaped to the content's
        (``[seq,...,"volume"]``: no session id, no empty note) instead of encoded a second time."""
        content: dict[str, Any] = {k: sess[k] for k in _CONTENT_COLUMNS}
        content["points"] = []
        content["vials"] = vial_ids
        content["acknowledgements"] = [[a["kind"], a["subject"], a["reason"], a["user_id"]] for a in acks]
        content["baseline"] = {k: base[k] for k in _BASELINE_COLUMNS}
        points = points_json.replace(',"volume",""]', ',"volume"]').replace(f"[{sess['id']},", "[")
        # Only a key can spell "points":[] with bare quotes (quotes inside strings are escaped).
        text = canonical_json(content).replace('"points":[]', '"points":' + points, 1)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
