"""A large demo is stored as it is made: the generator hands its points over in batches (a million
patients' points never sit in memory at once), and the records are exactly those of one pass."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from clinicrec.demo.people import generate_patients
from clinicrec.demo.sessions import SessionGenerator
from clinicrec.domain.catalogue import SEED_PRODUCTS

TODAY = date(2026, 6, 30)


def _generator() -> SessionGenerator:
    rng = random.Random(11)
    patients = generate_patients(rng, 300, TODAY, datetime(2026, 6, 30, tzinfo=UTC))
    brand_id = {p.brand: i + 1 for i, p in enumerate(SEED_PRODUCTS)}
    in_use = {i + 1: p.in_use_hours for i, p in enumerate(SEED_PRODUCTS)}
    return SessionGenerator(rng, TODAY, brand_id, in_use, patients)


def test_points_handed_over_in_batches_are_the_points_of_one_pass() -> None:
    whole = _generator()
    whole.run()
    batched = _generator()
    handed: list[list[dict[str, Any]]] = []

    def flush() -> None:
        handed.append(list(batched.points))
        batched.points.clear()

    batched.run(flush=flush, every=500)
    handed.append(list(batched.points))
    assert len(handed) > 3 and all(len(b) < 500 + 200 for b in handed)  # batches, each about ``every``
    assert [p for b in handed for p in b] == whole.points
    assert batched.points_made == len(whole.points) == whole.points_made
    assert batched.sessions == whole.sessions and batched.assessments == whole.assessments
