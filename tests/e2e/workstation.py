"""One workstation for the two-workstation test: its own process and its own connection to the database.

    python workstation.py DB_URL USERNAME

It reads one JSON command a line and answers one JSON line, holding what it opened the way the
application holds an open chart (a copy as read, saved later):

    {"op": "open_session", "id": 7}          -> {"version": 2, "notes": "..."}
    {"op": "save_session", "notes": "..."}   -> {"ok": true, "version": 3}, or
            {"error": "ConcurrentEditError", "message": ..., "by": ..., "at": ...}
    {"op": "open_patient", "id": 3} / {"op": "save_patient", "allergies": "..."}   (the same answers)
    {"op": "delete_session"}                 -> {"ok": true}: deletes the draft as opened (its version)
    {"op": "sign_session", "password": "..."} -> {"ok": true, "version": 4}: signs what was opened
    {"op": "open_event", "id": 2} / {"op": "save_event", "severity": "...", "notes": "..."}
    {"op": "open_clinic"} / {"op": "save_clinic", "phone": "..."}      (an administrator's)
    {"op": "open_user", "id": 3} / {"op": "save_user", "credentials": "..."}
    {"op": "open_product", "id": 1} / {"op": "save_product", "notes": "..."}
    {"op": "quit"}
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import UserRow
from clinicrec.domain.enums import Severity
from clinicrec.domain.errors import ClinicRecError, ConcurrentEditError
from clinicrec.services.app import Services
from clinicrec.services.auth import actor_of
from clinicrec.services.base import Context


def main(url: str, username: str) -> None:
    db = Database(make_engine(url))
    svc = Services(Context(db, lambda: datetime.now(UTC)))
    with db.read() as s:
        svc.act_as(actor_of(s.execute(select(UserRow).where(UserRow.username == username)).scalar_one()))
    opened: dict[str, Any] = {}
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "quit":
            break
        try:
            if op == "open_session":
                opened["session"] = svc.charting.get(cmd["id"])
                session = opened["session"]
                answer: dict[str, Any] = {"version": session.version, "notes": session.notes}
            elif op == "save_session":
                saved = svc.charting.save_draft(replace(opened["session"], notes=cmd["notes"]))
                answer = {"ok": True, "version": saved.version}
            elif op == "open_patient":
                opened["patient"] = svc.patients.get(cmd["id"])
                answer = {"version": opened["patient"].version, "allergies": opened["patient"].allergies}
            elif op == "save_patient":
                saved_patient = svc.patients.update(replace(opened["patient"], allergies=cmd["allergies"]))
                answer = {"ok": True, "version": saved_patient.version}
            elif op == "delete_session":
                svc.charting.delete_draft(opened["session"].id, opened["session"].version)
                answer = {"ok": True}
            elif op == "sign_session":
                reviewed = opened["session"]
                signed = svc.charting.sign(reviewed.id, cmd["password"], reviewed=reviewed)
                answer = {"ok": True, "version": signed.version}
            elif op == "open_event":
                record = svc.records.record(cmd["session_id"])
                opened["event"] = next(e for e in record.adverse_events if e.id == cmd["id"])
                answer = {"version": opened["event"].version, "severity": str(opened["event"].severity)}
            elif op == "save_event":
                changed: dict[str, Any] = {k: cmd[k] for k in ("severity", "notes") if k in cmd}
                if "severity" in changed:
                    changed["severity"] = Severity(changed["severity"])
                saved_event = svc.records.update_adverse_event(replace(opened["event"], **changed))
                answer = {"ok": True, "version": saved_event.version}
            elif op == "open_clinic":
                opened["clinic"] = svc.clinic.get()
                answer = {"phone": opened["clinic"].phone}
            elif op == "save_clinic":
                svc.clinic.update(replace(opened["clinic"], phone=cmd["phone"]))
                answer = {"ok": True}
            elif op == "open_user":
                opened["user"] = svc.auth.get_user(cmd["id"])
                answer = {"credentials": opened["user"].credentials}
            elif op == "save_user":
                svc.auth.update_user(replace(opened["user"], credentials=cmd["credentials"]))
                answer = {"ok": True}
            elif op == "open_product":
                opened["product"] = svc.products.get(cmd["id"])
                answer = {"notes": opened["product"].notes}
            elif op == "save_product":
                svc.products.save(replace(opened["product"], notes=cmd["notes"]))
                answer = {"ok": True}
            else:
                answer = {"error": "unknown op"}
        except ConcurrentEditError as e:
            answer = {
                "error": "ConcurrentEditError",
                "message": str(e),
                "by": e.by,
                "at": e.at.isoformat() if isinstance(e.at, datetime) else None,
            }
        except ClinicRecError as e:
            answer = {"error": type(e).__name__, "message": str(e)}
        print(json.dumps(answer), flush=True)
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
