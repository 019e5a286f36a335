"""Tampering behind the application: every change is detected AND named by ``audit verify``.

Each case changes the database directly (as someone holding the SQLite file, or the PostgreSQL schema
owner, would: the append-only triggers are dropped first) and checks that verify names the table, the
record and, where it can be told, the field. Every audited table is covered, and the trail itself:
edited, deleted, reordered, truncated with its head moved back, and rewritten with the application's own
hash function (caught by the heads kept outside the database).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinicrec.db.models import AccessTokenRow, AdverseEventRow, AuditRow, PatientRow, UserRow
from clinicrec.domain.consent import ConsentSettings
from clinicrec.domain.enums import (
    AdditiveKind,
    AdverseEventKind,
    DiluentKind,
    Role,
    Severity,
    TimePoint,
    Zone,
)
from clinicrec.domain.models import Additive, AdverseEvent, Assessment, SafetyScreening, Vial
from clinicrec.domain.oversight import PrescriberOrder
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services import audit
from clinicrec.services.app import Services
from tests.conftest import PASSWORD, World, make_patient, make_vial, product_id
from tests.services.oversight_helpers import prescriber, sign_consent
from tests.services.test_audit_trail import _tamper
from tests.services.test_charting import chart, grid, signed

Ids = dict[str, int]


def clinic_history(world: World) -> Ids:
    """A day of real work touching every audited table; returns the ids the tamperings aim at."""
    svc = world.services
    patient = make_patient(svc, screening=SafetyScreening(recent_toxin=True))
    lonely = make_patient(svc)
    vial = make_vial(svc)
    mixed = svc.vials.open_vial(
        Vial(
            product_id(svc),
            "L5555LL",
            vial.expiry_date,
            100,
            world.clock() - timedelta(minutes=20),
            DiluentKind.SALINE_PRESERVED,
            2.0,
            (Additive(AdditiveKind.LIDOCAINE, 0.5, "lidocaine 10 mg/mL"),),
        )
    ).vial
    done = signed(world, chart(world, patient, grid(vial, 0.4, 5, Zone.CHEEK_LEFT)), reasons="Cleared")
    draft = svc.charting.save_draft(chart(world, make_patient(svc), grid(mixed, 0.3, 4)))
    world.clock.advance(days=28)  # the week-4 follow-up is recorded on its day (never in the future)
    follow = svc.records.add_follow_up(
        done.id,  # type: ignore[arg-type]
        Assessment(
            TimePoint.WEEK_4, done.performed_at.date() + timedelta(days=28), 1, 1, 1, CURRENT_SCALE_VERSION
        ),
    )
    event = svc.records.add_adverse_event(
        done.id,  # type: ignore[arg-type]
        AdverseEvent(AdverseEventKind.BRUISING, done.performed_at.date(), Severity.MILD),
    )
    photo = _photo(svc, patient.id)  # type: ignore[arg-type]
    measurement = _measure(svc, photo)
    # signed consent, prescriber's order, chart review (issue 16); the chart reviewed is its own patient's
    world.as_(world.admin)
    svc.review.set_share_percent(100)
    world.as_(world.injector)
    reviewed_patient = make_patient(svc)
    consent = sign_consent(world, reviewed_patient.id)  # type: ignore[arg-type]
    signed(world, chart(world, reviewed_patient, grid(vial, 0.4, 5)), reasons="Cleared")
    doctor = prescriber(world)
    zones = frozenset({Zone.FOREHEAD})
    until = world.clock().date() + timedelta(days=60)
    order = world.as_(doctor).orders.record(
        PrescriberOrder(reviewed_patient.id, product_id(svc), zones, 20, until),  # type: ignore[arg-type]
        PASSWORD,
    )
    (review,) = world.as_(doctor).review.reviews()
    world.as_(world.admin)
    settings = svc.clinic.get()
    svc.clinic.update(replace(settings, review_days=21))
    nurse = svc.auth.get_user(world.injector.user_id)
    svc.auth.update_user(replace(nurse, credentials="RN, BSN"))
    product = svc.products.get(product_id(svc))
    svc.products.save(replace(product, notes="Keep refrigerated"))
    # the access rules: a form's consent valid 6 months, signed by hand only (not required for signing,
    # as the charts of the other tests here are signed without one); an unattended job's token, made and
    # revoked
    svc.consents.update_settings(ConsentSettings("microbotox_treatment", 6, typed_name_allowed=False))
    svc.tokens.create("nightly", Role.INJECTOR, world.clock().date() + timedelta(days=30))
    svc.tokens.revoke("nightly")
    with svc.db.read() as s:
        token = s.execute(select(AccessTokenRow.id).where(AccessTokenRow.name == "nightly")).scalar_one()
    world.as_(world.manager)
    assert _verify(world).ok  # the untouched history proves itself (and becomes this workstation's anchor)
    return {
        "patient": patient.id,  # type: ignore[dict-item]
        "lonely": lonely.id,  # type: ignore[dict-item]
        "vial": vial.id,  # type: ignore[dict-item]
        "mixed": mixed.id,  # type: ignore[dict-item]
        "session": done.id,  # type: ignore[dict-item]
        "draft": draft.id,  # type: ignore[dict-item]
        "follow_up": follow.id,  # type: ignore[dict-item]
        "event": event.id,  # type: ignore[dict-item]
        "nurse": world.injector.user_id,
        "product": product.id,  # type: ignore[dict-item]
        "photo": photo,
        "measurement": measurement,
        "consent": consent.id,
        "order": order.id,  # type: ignore[dict-item]
        "review": review.id,  # type: ignore[dict-item]
        "token": token,
    }


def _photo(svc: Services, patient_id: int) -> int:
    """A photo consent and a photo (issue 15: both are audited records)."""
    from datetime import date

    from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
    from tests.services.photos_images import encode, pixels

    svc.photos.record_consent(patient_id, (ConsentScope.CLINICAL,), date(2026, 1, 2))
    details = PhotoDetails(patient_id, PhotoView.FRONT, TimePoint.BASELINE)
    return svc.photos.import_photo(details, encode(pixels(48, 32), "PNG")).id


def _measure(svc: Services, photo_id: int) -> int:
    """A skin-analysis measurement of the photo (issue 19: an audited record with its zone figures)."""
    from clinicrec.analysis.figures import FaceLandmarks

    return svc.measurements.measure(photo_id, FaceLandmarks((15, 12), (33, 12))).measurement.id


def _verify(world: World) -> audit.VerifyResult:
    """Verify as a manager would from the audit screen: with this workstation's and the backups' anchors."""
    return world.services.audit_log.verify_chain()


def _copy_row(model: type, rid: int, **changed: str) -> str:
    """SQL inserting a copy of row ``rid`` of ``model`` with some columns replaced by SQL expressions."""
    cols = [c.name for c in model.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
    exprs = [changed.get(c, c) for c in cols]
    table = model.__tablename__  # type: ignore[attr-defined]
    return f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {table} WHERE id = {rid}"


def _rewrite_trail(world: World, entry_id: int, **edit: object) -> None:
    """Change one entry and recompute every hash after it with the application's own function."""
    with world.services.db.read() as s:
        rows = list(
            s.execute(select(AuditRow).where(AuditRow.id >= entry_id - 1).order_by(AuditRow.id)).scalars()
        )
    statements, prev = [], rows[0].hash
    for row in rows[1:]:
        values = {c: getattr(row, c) for c in ("user_id", "username", "changes")}
        if row.id == entry_id:
            values.update(edit)
        h = audit.entry_hash(
            prev, row.id, row.at, values["user_id"], values["username"], row.action, row.entity,  # type: ignore[arg-type]
            row.entity_id, row.patient_id, values["changes"], row.row_hash,  # type: ignore[arg-type]
        )  # fmt: skip
        uid = "NULL" if values["user_id"] is None else values["user_id"]
        changes = str(values["changes"]).replace("'", "''")
        statements.append(
            f"UPDATE audit_log SET user_id = {uid}, username = '{values['username']}', "
            f"changes = '{changes}', prev_hash = '{prev}', hash = '{h}' WHERE id = {row.id}"
        )
        prev = h
    statements.append(f"UPDATE audit_head SET last_hash = '{prev}' WHERE id = 1")
    _tamper(world, *statements)


