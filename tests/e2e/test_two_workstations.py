"""Two workstations, two processes, one record: the later save is refused, naming who saved and when.

Each workstation is its own process with its own connection (workstation.py), on the same SQLite file
or the same PostgreSQL database. Both open the same draft; whatever the order or timing of their
saves, exactly one is stored and the other is refused with the name of the person who saved and the
time, never a silent overwrite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clinicrec.db.models import AuditRow
from clinicrec.domain.enums import Indication, TimePoint, Zone
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from tests.conftest import World, make_patient, make_vial

HELPER = Path(__file__).with_name("workstation.py")
ROUNDS = 8


class Workstation:
    def __init__(self, url: str, username: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HELPER), url, username],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=Path(__file__).parents[2],
        )

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"workstation stopped: {self.proc.stderr.read() if self.proc.stderr else ''}"
        return json.loads(line)

    def ask(self, **cmd: Any) -> dict[str, Any]:
        self.send(**cmd)
        return self.answer()

    def close(self) -> None:
        self.send(op="quit")
        self.proc.wait(timeout=20)


@pytest.fixture
def two_workstations(world: World, db_url: str):  # type: ignore[no-untyped-def]
    """Workstations A and B, both signed in as the nurse who charts the draft (two treatment rooms)."""
    a, b = Workstation(db_url, "nurse"), Workstation(db_url, "nurse")
    try:
        assert a.answer() == {"ready": True} and b.answer() == {"ready": True}
        yield a, b
    finally:
        a.close()
        b.close()


def _draft(world: World) -> TreatmentSession:
    svc = world.services
    vial = make_vial(svc)
    now = world.clock()
    return svc.charting.save_draft(
        TreatmentSession(
            patient_id=make_patient(svc).id,
            performed_at=now,
            injector_id=world.injector.user_id,  # type: ignore[arg-type]
            consent=Consent("MB-CONSENT-1", now, "Nina Nurse"),
            indications=frozenset({Indication.PORES}),
            points=tuple(InjectionPoint.from_units(Zone.CHIN, 0.5, 0.8, vial, 2) for _ in range(3)),
            baseline=Assessment(TimePoint.BASELINE, now.date(), 2, 2, 2, CURRENT_SCALE_VERSION),
            notes="opened",
        )
    )


def _update_entries(world: World, entity: str, entity_id: int) -> list[AuditRow]:
    with world.services.db.read() as s:
        stmt = select(AuditRow).where(
            AuditRow.entity == entity, AuditRow.entity_id == str(entity_id), AuditRow.action == "update"
        )
        return list(s.execute(stmt.order_by(AuditRow.id)).scalars())


def _assert_refused_naming(refused: dict[str, Any], who: str, saved_at: datetime) -> None:
    assert refused["error"] == "ConcurrentEditError", refused
    assert refused["by"] == who
    assert abs((datetime.fromisoformat(refused["at"]) - saved_at).total_seconds()) < 1
    assert who in refused["message"] and f"{saved_at:%Y-%m-%d %H:%M}" in refused["message"]


@pytest.mark.postgres
def test_later_save_of_the_same_draft_is_refused(world: World, two_workstations) -> None:  # type: ignore[no-untyped-def]
    a, b = two_workstations
    draft = _draft(world)
    opened = [ws.ask(op="open_session", id=draft.id)["version"] for ws in (a, b)]
    assert opened[0] == opened[1]
    assert a.ask(op="save_session", notes="from room A")["ok"]
    refused = b.ask(op="save_session", notes="from room B")
    stored = world.services.charting.get(draft.id)  # type: ignore[arg-type]
    assert stored.notes == "from room A"
    [entry] = _update_entries(world, "session", draft.id)  # type: ignore[arg-type]
    _assert_refused_naming(refused, "Nina Nurse", entry.at)
    # B reopens and saves over the current version: accepted.
    b.ask(op="open_session", id=draft.id)
    assert b.ask(op="save_session", notes="from room B, after reading A's")["ok"]
    assert world.services.charting.get(draft.id).notes == "from room B, after reading A's"  # type: ignore[arg-type]


@pytest.mark.postgres
def test_simultaneous_saves_store_exactly_one(world: World, two_workstations) -> None:  # type: ignore[no-untyped-def]
    a, b = two_workstations
    draft = _draft(world)
    for round_no in range(ROUNDS):
        a.ask(op="open_session", id=draft.id)
        b.ask(op="open_session", id=draft.id)
        a.send(op="save_session", notes=f"A{round_no}")  # both in flight at once
        b.send(op="save_session", notes=f"B{round_no}")
        answers = {"A": a.answer(), "B": b.answer()}
        winners = [name for name, ans in answers.items() if ans.get("ok")]
        assert len(winners) == 1, answers
        [winner] = winners
        loser = answers["B" if winner == "A" else "A"]
        assert world.services.charting.get(draft.id).notes == f"{winner}{round_no}"  # type: ignore[arg-type]
        entries = _update_entries(world, "session", draft.id)  # type: ignore[arg-type]
        assert len(entries) == round_no + 1  # one stored change a round: the loser left no trace
        _assert_refused_naming(loser, "Nina Nurse", entries[-1].at)


@pytest.mark.postgres
def test_patient_record_edited_by_two_users(world: World, db_url: str) -> None:
    patient = make_patient(world.services)
    a, b = Workstation(db_url, "nurse"), Workstation(db_url, "nurse2")
    try:
        assert a.answer()["ready"] and b.answer()["ready"]
        a.ask(op="open_patient", id=patient.id)
        b.ask(op="open_patient", id=patient.id)
        assert b.ask(op="save_patient", allergies="penicillin")["ok"]
        refused = a.ask(op="save_patient", allergies="none known")
    finally:
        a.close()
        b.close()
    assert world.services.patients.get(patient.id).allergies == "penicillin"  # type: ignore[arg-type]
    [entry] = _update_entries(world, "patient", patient.id)  # type: ignore[arg-type]
    _assert_refused_naming(refused, "Olga Other", entry.at)


@pytest.mark.postgres
def test_simultaneous_patient_edits_store_exactly_one(world: World, db_url: str) -> None:
    patient = make_patient(world.services)
    a, b = Workstation(db_url, "nurse"), Workstation(db_url, "nurse2")
    try:
        assert a.answer()["ready"] and b.answer()["ready"]
        for round_no in range(ROUNDS):
            a.ask(op="open_patient", id=patient.id)
            b.ask(op="open_patient", id=patient.id)
            a.send(op="save_patient", allergies=f"A{round_no}")
            b.send(op="save_patient", allergies=f"B{round_no}")
            answers = {"A": a.answer(), "B": b.answer()}
            [winner] = [name for name, ans in answers.items() if ans.get("ok")]
            loser = answers["B" if winner == "A" else "A"]
            assert world.services.patients.get(patient.id).allergies == f"{winner}{round_no}"  # type: ignore[arg-type]
            entries = _update_entries(world, "patient", patient.id)  # type: ignore[arg-type]
            assert len(entries) == round_no + 1
            _assert_refused_naming(loser, "Nina Nurse" if winner == "A" else "Olga Other", entries[-1].at)
    finally:
        a.close()
        b.close()
