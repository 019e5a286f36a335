"""Shared set-up for the consent, order and review tests: a prescriber, a signature, a complete draft."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from clinicrec.db.models import UserRow
from clinicrec.domain.consent import ConsentSignature, SignatureKind, StrokePoint
from clinicrec.domain.enums import Indication, Role, TimePoint, Zone
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession, User
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services.auth import actor_of
from clinicrec.services.permissions import Actor
from tests.conftest import PASSWORD, World, make_patient, make_vial


def prescriber(world: World, username: str = "drmd") -> Actor:
    """A prescriber / medical director account, made by the administrator."""
    svc = world.as_(world.admin)
    svc.auth.create_user(User(username, "Dana Reyes", "MD", Role.PRESCRIBER), PASSWORD)
    with world.services.db.read() as s:
        row = s.execute(select(UserRow).where(UserRow.username == username)).scalar_one()
        return actor_of(row)


def drawn(n: int = 3) -> ConsentSignature:
    """A signature of ``n`` strokes, like a hand on the pad."""
    strokes = tuple(
        tuple(
            StrokePoint(0.1 + 0.25 * k + 0.01 * i, 0.3 + 0.02 * (i % 9), 0.4 + 0.05 * (i % 5), i * 8)
            for i in range(30)
        )
        for k in range(n)
    )
    return ConsentSignature(SignatureKind.DRAWN, strokes, device="tablet")


def sign_consent(world: World, patient_id: int, form_key: str = "microbotox_treatment", **kw: object):  # type: ignore[no-untyped-def]
    svc = world.as_(world.injector)
    prepared = svc.consents.prepare(patient_id, form_key, product="Botox Cosmetic", areas="Forehead")
    return svc.consents.record(prepared, kw.pop("signature", drawn()), PASSWORD, **kw)  # type: ignore[arg-type]


def draft(
    world: World, patient_id: int | None = None, *, units: float = 0.5, zone: Zone = Zone.FOREHEAD
) -> TreatmentSession:
    svc = world.as_(world.injector)
    if patient_id is None:
        patient_id = make_patient(svc).id
    vial = make_vial(svc)
    now = world.clock()
    points = tuple(InjectionPoint.from_units(zone, 0.3 + i * 0.02, 0.3, vial, units) for i in range(8))
    return svc.charting.save_draft(
        TreatmentSession(
            patient_id,  # type: ignore[arg-type]
            now,
            world.injector.user_id,
            consent=Consent("MB-CONSENT-1", now - timedelta(minutes=5), world.injector.full_name),
            indications=frozenset({Indication.PORES}),
            points=points,
            baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 2, 1, CURRENT_SCALE_VERSION),
        )
    )
