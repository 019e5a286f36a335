"""What keeps the window answering while the worker's jobs run (issue 10, benchmarks/bench_session_stall.py):
signing's password hash runs at a lower scheduling priority than the GUI thread, and what lives on (the
session window's code, a built window) is kept out of the cyclic collector's passes."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading

import pytest

from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.fixture
def pool(qtbot):  # type: ignore[no-untyped-def]
    from clinicrec.ui.worker import Worker

    worker = Worker()
    yield worker
    worker.wait()


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="threads have priorities of their own on Linux"
)
def test_signing_hashes_the_password_at_a_lower_priority_than_the_window(  # type: ignore[no-untyped-def]
    open_window, services, vial, pool, prompts, monkeypatch, qtbot
) -> None:
    """Argon2id's two threads (started by the signing thread, so at its priority) filled both processors
    of a two-core machine for 200-450 ms; the GUI thread waited for a processor, 80-100 ms at a time."""
    from clinicrec.ui.session.window import SessionWindow
    from clinicrec.ui.worker import ASIDE_NICENESS

    from .conftest import status_of

    window = open_window()
    assert isinstance(window, SessionWindow)
    assert window.safety.use_vial(status_of(services, vial))
    make_signable(window)
    window.controller.worker = pool  # the real pool from here: signing's steps run on it
    seen: dict[str, tuple[bool, int]] = {}
    for name in ("sign", "save_draft"):
        real = getattr(services.charting, name)

        def spy(*args, _real=real, _name=name, **kw):  # type: ignore[no-untyped-def]
            seen[_name] = (threading.current_thread() is threading.main_thread(), _niceness())
            return _real(*args, **kw)

        monkeypatch.setattr(services.charting, name, spy)
    window.controller.mark_dirty()
    prompts.queue(PASSWORD)
    window.signing.sign()
    qtbot.waitUntil(lambda: window.controller.read_only, timeout=30_000)
    gui = _niceness()
    assert seen["sign"] == (False, min(19, gui + ASIDE_NICENESS))
    assert seen["save_draft"] == (False, gui)  # the pool's threads keep the window's priority
    assert window.session.status.name == "SIGNED"


def test_a_built_session_window_is_kept_out_of_the_collectors_passes(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, model = window.controller, window.points_model
    qtbot.waitUntil(lambda: window.screening_page.built is not None, timeout=10_000)
    qtbot.wait(20)  # the turn of the event loop after the last page is built
    tracked = {id(o) for o in gc.get_objects()}  # every generation but the frozen one
    assert id(controller) not in tracked and id(model) not in tracked


def test_the_preloaded_window_code_is_kept_out_of_the_collectors_passes() -> None:
    """In a fresh interpreter (this one has imported the session window already)."""
    code = (
        "import gc\n"
        "from clinicrec.ui.preload import preload_in_background\n"
        "preload_in_background().join(120)\n"
        "from clinicrec.ui.session.window import SessionWindow\n"
        "from clinicrec.ui.session import controller\n"
        "tracked = {id(o) for o in gc.get_objects()}\n"
        "assert id(SessionWindow) not in tracked and id(controller.__dict__) not in tracked\n"
        "print('frozen', gc.get_freeze_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("frozen ")


def test_a_jobs_young_garbage_is_collected_when_it_ends(pool, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Its reference cycles die young, before an automatic pass promotes them to the oldest generation,
    which only the long full passes visit."""
    import weakref

    class Node:
        other: Node

    kept: list[weakref.ref[Node]] = []

    def job() -> int:
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        kept.append(weakref.ref(a))
        return 1

    done: list[int] = []
    gc.disable()  # no automatic pass meanwhile: only the worker's own collection can free the cycle
    try:
        pool.run(job, done.append, lambda e: None)
        qtbot.waitUntil(lambda: bool(done), timeout=10_000)
        assert kept[0]() is None
    finally:
        gc.enable()
