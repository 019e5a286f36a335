"""Discarding a draft: with a reason, recorded in the audit trail; never a signed session."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from clinicrec.db.models import AuditRow, SessionRow
from clinicrec.domain.errors import ValidationError
from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _session_exists(services, session_id: int) -> bool:  # type: ignore[no-untyped-def]
    with services.db.read() as s:
        return s.get(SessionRow, session_id) is not None


def test_a_saved_draft_is_discarded_with_its_reason_audited(window, services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    window.controller.flush()
    session_id = window.session_id
    assert session_id is not None and window.discard_action.isEnabled()
    prompts.queue("Charted on the wrong patient")
    with qtbot.waitSignal(window.destroyed, timeout=2000, raising=False):
        window.discard_action.trigger()
    assert not _session_exists(services, session_id)
    with services.db.read() as s:
        entry = (
            s.execute(
                select(AuditRow)
                .where(AuditRow.entity == "session", AuditRow.entity_id == str(session_id))
                .order_by(AuditRow.id.desc())
            )
            .scalars()
            .first()
        )
    assert entry is not None and entry.action == "delete"
    assert json.loads(entry.changes)["reason"] == [None, "Charted on the wrong patient"]


def test_cancelling_the_reason_keeps_the_draft(window, services, prompts) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    window.controller.flush()
    prompts.queue(None)
    assert window.discarding.discard() is False
    assert _session_exists(services, window.session_id) and window.isVisible()


def test_a_signed_session_cannot_be_discarded(window, services, prompts) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    assert not window.discard_action.isEnabled()
    assert window.discarding.discard() is False  # no prompt asked (ScriptedPrompts fails on any)
    assert "never discarded" in window.statusBar().currentMessage()
    assert _session_exists(services, window.session_id)


def test_the_service_wants_a_real_reason(window, services) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    window.controller.flush()
    with pytest.raises(ValidationError) as e:
        services.charting.delete_draft(window.session_id, window.session.version, reason="   ")
    assert e.value.fields == {"reason"}
    assert _session_exists(services, window.session_id)
