"""A patient's preferred language for printed material: chosen in the editor, stored, audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from clinicrec.db.models import AuditRow
from clinicrec.domain.enums import Language
from clinicrec.domain.errors import ValidationError
from clinicrec.ui.patients.patient_editor import PatientEditor
from tests.conftest import World, make_patient

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_the_editor_sets_the_language_and_the_change_is_audited(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    patient = make_patient(world.services, first_name="María", last_name="Álvarez")
    assert patient.preferred_language is Language.ENGLISH  # the default
    editor = PatientEditor(world.services, prompts, patient)
    qtbot.addWidget(editor)
    assert editor.language.currentData() == Language.ENGLISH
    assert editor.language.accessibleName() == "Preferred language for handouts"
    editor.language.setCurrentIndex(editor.language.findData(Language.SPANISH))
    assert editor.save()
    assert world.services.patients.get(patient.id).preferred_language is Language.SPANISH  # type: ignore[arg-type]
    with world.services.db.read() as s:
        rows = (
            s.execute(select(AuditRow).where(AuditRow.patient_id == patient.id).order_by(AuditRow.id))
            .scalars()
            .all()
        )
    changes = [r.changes for r in rows if r.changes and "preferred_language" in str(r.changes)]
    assert json.loads(changes[-1]) == {"preferred_language": ["en", "es"]}  # before, after

    again = PatientEditor(world.services, prompts, world.services.patients.get(patient.id))  # type: ignore[arg-type]
    qtbot.addWidget(again)
    assert again.language.currentText() == "Spanish (Español)"


@pytest.mark.postgres
def test_the_language_round_trips_and_nothing_else_is_accepted(world: World) -> None:
    patient = make_patient(world.services, preferred_language=Language.SPANISH)
    assert world.services.patients.get(patient.id).preferred_language is Language.SPANISH  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as info:
        make_patient(world.services, preferred_language="fr")
    message = info.value.for_field("preferred_language")
    assert message is not None and message.startswith("Preferred language") and "es" in message
