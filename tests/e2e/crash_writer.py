"""The crash test's writer: charts and signs sessions through the real services until it is killed.

It runs as a small fork server, because importing ClinicRec takes most of a second and the test kills
hundreds of writers; a forked writer starts in milliseconds with everything already imported (the
server itself never opens the database, so no connection crosses a fork).

    python crash_writer.py serve DB_URL USERNAME PASSWORD
      stdin "run CYCLE MODE SEED REPORT_FILE"  -> stdout "pid PID"   (a writer starts)
      stdin "reap"                             -> stdout "exit STATUS" (raw waitpid status of that writer)
      stdin "quit"

Each session: a new patient, a newly opened vial, then ``ChartingService.save_draft`` with 20-60 points
and baseline ratings, then ``sign``. Its notes say ``crash-test key=KEY n=N`` so the checker can tell a
partial session from a whole one whether or not it was reported.

MODE ``commit`` reports a session only after ``sign`` returned (its commit is durable). MODE ``early`` is
the negative control: it reports before ``save_draft`` starts, like a writer that says "saved" before
committing; the checker must catch that. A report is one line, written by a single ``write()`` to a file
opened O_APPEND, so a kill leaves either the whole line or none of it:

    KEY N_POINTS TOTAL_UNITS PORES OIL REDNESS
"""

from __future__ import annotations

import os
import random
import sys
import traceback
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import ProductRow, UserRow
from clinicrec.domain.enums import DiluentKind, Indication, Sex, TimePoint, Zone
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, Patient, TreatmentSession, Vial
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services.app import Services
from clinicrec.services.auth import actor_of
from clinicrec.services.base import Context

UNIT_STEPS = (0.5, 1.0)  # at most 60 U a session: within one 100 U vial and the product's maximum dose
ZONES = (Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.FOREHEAD, Zone.CHIN)


def notes_for(key: str, n: int) -> str:
    return f"crash-test key={key} n={n}"


def parse_notes(notes: str) -> tuple[str, int] | None:
    parts = dict(p.split("=", 1) for p in notes.split()[1:] if "=" in p)
    if not notes.startswith("crash-test ") or "key" not in parts or "n" not in parts:
        return None
    return parts["key"], int(parts["n"])


def write_sessions(
    url: str, username: str, password: str, cycle: int, mode: str, seed: int, report_path: str
) -> None:
    rng = random.Random(seed)
    db = Database(make_engine(url))
    svc = Services(Context(db, lambda: datetime.now(UTC)))
    with db.read() as s:
        svc.act_as(actor_of(s.execute(select(UserRow).where(UserRow.username == username)).scalar_one()))
        product_id = s.execute(select(ProductRow.id).where(ProductRow.brand == "Botox Cosmetic")).scalar_one()
    report = os.open(report_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    i = 0
    while True:
        key = f"{cycle}-{i}"
        now = datetime.now(UTC)
        patient = svc.patients.create(
            Patient(
                first_name="Crash",
                last_name=f"Test {key}",
                date_of_birth=date(1980, 1, 1) + timedelta(days=i),
                chart_number=f"CT-{key}",
                sex=Sex.FEMALE,
                phone="+1 555 0100",
            )
        )
        vial = svc.vials.open_vial(
            Vial(
                product_id=product_id,
                lot_number=f"L{cycle}",
                expiry_date=date(2030, 1, 1),
                vial_units=100,
                reconstituted_at=now - timedelta(minutes=30),
                diluent_kind=DiluentKind.SALINE_PRESERVED,
                diluent_ml=2.5,
            )
        ).vial
        n = rng.randint(20, 60)
        points = tuple(
            InjectionPoint.from_units(
                rng.choice(ZONES), rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), vial, rng.choice(UNIT_STEPS)
            )
            for _ in range(n)
        )
        ratings = (rng.randint(0, 4), rng.randint(0, 4), rng.randint(0, 4))
        draft = TreatmentSession(
            patient_id=patient.id,
            performed_at=now,
            injector_id=svc.actor.user_id,  # type: ignore[union-attr, arg-type]
            consent=Consent("MB-CONSENT-1", now, "Nina Nurse"),
            indications=frozenset({Indication.PORES}),
            notes=notes_for(key, n),
            points=points,
            baseline=Assessment(TimePoint.BASELINE, now.date(), *ratings, CURRENT_SCALE_VERSION),
        )
        line = f"{key} {n} {sum(p.units for p in points):g} {ratings[0]} {ratings[1]} {ratings[2]}\n".encode()
        if mode == "early":
            os.write(report, line)
        saved = svc.charting.save_draft(draft)
        svc.charting.sign(saved.id, password)  # type: ignore[arg-type]
        if mode == "commit":
            os.write(report, line)
        i += 1


def serve(url: str, username: str, password: str) -> None:
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # once here rather than in every writer
    child = 0
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "run":
            cycle, mode, seed, report_path = int(cmd[1]), cmd[2], int(cmd[3]), cmd[4]
            child = os.fork()
            if child == 0:
                try:
                    write_sessions(url, username, password, cycle, mode, seed, report_path)
                except BaseException:
                    traceback.print_exc()
                    sys.stderr.flush()
                    os._exit(3)
                os._exit(4)
            print(f"pid {child}", flush=True)
        elif cmd[0] == "reap":
            _, status = os.waitpid(child, 0)
            print(f"exit {status}", flush=True)
        elif cmd[0] == "quit":
            return


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "serve":
        sys.exit(__doc__)
    serve(*sys.argv[2:])