def _entry_of(world: World, entity: str, rid: int, action: str = "create") -> int:
    with world.services.db.read() as s:
        return s.execute(
            select(AuditRow.id).where(
                AuditRow.entity == entity, AuditRow.entity_id == str(rid), AuditRow.action == action
            )
        ).scalar_one()


def _truncate(world: World, ids: Ids) -> None:
    """Remove the newest entries and move the head back: a valid, shorter chain."""
    keep = _entry_of(world, "patient", ids["lonely"])
    late = make_patient(world.as_(world.injector))  # work done after the anchor was taken...
    world.as_(world.manager)
    assert _verify(world).ok  # ...and seen by this workstation
    with world.services.db.read() as s:
        kept_hash = s.execute(select(AuditRow.hash).where(AuditRow.id == keep)).scalar_one()
    _tamper(
        world,
        f"DELETE FROM patients WHERE id = {late.id}",
        f"DELETE FROM audit_log WHERE id > {keep}",
        f"UPDATE audit_head SET last_id = {keep}, last_hash = '{kept_hash}' WHERE id = 1",
    )


@dataclass(frozen=True)
class Tamper:
    name: str
    act: Callable[[World, Ids], None]
    entity: str
    record: str  # key into Ids, or "" for trail-level findings
    field: str | None
    says: str

    def __str__(self) -> str:
        return self.name


