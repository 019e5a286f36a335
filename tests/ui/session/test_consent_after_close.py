"""The session window's consent line may hear of its patient's consent after the window is gone: a read
on the worker that arrives late (the window closed, or its stepwise build stopped), or a consent signed
at another screen afterwards. Neither may touch the deleted widgets (an error dialog for nothing, or a
crash); while the window lives, both still show."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QWidget

from clinicrec.services.changes import Change, ChangeEntity, ChangeKind
from clinicrec.ui.consent.session_consent import SessionConsent
from clinicrec.ui.printing import DocumentPrinter
from clinicrec.ui.worker import Worker


def _consent_change(patient_id: int) -> Change:
    return Change(ChangeEntity.CONSENT, 1, ChangeKind.CREATED, patient_id)


def test_a_late_read_and_a_later_change_leave_a_closed_window_alone(  # type: ignore[no-untyped-def]
    qtbot, services, bus, prompts, patient
) -> None:
    worker = Worker()  # a real pool: the read arrives after the window is gone
    parent = QWidget()
    consent = SessionConsent(
        services, bus, DocumentPrinter(services, prompts, worker, parent), patient.id, parent, worker=worker
    )
    shiboken6.delete(parent)  # the window closed while its first read was on the worker
    assert not shiboken6.isValid(consent.label)
    worker.wait()
    qtbot.wait(50)  # the read's answer delivered on the GUI thread: ignored (pytest-qt fails on a raise)
    bus.sig_changed.emit(_consent_change(patient.id))  # a consent signed elsewhere, later
    worker.wait()
    qtbot.wait(50)


def test_while_the_window_lives_the_line_follows_its_patients_consent(  # type: ignore[no-untyped-def]
    qtbot, services, bus, prompts, worker, patient
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    consent = SessionConsent(
        services, bus, DocumentPrinter(services, prompts, worker, parent), patient.id, parent, worker=worker
    )
    assert consent.label.text().startswith("⚠")  # none signed yet
    consent.label.setText("")
    bus.sig_changed.emit(_consent_change(patient.id))
    assert consent.label.text().startswith("⚠")  # read again on the change
    consent.label.setText("")
    bus.sig_changed.emit(_consent_change(patient.id + 1))  # another patient's: not read again
    assert consent.label.text() == ""
