"""A photo the database refers to is never missing after a crash mid-import (SIGKILL, again and again).

A forked writer imports photos through the real services and reports each one after ``import_photo``
returned. The test kills it at a random moment of the next import (after 0-2 reports and a random spin),
then checks that every photo record's file is there with the recorded SHA-256, that every reported photo
exists, and that the database and its audit trail verify. The negative control writes the file only after
the record committed (the wrong order) and is killed in between: the same checker must find the
dangling reference, so the test is known to be able to fail.
"""

from __future__ import annotations

import os
import random
import signal
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from clinicrec.db import integrity
from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import PhotoRow, UserRow
from clinicrec.domain.enums import TimePoint
from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
from clinicrec.services import audit
from clinicrec.services.app import Services
from clinicrec.services.auth import actor_of
from clinicrec.services.base import Context
from clinicrec.services.photos.store import FileStore, path_in, photo_folder, write_whole
from tests.conftest import World, make_patient
from tests.services.photos_images import encode, pixels

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the writer forks (POSIX only)")
CYCLES = int(os.environ.get("CLINICREC_PHOTO_CRASH_CYCLES", "12"))


class _LateStore(FileStore):
    """The wrong order (negative control): nothing is written before the record commits."""

    def put(self, s: object, sha256: str, data: bytes) -> None:  # type: ignore[override]
        return


def _writer(url: str, patient_id: int, report_fd: int, go_fd: int, mode: str, seed: int) -> None:
    db = Database(make_engine(url))
    svc = Services(Context(db, lambda: datetime.now(UTC)))
    with db.read() as s:
        svc.act_as(actor_of(s.execute(select(UserRow).where(UserRow.username == "nurse")).scalar_one()))
    if mode == "late":
        svc.photos.store = _LateStore(photo_folder(Path(url.removeprefix("sqlite:///"))))
    rng = random.Random(seed)
    details = PhotoDetails(patient_id, PhotoView.FRONT, TimePoint.BASELINE)
    i = 0
    while True:
        raw = encode(pixels(rng.randint(600, 1400), rng.randint(400, 900), seed * 1000 + i), "PNG")
        os.write(report_fd, b"start\n")
        photo = svc.photos.import_photo(details, raw)
        os.write(report_fd, f"done {photo.id} {photo.sha256}\n".encode())
        if mode == "late":
            os.read(go_fd, 1)  # a slow disk: the file comes after the commit (never: the test kills first)
            write_whole(path_in(photo_folder(Path(url.removeprefix("sqlite:///"))), photo.sha256), raw)
        i += 1


def _run_and_kill(
    url: str, patient_id: int, mode: str, seed: int, rng: random.Random
) -> list[tuple[int, str]]:
    report_r, report_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer
        os.close(report_r)
        try:
            _writer(url, patient_id, report_w, go_r, mode, seed)
        finally:
            os._exit(3)
    os.close(report_w)
    reported: list[tuple[int, str]] = []
    wanted = 1 if mode == "late" else rng.randint(0, 2)
    starts = 0
    with os.fdopen(report_r) as lines:
        for line in lines:
            word, *rest = line.split()
            if word == "done":
                reported.append((int(rest[0]), rest[1]))
                if mode == "late":
                    break
            elif word == "start":
                starts += 1
                if starts > wanted:
                    for _ in range(rng.randint(0, 400_000)):  # a random part of one import
                        pass
                    break
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(go_r)
    os.close(go_w)
    return reported


def _problems(url: str, folder: Path, reported: list[tuple[int, str]]) -> list[str]:
    problems = list(integrity.check_file(Path(url.removeprefix("sqlite:///")), full=True).problems)
    db = Database(make_engine(url))
    try:
        with db.read() as s:
            rows = dict(s.execute(select(PhotoRow.id, PhotoRow.sha256)).all())
            problems += [p.message for p in audit.verify(s).problems]
    finally:
        db.dispose()
    for pid, sha in rows.items():
        f = path_in(folder, sha)
        if not f.exists():
            problems.append(f"photo {pid} refers to a missing file")
    for pid, sha in reported:
        if rows.get(pid) != sha:
            problems.append(f"reported photo {pid} is missing")
    return problems


def _consenting(world: World) -> int:
    p = make_patient(world.services)
    world.services.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 1))  # type: ignore[arg-type]
    return p.id  # type: ignore[return-value]


def test_killed_imports_leave_no_dangling_reference(world: World, db_url: str) -> None:
    patient_id = _consenting(world)
    world.services.db.dispose()
    assert world.path is not None
    folder = photo_folder(world.path)
    rng = random.Random(15)
    reported: list[tuple[int, str]] = []
    for cycle in range(CYCLES):
        reported += _run_and_kill(db_url, patient_id, "commit", cycle, rng)
        assert _problems(db_url, folder, reported) == [], f"after cycle {cycle}"
    assert reported, "no import finished in any cycle: the kills came too early to test anything"


def test_negative_control_a_file_written_after_the_commit_is_caught(world: World, db_url: str) -> None:
    patient_id = _consenting(world)
    world.services.db.dispose()
    assert world.path is not None
    reported = _run_and_kill(db_url, patient_id, "late", 1, random.Random(1))
    problems = _problems(db_url, photo_folder(world.path), reported)
    assert any("refers to a missing file" in p for p in problems), problems
    assert any("image is missing from the photo store" in p for p in problems), problems
