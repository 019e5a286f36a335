"""Banners name sessions by their date, never by an internal number."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_the_amended_original_names_the_amendment_by_date_and_author(  # type: ignore[no-untyped-def]
    open_window, window, services, prompts, qtbot
) -> None:
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    original = window.session_id
    prompts.queue("Dose at one point was mistyped")
    with qtbot.waitSignal(window.sig_amendment_started):
        window.signing.amend()
    amendment = window.session_id
    again = open_window(session_id=original)
    banner = again.ui.banner.text()
    assert "Amended on " in banner and "Nina Nurse" in banner and "Dose at one point was mistyped" in banner
    assert f"session {amendment}" not in banner and f"session {original}" not in banner
