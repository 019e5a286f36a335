"""Closing the application: the day's backup refreshed and the file checked, said on screen if it is long.

At exit the automatic backup is refreshed to hold the day's last state (a copy of the whole file,
checked before it is kept) and the file is checked once more, so that the next start need not read it
(``Services.close(remember_check=True)``). On a small clinic's file this takes a moment; on a large one
(a million patients, 5.5 GB) about two minutes, which used to pass with no window on screen: the
application looked gone while it was still writing, inviting a second start or a switched-off computer.

``close_down`` does the same work on a thread of its own while the event loop runs, and shows a small
``ClosingNotice`` (what is happening, that the records are saved, not to switch off) if the work is not
done within a moment. A backup that fails is said in a message, not only on the console: the records
are safe in the database and the earlier backups are kept, but someone has to know.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QVBoxLayout, QWidget

from ..domain.errors import ClinicRecError
from ..services.app import Services
from .prompts import Prompts

#: Work shorter than this closes with no notice at all (no flash of a window on a normal exit).
NOTICE_AFTER_MS = 400


class ClosingNotice(QWidget):
    """'ClinicRec is closing': the backup and check under way; it cannot be closed by hand meanwhile."""

    def __init__(self, database_name: str | None) -> None:
        super().__init__(
            None,
            Qt.WindowType.Dialog
            | Qt.WindowType.CustomizeWindowHint
            | Qt.WindowType.WindowTitleHint
            | Qt.WindowType.WindowStaysOnTopHint,
        )
        self.setObjectName("closing_notice")
        self.setWindowTitle("ClinicRec is closing")
        self.finished = False
        of = f" of {database_name}" if database_name else ""
        text = QLabel(
            f"<b>Saving today's backup{of} and checking the database.</b><br><br>"
            "Everything you entered is already saved. A large database takes a few minutes: "
            "please wait, and do not switch the computer off until this window closes.",
            self,
        )
        text.setObjectName("closing_text")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        bar = QProgressBar(self)
        bar.setObjectName("closing_progress")
        bar.setRange(0, 0)  # how long is not known: a busy bar
        bar.setTextVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(14)
        layout.addWidget(text)
        layout.addWidget(bar)
        self.setFixedWidth(460)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.finished:
            event.accept()
        else:  # closing it would not stop the work, only hide that it is going on
            event.ignore()


def close_down(
    services: Services,
    prompts: Prompts,
    *,
    notice_after_ms: int = NOTICE_AFTER_MS,
    on_notice: Callable[[ClosingNotice], object] | None = None,
) -> None:
    """The backup on exit, then ``services.close(remember_check=True)``, with the notice if long.

    Without a QApplication (a command-line caller) the work simply runs here. What ``services.close``
    raises is raised here, as before; a failed backup is said (``prompts.warn``) and the closing goes on.
    ``on_notice``: called with the notice once shown (for tests and the benchmark)."""
    failed: list[BaseException] = []
    crashed: list[BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            try:
                services.maintenance.backup_on_exit()
            except (ClinicRecError, OSError) as e:
                failed.append(e)
            services.close(remember_check=True)  # the next start finds the file checked (if none writes it)
        except BaseException as e:  # noqa: BLE001 - raised again on the GUI thread below
            crashed.append(e)
        finally:
            done.set()

    app = QApplication.instance()
    if app is None:
        work()
    else:
        _run_showing_notice(work, done, services, notice_after_ms, on_notice)
    if failed:
        print(f"clinicrec: the backup on exit failed: {failed[0]}", file=sys.stderr)
        prompts.warn(
            None,
            "The backup on exit was not made",
            f"The backup on exit could not be made: {failed[0]}\n\n"
            "Everything entered is saved in the database, and the earlier backups are kept. "
            "Tell whoever looks after this computer (the backups folder may be full or not writable).",
        )
    if crashed:
        raise crashed[0]


def _run_showing_notice(
    work: Callable[[], None],
    done: threading.Event,
    services: Services,
    notice_after_ms: int,
    on_notice: Callable[[ClosingNotice], object] | None,
) -> None:
    thread = threading.Thread(target=work, name="clinicrec-closing", daemon=False)
    loop = QEventLoop()
    notice: list[ClosingNotice] = []

    def show_notice() -> None:
        if done.is_set():
            return
        file = services.database_file
        shown = ClosingNotice(file.name if file is not None else None)
        shown.show()
        notice.append(shown)
        if on_notice is not None:
            on_notice(shown)

    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(lambda: done.is_set() and loop.quit())
    later = QTimer()
    later.setSingleShot(True)
    later.timeout.connect(show_notice)
    thread.start()
    poll.start()
    later.start(notice_after_ms)
    if not done.is_set():
        loop.exec()
    poll.stop()
    later.stop()
    thread.join()
    for shown in notice:
        shown.finished = True
        shown.close()
        shown.deleteLater()