def sql(*statements: str) -> Callable[[World, Ids], None]:
    return lambda world, ids: _tamper(world, *(s.format(**ids) for s in statements))


TAMPERINGS = [
    # -- patients
    Tamper("patient name", sql("UPDATE patients SET last_name = 'Forged' WHERE id = {patient}"),
           "patient", "patient", "last_name", "'Forged'"),
    Tamper("patient birth date", sql("UPDATE patients SET date_of_birth = '1999-12-31' WHERE id = {patient}"),
           "patient", "patient", "date_of_birth", "1999-12-31"),
    Tamper("patient phone", sql("UPDATE patients SET phone = '+1 555 0000' WHERE id = {patient}"),
           "patient", "patient", "phone", "trail says"),
    Tamper("patient screening cleared",
           sql("UPDATE patients SET scr_recent_toxin = FALSE WHERE id = {patient}"),
           "patient", "patient", "scr_recent_toxin", "trail says"),
    Tamper("patient inserted", sql(_copy_row(PatientRow, 0, chart_number="'X-' || chart_number").replace(
        "WHERE id = 0", "WHERE id = {lonely}")), "patient", "", None, "has no audit entry"),
    Tamper("patient deleted", sql("DELETE FROM patients WHERE id = {lonely}"),
           "patient", "lonely", None, "removed outside ClinicRec"),
    # -- vials and additives
    Tamper("vial lot", sql("UPDATE vials SET lot_number = 'Z0000ZZ' WHERE id = {vial}"),
           "vial", "vial", "lot_number", "'Z0000ZZ'"),
    Tamper("vial expiry", sql("UPDATE vials SET expiry_date = '2031-06-30' WHERE id = {vial}"),
           "vial", "vial", "expiry_date", "2031-06-30"),
    Tamper("vial additive volume", sql("UPDATE vial_additives SET volume_ml = 0.1 WHERE vial_id = {mixed}"),
           "vial", "mixed", None, "changed outside ClinicRec"),
    # -- sessions and their parts
    Tamper("signed dose doubled",
           sql("UPDATE injection_points SET units = units * 2 WHERE session_id = {session}"),
           "session", "session", "content", "altered after signing"),
    Tamper("signed point deleted",
           sql("DELETE FROM injection_points WHERE session_id = {session} AND seq = 0"),
           "session", "session", "content", "altered after signing"),
    Tamper("signed point added", sql(
        "INSERT INTO injection_points (session_id, seq, zone, x, y, vial_id, units, volume_ml, basis) "
        "SELECT session_id, 99, zone, x, y, vial_id, units, volume_ml, basis FROM injection_points "
        "WHERE session_id = {session} AND seq = 0"),
           "session", "session", "content", "altered after signing"),
    Tamper("signed vial link swapped",
           sql("UPDATE session_vials SET vial_id = {mixed} WHERE session_id = {session}"),
           "session", "session", "content", "altered after signing"),
    Tamper("acknowledgement reason",
           sql("UPDATE acknowledgements SET reason = 'n/a' WHERE session_id = {session}"),
           "session", "session", "content", "altered after signing"),
    Tamper("baseline rating", sql(
        "UPDATE assessments SET redness = 0 WHERE session_id = {session} AND time_point = 'baseline'"),
           "session", "session", "content", "altered after signing"),
    Tamper("session un-signed", sql(
        "UPDATE treatment_sessions SET status = 'draft', content_hash = NULL, signed_at = NULL "
        "WHERE id = {session}"),
           "session", "session", "status", "'draft'"),
    Tamper("session re-attributed to another injector",
           sql("UPDATE treatment_sessions SET injector_id = 1 WHERE id = {session}"),
           "session", "session", "injector_id", "trail says"),
    Tamper("signed session deleted", sql(
        "DELETE FROM adverse_events WHERE session_id = {session}",
        "DELETE FROM assessments WHERE session_id = {session}",
        "DELETE FROM treatment_sessions WHERE id = {session}"),
           "session", "session", None, "removed outside ClinicRec"),
    Tamper("draft points changed", sql("UPDATE injection_points SET units = 9 WHERE session_id = {draft}"),
           "session", "draft", None, "changed outside ClinicRec"),
    # -- follow-ups and adverse events
    Tamper("follow-up rating", sql("UPDATE assessments SET pores = 4 WHERE id = {follow_up}"),
           "assessment", "follow_up", "pores", "trail says 1"),
    Tamper("follow-up deleted", sql("DELETE FROM assessments WHERE id = {follow_up}"),
           "assessment", "follow_up", None, "removed outside ClinicRec"),
    Tamper("adverse event severity", sql("UPDATE adverse_events SET severity = 'severe' WHERE id = {event}"),
           "adverse_event", "event", "severity", "'severe'"),
    Tamper("adverse event deleted", sql("DELETE FROM adverse_events WHERE id = {event}"),
           "adverse_event", "event", None, "removed outside ClinicRec"),
    Tamper("adverse event inserted",
           sql(_copy_row(AdverseEventRow, 0).replace("WHERE id = 0", "WHERE id = {event}")),
           "adverse_event", "", None, "has no audit entry"),
    # -- photos (issue 15)
    Tamper("photo view", sql("UPDATE photos SET view = 'profile_left' WHERE id = {photo}"),
           "photo", "photo", "view", "'profile_left'"),
    Tamper("photo pointed at other bytes",
           sql("UPDATE photos SET sha256 = '" + "0" * 64 + "' WHERE id = {photo}"),
           "photo", "photo", None, "missing from the photo store"),
    Tamper("photo measurement's figure changed",
           sql("UPDATE photo_zone_figures SET area_cm2 = 99 WHERE measurement_id = {measurement}"),
           "photo_measurement", "measurement", None, "changed outside ClinicRec"),
    Tamper("photo measurement's landmarks moved",
           sql("UPDATE photo_measurements SET landmarks = '' WHERE id = {measurement}"),
           "photo_measurement", "measurement", None, "changed outside ClinicRec"),
    Tamper("photo consent widened", sql("UPDATE photo_consents SET marketing = TRUE"),
           "photo_consent", "", None, "changed outside ClinicRec"),
    # -- users, products, clinic
    Tamper("role changed to admin", sql("UPDATE users SET role = 'admin' WHERE id = {nurse}"),
           "user", "nurse", "role", "'admin'"),
    Tamper("password hash replaced",
           sql("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = 1) "
               "WHERE id = {nurse}"),
           "user", "nurse", None, "changed outside ClinicRec"),
    Tamper("administrator inserted", sql(_copy_row(UserRow, 0, username="'mallory'", role="'admin'").replace(
        "WHERE id = 0", "WHERE id = {nurse}")), "user", "", None, "has no audit entry"),
    Tamper("product maximum dose", sql("UPDATE products SET max_dose_units = 4000 WHERE id = {product}"),
           "product", "product", "max_dose_units", "4000"),
    Tamper("clinic settings", sql("UPDATE clinic SET review_days = 90 WHERE id = 1"),
           "clinic", "", "review_days", "trail says 21"),
    # -- consents, orders, chart reviews (issue 16)
    Tamper("consent text rewritten",
           sql("UPDATE consents SET text = 'I agree to anything' WHERE id = {consent}"),
           "consent", "consent", None, "changed outside ClinicRec"),
    Tamper("consent withdrawn behind the application",
           sql("UPDATE consents SET status = 'withdrawn' WHERE id = {consent}"),
           "consent", "consent", "status", "'withdrawn'"),
    Tamper("order units raised", sql("UPDATE prescriber_orders SET max_units = 200 WHERE id = {order}"),
           "prescriber_order", "order", "max_units", "200"),
    Tamper("chart co-signed behind the director's back",
           sql("UPDATE chart_reviews SET status = 'co_signed' WHERE id = {review}"),
           "chart_review", "review", "status", "'co_signed'"),
    Tamper("review share lowered", sql("UPDATE oversight_settings SET review_share_percent = 0 WHERE id = 1"),
           "oversight_settings", "", "review_share_percent", "trail says 100"),
    # -- the access rules: consent settings and access tokens (schema 0020)
    Tamper("consent valid for 10 years",
           sql("UPDATE consent_settings SET validity_months = 120"),
           "consent_settings", "", "validity_months", "trail says 6"),
    Tamper("typed names allowed on consent",
           sql("UPDATE consent_settings SET typed_name_allowed = TRUE"),
           "consent_settings", "", "typed_name_allowed", "trail says 0"),
    Tamper("revoked token un-revoked",
           sql("UPDATE access_tokens SET revoked_at = NULL, revoked_by = NULL WHERE id = {token}"),
           "access_token", "token", "revoked_at", "changed outside ClinicRec"),
    Tamper("token made an administrator's", sql("UPDATE access_tokens SET role = 'admin' WHERE id = {token}"),
           "access_token", "token", "role", "'admin'"),
    Tamper("token extended to 2099",
           sql("UPDATE access_tokens SET expires_at = '2099-01-01 00:00:00' WHERE id = {token}"),
           "access_token", "token", "expires_at", "2099-01-01"),
    # -- the trail itself
    Tamper("entry edited", lambda w, ids: _tamper(
        w, f"UPDATE audit_log SET changes = '{{}}' WHERE id = {_entry_of(w, 'patient', ids['patient'])}"),
           "", "", None, "was changed after it was written"),
    Tamper("entry deleted", lambda w, ids: _tamper(
        w, f"DELETE FROM audit_log WHERE id = {_entry_of(w, 'patient', ids['lonely'])}"),
           "", "", None, "is missing"),
    Tamper("entries reordered", sql(
        "UPDATE audit_log SET id = -1 WHERE id = 6", "UPDATE audit_log SET id = 6 WHERE id = 7",
        "UPDATE audit_log SET id = 7 WHERE id = -1"), "", "", None, "does not follow entry 5"),
    Tamper("tail truncated and head moved back", _truncate, "audit_log", "", None, "went backwards"),
    Tamper("entry re-attributed, chain recomputed", lambda w, ids: _rewrite_trail(
        w, _entry_of(w, "adverse_event", ids["event"]), user_id=1, username="admin"),
           "audit_log", "", "hash", "forked"),
    Tamper("entry's old value rewritten, chain recomputed", lambda w, ids: _rewrite_trail(
        w, _entry_of(w, "patient", ids["patient"]), changes='{"first_name":[null,"Eve"]}'),
           "audit_log", "", "hash", "forked"),
]  # fmt: skip


