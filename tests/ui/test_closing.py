"""Closing the application: the backup on exit and the file's check run behind a notice when long."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar

from clinicrec.db import backup as bk
from clinicrec.db import integrity
from clinicrec.paths import backup_dir_for
from clinicrec.ui.closing import ClosingNotice, close_down

from ..conftest import World
from .conftest import ScriptedPrompts


def _exited(world: World) -> Path:
    """The state at exit: the user signed out (automatic backups are made by nobody)."""
    world.services.act_as(None)
    assert world.path is not None
    return world.path


def _visible_notices() -> list[ClosingNotice]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ClosingNotice) and w.isVisible()]


def test_a_long_closing_says_so_and_its_notice_cannot_be_dismissed(
    world: World, prompts: ScriptedPrompts, qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _exited(world)
    maintenance = world.services.maintenance
    real_backup = maintenance.backup_on_exit
    release = threading.Event()
    threads: list[str] = []

    def large_file_backup():  # type: ignore[no-untyped-def]
        """The real backup, held back as a large file's would be until the test has looked."""
        threads.append(threading.current_thread().name)
        assert release.wait(30)
        return real_backup()

    monkeypatch.setattr(maintenance, "backup_on_exit", large_file_backup)
    seen: dict[str, object] = {}

    def look(notice: ClosingNotice) -> None:
        notice.resize(notice.sizeHint())
        notice.grab().save(str(tmp_path / "closing.png"))
        seen["shown"] = notice.isVisible()
        seen["text"] = notice.findChild(QLabel, "closing_text").text()
        seen["busy"] = notice.findChild(QProgressBar, "closing_progress").maximum() == 0
        notice.close()  # the user tries to close it: the work is not done, it stays
        seen["after_close"] = notice.isVisible()
        release.set()

    close_down(world.services, prompts, notice_after_ms=0, on_notice=look)

    assert seen["shown"] and seen["busy"] and seen["after_close"], seen
    assert "backup" in str(seen["text"]) and path.name in str(seen["text"])
    assert "do not switch the computer off" in str(seen["text"])
    assert threads and threads[0] != threading.main_thread().name  # not on the GUI thread
    assert not _visible_notices()  # gone once the work is done
    autos = [b for b in bk.list_backups(backup_dir_for(path), path.stem) if b.kind == bk.BackupKind.AUTO]
    assert len(autos) == 1 and integrity.check_file(autos[0].path, full=True).ok
    assert integrity.unchanged_since_clean_check(path)  # the next start need not read the file
    assert prompts.shown == []


def test_a_quick_closing_shows_no_notice_and_does_the_same_work(
    world: World, prompts: ScriptedPrompts, qtbot
) -> None:
    path = _exited(world)
    shown: list[ClosingNotice] = []
    close_down(world.services, prompts, notice_after_ms=60_000, on_notice=shown.append)
    assert shown == [] and not _visible_notices()
    autos = [b for b in bk.list_backups(backup_dir_for(path), path.stem) if b.kind == bk.BackupKind.AUTO]
    assert len(autos) == 1
    assert integrity.unchanged_since_clean_check(path)


def test_a_failed_backup_on_exit_is_said_and_the_closing_goes_on(
    world: World, prompts: ScriptedPrompts, qtbot
) -> None:
    path = _exited(world)
    backup_dir_for(path).write_text("not a folder")  # where the backups go cannot take one
    close_down(world.services, prompts, notice_after_ms=0)
    said = [(kind, title) for kind, title, _ in prompts.shown]
    assert said == [("warn", "The backup on exit was not made")]
    assert "earlier backups are kept" in prompts.shown[0][2]
    assert integrity.unchanged_since_clean_check(path)  # still closed and checked
    assert not _visible_notices()
