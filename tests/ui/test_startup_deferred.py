"""Start-up on a file whose integrity check is still running (a large file's): the loader hands over
services at once, reads work, and a damaged verdict arriving later withdraws the sign-in for the
restore offer, the file unwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicrec.services import opening
from clinicrec.ui.startup import StartupLoader
from tests.conftest import World, make_patient
from tests.db.test_integrity import damage, fingerprint
from tests.db.test_start_check import HeldCheck


@pytest.fixture
def held(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[HeldCheck]]:
    if world.path is None:
        pytest.skip("SQLite files only")
    make_patient(world.services, last_name="Okafor")
    world.services.db.dispose()
    made: list[HeldCheck] = []

    def start_check(url: str) -> HeldCheck:
        check = HeldCheck(Path(url.removeprefix("sqlite:///")))
        made.append(check)
        return check

    monkeypatch.setattr(opening, "start_check", start_check)
    return world.path, made


def test_the_loader_opens_for_reading_before_the_verdict(qtbot, held, world: World) -> None:  # type: ignore[no-untyped-def]
    path, made = held
    loader = StartupLoader(f"sqlite:///{path}", encrypt=False)  # the deferred check of a plain file
    with qtbot.waitSignal(loader.sig_done, timeout=30_000):
        loader.start()
    opened = loader.wait()
    assert opened.services is not None and opened.has_users and not made[0].done()
    opened.services.act_as(world.injector)
    assert [p.last_name for p in opened.services.patients.search("okaf")] == ["Okafor"]
    made[0].go.set()
    make_patient(opened.services, last_name="Adeyemi")  # written once the check has passed
    opened.services.db.dispose()


def test_a_late_damaged_verdict_withdraws_the_sign_in(qtbot, held) -> None:  # type: ignore[no-untyped-def]
    path, made = held
    damage(path)
    before = fingerprint(path)
    loader = StartupLoader(f"sqlite:///{path}", encrypt=False)  # the deferred check of a plain file
    with qtbot.waitSignal(loader.sig_done, timeout=30_000):
        loader.start()
    services = loader.wait().services
    assert services is not None
    with qtbot.waitSignal(loader.sig_damaged, timeout=30_000):
        made[0].go.set()
    damaged = loader.wait().damaged
    assert damaged is not None and not damaged.ok and "damaged" in damaged.message
    services.db.dispose()
    assert fingerprint(path) == before