def test_at_least_25_distinct_tamperings_cover_every_audited_table() -> None:
    from clinicrec.services.audit_state import KINDS

    assert len({t.name for t in TAMPERINGS}) == len(TAMPERINGS) >= 25
    assert {k.entity for k in KINDS} <= {t.entity for t in TAMPERINGS}


@pytest.mark.postgres
@pytest.mark.parametrize("tampering", TAMPERINGS, ids=str)
def test_verify_detects_and_names_the_tampering(world: World, tampering: Tamper) -> None:
    ids = clinic_history(world)
    tampering.act(world, ids)
    result = _verify(world)
    assert not result.ok
    wanted = str(ids[tampering.record]) if tampering.record else None
    named = [
        p
        for p in result.problems
        if (not tampering.entity or p.entity == tampering.entity)
        and (wanted is None or p.record_id == wanted)
        and (tampering.field is None or p.field == tampering.field)
        and tampering.says in p.message
    ]
    assert named, [p.message for p in result.problems]


@pytest.mark.postgres
def test_a_trail_rewritten_whole_passes_without_anchors_but_not_with_them(world: World) -> None:
    """The honest limit: a chain recomputed with the application's own function is self-consistent; only
    a head kept outside the database (here this workstation's) exposes it."""
    ids = clinic_history(world)
    _rewrite_trail(world, _entry_of(world, "patient", ids["lonely"]), username="mallory")
    with world.services.db.read() as s:
        assert audit.verify(s).ok  # no anchors: nothing to compare with
    assert not _verify(world).ok


def test_a_restore_supersedes_the_replaced_history_with_a_notice(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.services.audit_anchor import AnchorBook
    from clinicrec.services.maintenance import MaintenanceService

    clinic_history(world)
    world.as_(world.admin)
    maintenance = MaintenanceService(world.services.ctx, backup_dir=tmp_path / "backups")
    old = maintenance.backup_now(tmp_path / "old.sqlite3")
    make_patient(world.services)
    world.as_(world.manager)
    assert _verify(world).ok  # the workstations now hold a head the backup does not have
    other_workstation = AnchorBook().path.read_text()
    world.as_(world.admin)
    maintenance.restore(old.path)
    world.as_(world.manager)
    assert _verify(world).ok and not _verify(world).notices  # the restoring workstation starts afresh
    AnchorBook().path.write_text(other_workstation)  # the other workstation still remembers the old head
    result = _verify(world)
    assert result.ok, [p.message for p in result.problems]
    assert result.notices and "replaced by the restore in entry" in result.notices[0]
