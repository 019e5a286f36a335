"""Changes are typed, collected by the unit of work from what it audited, and published after the commit:
never before, never on a rollback, once per change."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from clinicrec.db.models import PatientRow
from clinicrec.domain import facemap
from clinicrec.domain.enums import AuditAction, Depth, Zone
from clinicrec.domain.models import InjectionPoint, SafetyScreening, TreatmentSession
from clinicrec.services import audit
from clinicrec.services.base import Change, ChangeEntity, ChangeKind, ServiceBase
from clinicrec.services.changes import KIND_OF_ACTION
from tests.conftest import PASSWORD, make_patient, make_vial


@pytest.fixture
def published(services) -> list[Change]:  # type: ignore[no-untyped-def]
    seen: list[Change] = []
    services.subscribe(seen.append)
    return seen


def _draft(services, patient, vial) -> TreatmentSession:  # type: ignore[no-untyped-def]
    x, y = facemap.zone_centroid(Zone.NOSE)
    return TreatmentSession(
        patient_id=patient.id,
        performed_at=services.ctx.clock(),
        injector_id=services.actor.user_id,
        depth=Depth.INTRADERMAL,
        vial_ids=(vial.id,),
        points=(InjectionPoint.from_units(Zone.NOSE, x, y, vial, 0.4),),
    )


def test_every_audited_action_is_classified() -> None:
    assert set(KIND_OF_ACTION) == set(AuditAction)


def test_a_change_is_published_after_its_transaction_commits(services, published) -> None:  # type: ignore[no-untyped-def]
    visible_to_others: list[bool] = []

    def check(change: Change) -> None:  # another connection already sees the row: it is committed
        with services.db.read() as s:
            visible_to_others.append(s.get(PatientRow, change.entity_id) is not None)

    services.subscribe(check)
    patient = make_patient(services)
    assert published == [Change(ChangeEntity.PATIENT, patient.id, ChangeKind.CREATED, patient.id)]
    assert visible_to_others == [True]


def test_nothing_is_published_when_the_transaction_rolls_back(services, published, world) -> None:  # type: ignore[no-untyped-def]
    svc = ServiceBase(services.ctx)
    with pytest.raises(RuntimeError), svc.writing() as s:
        audit.record(s, world.injector, AuditAction.UPDATE, "patient", 1, patient_id=1)
        raise RuntimeError("disk pulled")
    assert published == []
    with svc.writing() as s:  # the same, committed: published once
        audit.record(s, world.injector, AuditAction.UPDATE, "patient", 1, patient_id=1)
    assert published == [Change(ChangeEntity.PATIENT, 1, ChangeKind.UPDATED, 1)]


def test_a_refused_save_publishes_nothing(services, published) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.errors import ConcurrentEditError

    patient, vial = make_patient(services), make_vial(services)
    saved = services.charting.save_draft(_draft(services, patient, vial))
    published.clear()
    services.charting.save_draft(replace(saved, notes="first"))
    published.clear()
    with pytest.raises(ConcurrentEditError):
        services.charting.save_draft(replace(saved, notes="stale copy"))  # an old version
    assert published == []


def test_each_change_is_published_once(services, published) -> None:  # type: ignore[no-untyped-def]
    patient = make_patient(services, screening=SafetyScreening(recent_toxin=True))
    vial = make_vial(services)
    published.clear()
    draft = services.charting.save_draft(_draft(services, patient, vial))
    session = ChangeEntity.SESSION
    assert published == [Change(session, draft.id, ChangeKind.CREATED, patient.id)]

    published.clear()
    [warning] = services.charting.warnings(draft)
    acked = services.charting.acknowledge(replace(draft, notes="checked"), warning, "Last dose 5 months ago")
    draft = services.charting.save_draft(acked)  # audited twice (the reason, the update): published once
    assert published == [Change(session, draft.id, ChangeKind.UPDATED, patient.id)]

    published.clear()
    services.charting.save_draft(draft)  # nothing changed: nothing to tell
    assert published == []


def test_signing_and_amending_publish_their_kinds(services, published) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.enums import Indication, TimePoint
    from clinicrec.domain.models import Assessment, Consent
    from clinicrec.domain.scales import CURRENT_SCALE_VERSION

    patient, vial = make_patient(services), make_vial(services)
    now = services.ctx.clock()
    draft = replace(
        _draft(services, patient, vial),
        indications=frozenset({Indication.PORES}),
        consent=Consent("MB-CONSENT-1", now, "Nina Nurse, RN"),
        baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 2, 1, CURRENT_SCALE_VERSION),
    )
    draft = services.charting.save_draft(draft)
    published.clear()
    signed = services.charting.sign(draft.id, PASSWORD)
    assert published == [Change(ChangeEntity.SESSION, signed.id, ChangeKind.SIGNED, patient.id)]
    published.clear()
    amendment = services.charting.start_amendment(signed.id, "Dose mistyped")
    assert published == [
        Change(ChangeEntity.SESSION, amendment.id, ChangeKind.CREATED, patient.id),
        Change(ChangeEntity.SESSION, signed.id, ChangeKind.AMENDED, patient.id),
    ]


def test_viewing_a_patient_changes_nothing(services, published) -> None:  # type: ignore[no-untyped-def]
    patient = make_patient(services)
    published.clear()
    services.patients.get(patient.id, log_view=True)
    with services.db.read() as s:
        assert s.execute(select(PatientRow)).first() is not None
    assert published == []
