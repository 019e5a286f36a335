"""Who may do what, enforced in the services: every role × every Action, through the real services.

Each case sets up what the action needs (as an administrator, or as the acting user where the record
must be their own), then performs the action as the role under test. It must be refused with
PermissionDenied exactly when ``PERMISSIONS`` says so, the refusal must name the action, and a refused
action must leave no trace in the audit trail.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clinicrec.db.models import AuditRow
from clinicrec.domain.enums import (
    AdverseEventKind,
    Indication,
    Role,
    SessionStatus,
    Severity,
    Sex,
    TimePoint,
    Zone,
)
from clinicrec.domain.errors import PermissionDenied, ValidationError
from clinicrec.domain.models import (
    AdverseEvent,
    Assessment,
    Consent,
    InjectionPoint,
    Patient,
    Product,
    TreatmentSession,
    User,
)
from clinicrec.domain.oversight import PrescriberOrder
from clinicrec.domain.report_types import ReportFilters
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services.audit_log import AuditFilters
from clinicrec.services.maintenance import MaintenanceService
from clinicrec.services.permissions import PERMISSIONS, Action, Actor
from clinicrec.services.printing import PrintService
from clinicrec.services.reports import export as report_export
from tests.conftest import PASSWORD, World, make_vial

from .oversight_helpers import drawn, prescriber

ROLES = (Role.INJECTOR, Role.MANAGER, Role.ADMIN, Role.PRESCRIBER)
LOT = "C1234AB"

#: A case: (world, acting user, scratch folder) -> the action, ready to run as that user.
Case = Callable[[World, Actor, Path], Callable[[], object]]
pairs_checked: list[tuple[Role, Action]] = []


def actor_for(world: World, role: Role) -> Actor:
    if role is Role.PRESCRIBER:
        return prescriber(world)
    return {Role.INJECTOR: world.injector, Role.MANAGER: world.manager, Role.ADMIN: world.admin}[role]


# -- set-up helpers -------------------------------------------------------------------------------------
def new_patient(world: World, n: int = 1) -> Patient:
    svc = world.as_(world.admin)
    return svc.patients.create(Patient("Ada", f"Access{n}", date(1985, 3, 14), f"ACC-{n:04d}", Sex.FEMALE))


def draft_by(world: World, actor: Actor) -> TreatmentSession:
    """A complete draft charted (and saved) by ``actor`` themself (by an injector if they may not chart)."""
    if not actor.can(Action.CHART):
        actor = world.injector
    patient = new_patient(world, 100 + actor.user_id)
    svc = world.as_(actor)
    vial = make_vial(svc, lot=LOT)
    now = world.clock()
    points = tuple(InjectionPoint.from_units(Zone.FOREHEAD, 0.3 + i * 0.02, 0.3, vial, 0.5) for i in range(8))
    return svc.charting.save_draft(
        TreatmentSession(
            patient.id,
            now,
            actor.user_id,
            consent=Consent("MB-CONSENT-1", now - timedelta(minutes=5), actor.full_name),
            indications=frozenset({Indication.PORES}),
            points=points,
            baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 2, 1, CURRENT_SCALE_VERSION),
        )
    )


def signed_by(world: World, actor: Actor) -> TreatmentSession:
    if not actor.can(Action.SIGN):
        actor = world.injector
    draft = draft_by(world, actor)
    return world.as_(actor).charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]


def follow_up() -> Assessment:
    return Assessment(TimePoint.DAY_14, date.today(), 2, 1, 1, CURRENT_SCALE_VERSION)


# -- one case per Action -----------------------------------------------------------------------------
def view_patients(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    pid = new_patient(world).id
    svc = world.services
    return lambda: (svc.patients.search(""), svc.patients.get(pid, log_view=True), svc.records.history(pid))


def edit_patients(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    svc = world.services
    return lambda: svc.patients.create(Patient("Bea", "Edited", date(1990, 1, 2), "ACC-EDIT", Sex.FEMALE))


def chart(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    draft = draft_by(world, actor)
    svc = world.services
    return lambda: svc.charting.save_draft(replace(draft, id=None, version=0, notes="charted"))


def sign(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    draft = draft_by(world, actor)
    return lambda: world.services.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]


def amend(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    session = signed_by(world, actor)
    return lambda: world.services.charting.start_amendment(session.id, "Dose at one point mistyped")  # type: ignore[arg-type]


def assess(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    session = signed_by(world, world.injector)
    return lambda: world.services.records.add_follow_up(session.id, follow_up())  # type: ignore[arg-type]


def record_adverse_event(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    session = signed_by(world, world.injector)
    event = AdverseEvent(AdverseEventKind.BRUISING, date.today(), Severity.MILD)
    return lambda: world.services.records.add_adverse_event(session.id, event)  # type: ignore[arg-type]


def open_vial(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    return lambda: make_vial(world.services, lot="OPEN-1")


def print_(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    session = signed_by(world, world.injector)
    printer = PrintService(world.services.ctx)
    return lambda: printer.handout_bytes(session.id)  # type: ignore[arg-type]


def view_own_reports(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    svc = world.services
    return lambda: (
        svc.reports.summary(ReportFilters(injector_id=actor.user_id)),
        svc.reports.follow_up_gaps(ReportFilters(injector_id=actor.user_id)),
    )


def view_all_reports(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    signed_by(world, world.injector)
    svc = world.services
    someone_else = ReportFilters(injector_id=world.injector2.user_id)
    return lambda: (svc.reports.recall(LOT), svc.reports.summary(someone_else))


def export(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    summary = world.as_(world.admin).reports.summary(ReportFilters())
    svc = world.services
    return lambda: (
        report_export.export_csv(svc.reports, summary, io.StringIO()),
        svc.audit_log.export_csv(AuditFilters(), tmp / "audit.csv"),
    )


def view_audit(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    svc = world.services
    return lambda: (
        svc.audit_log.search(AuditFilters()),
        svc.audit_log.count(AuditFilters()),
        svc.audit_log.verify_chain(),
    )


def manage_users(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    svc = world.services

    def act() -> object:
        user = svc.auth.create_user(
            User("newbie", "New Injector", "RN", Role.INJECTOR), "a long first password"
        )
        svc.auth.reset_password(user.id, "a long second password")  # type: ignore[arg-type]
        return svc.auth.update_user(replace(user, role=Role.MANAGER))

    return act


def manage_products(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    product = Product("Access Toxin", "accesstoxinA", (50, 100), 24, max_dose_units=100)
    return lambda: world.services.products.save(product)


def manage_settings(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    settings = world.as_(world.admin).clinic.get()
    return lambda: world.services.clinic.update(replace(settings, idle_lock_minutes=5))


def backup(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    maintenance = MaintenanceService(world.services.ctx, backup_dir=tmp / "backups")
    return lambda: maintenance.backup_now()


def restore(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    maintenance = MaintenanceService(world.services.ctx, backup_dir=tmp / "backups")
    world.as_(world.admin)
    saved = maintenance.backup_now()
    return lambda: maintenance.restore(saved.path)


def record_consent(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    pid = new_patient(world).id
    svc = world.as_(world.injector)
    prepared = svc.consents.prepare(pid)  # type: ignore[arg-type]
    earlier = svc.consents.record(prepared, drawn(), PASSWORD)
    svc = world.services

    def act() -> object:
        again = svc.consents.record(prepared, drawn(), PASSWORD)
        return svc.consents.withdraw(again.id, "Patient withdrew at the desk")  # type: ignore[arg-type]

    assert earlier.id is not None
    return act


def write_orders(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    pid = new_patient(world).id
    product = world.as_(world.admin).products.list()[0].id
    order = PrescriberOrder(pid, product, frozenset({Zone.FOREHEAD}), 20, date.today() + timedelta(days=30))  # type: ignore[arg-type]
    return lambda: world.services.orders.record(order, PASSWORD)


def review_charts(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    world.as_(world.admin).review.set_share_percent(100)
    session = signed_by(world, world.injector)
    with world.services.db.read() as s:
        from clinicrec.db.models import ChartReviewRow

        review_id = s.execute(
            select(ChartReviewRow.id).where(ChartReviewRow.session_id == session.id)
        ).scalar_one()
    svc = world.services
    return lambda: (svc.review.queue(), svc.review.co_sign(review_id, PASSWORD))


def view_review_report(world: World, actor: Actor, tmp: Path) -> Callable[[], object]:
    return lambda: world.services.review.report()


CASES: dict[Action, Case] = {
    Action.VIEW_PATIENTS: view_patients,
    Action.EDIT_PATIENTS: edit_patients,
    Action.CHART: chart,
    Action.SIGN: sign,
    Action.AMEND: amend,
    Action.ASSESS: assess,
    Action.RECORD_ADVERSE_EVENT: record_adverse_event,
    Action.OPEN_VIAL: open_vial,
    Action.PRINT: print_,
    Action.VIEW_OWN_REPORTS: view_own_reports,
    Action.VIEW_ALL_REPORTS: view_all_reports,
    Action.EXPORT: export,
    Action.VIEW_AUDIT: view_audit,
    Action.MANAGE_USERS: manage_users,
    Action.MANAGE_PRODUCTS: manage_products,
    Action.MANAGE_SETTINGS: manage_settings,
    Action.BACKUP: backup,
    Action.RESTORE: restore,
    Action.RECORD_CONSENT: record_consent,
    Action.WRITE_ORDERS: write_orders,
    Action.REVIEW_CHARTS: review_charts,
    Action.VIEW_REVIEW_REPORT: view_review_report,
}


def newest_audit_id(world: World) -> int:
    with world.services.db.read() as s:
        return int(s.execute(select(func.max(AuditRow.id))).scalar() or 0)


def test_every_action_has_a_case() -> None:
    assert set(CASES) == set(Action)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name.lower())
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_role_may_perform_action_exactly_when_permitted(
    world: World, tmp_path: Path, role: Role, action: Action
) -> None:
    actor = actor_for(world, role)
    act = CASES[action](world, actor, tmp_path)
    world.as_(actor)
    mark = newest_audit_id(world)
    if action in PERMISSIONS[role]:
        act()
    else:
        with pytest.raises(PermissionDenied) as refused:
            act()
        assert action.value in str(refused.value)
        assert newest_audit_id(world) == mark, "a refused action must change nothing"
    pairs_checked.append((role, action))


# -- own sessions, anyone's follow-ups --------------------------------------------------------------------
def test_injectors_sign_and_edit_only_their_own_sessions(world: World) -> None:
    draft = draft_by(world, world.injector)
    other = world.as_(world.injector2)
    with pytest.raises(PermissionDenied):
        other.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        other.charting.save_draft(replace(draft, notes="not mine"))
    with pytest.raises(PermissionDenied):
        other.charting.delete_draft(draft.id, draft.version)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):  # nor chart in someone else's name
        other.charting.save_draft(replace(draft, id=None, version=0))
    signed = world.as_(world.injector).charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        world.as_(world.injector2).charting.start_amendment(signed.id, "Not my session")  # type: ignore[arg-type]
    amendment = world.as_(world.manager).charting.start_amendment(signed.id, "Manager correcting")  # type: ignore[arg-type]
    assert amendment.amends_id == signed.id


def test_an_amendment_is_only_begun_by_start_amendment(world: World) -> None:
    """A reviewer's attack: a new draft naming a colleague's signed session as the one it amends, saved
    with ``save_draft`` and charted in the injector's own name, replaced the colleague's signed chart as
    the visit's current version (no reason, no 'amend' entry, the figures moved to the other injector)."""
    signed = signed_by(world, world.injector)
    other = world.as_(world.injector2)
    mark = newest_audit_id(world)
    forged = replace(
        signed,
        id=None,
        version=0,
        status=SessionStatus.DRAFT,
        amends_id=signed.id,
        amendment_reason="",
        injector_id=world.injector2.user_id,
        points=signed.points[:1],
    )
    for attempt in (forged, replace(forged, amendment_reason="typo", injector_id=world.injector.user_id)):
        with pytest.raises(ValidationError) as refused:
            other.charting.save_draft(attempt)
        assert [e.field for e in refused.value.errors] == ["amends_id"]
    with pytest.raises(ValidationError):  # nor by its own injector, nor by a manager: start_amendment only
        world.as_(world.manager).charting.save_draft(replace(forged, amendment_reason="typo"))
    assert newest_audit_id(world) == mark, "a refused amendment must change nothing"
    assert world.services.records.history(signed.patient_id)[0].versions[-1].session_id == signed.id


def test_a_session_is_amended_once_even_by_two_workstations(world: World) -> None:
    """Two workstations both read the original as not yet amended; the second's write finds the first's
    amendment (the rules are checked again inside the write) and is refused."""
    signed = signed_by(world, world.injector)
    first = world.as_(world.manager).charting.start_amendment(signed.id, "Manager correcting")  # type: ignore[arg-type]
    second = replace(first, id=None, version=0, amendment_reason="Injector correcting")
    mark = newest_audit_id(world)
    with pytest.raises(ValidationError) as refused:
        world.as_(world.injector).charting._save_draft(second, amending=True)  # start_amendment's own step
    assert "already has an amendment" in str(refused.value)
    assert newest_audit_id(world) == mark


def test_injectors_assess_any_session(world: World) -> None:
    session = signed_by(world, world.injector)
    other = world.as_(world.injector2)
    assessment = other.records.add_follow_up(session.id, follow_up())  # type: ignore[arg-type]
    assert assessment.assessor_id == world.injector2.user_id
    event = other.records.add_adverse_event(
        session.id,
        AdverseEvent(  # type: ignore[arg-type]
            AdverseEventKind.SWELLING, date.today(), Severity.MILD
        ),
    )
    assert event.recorded_by_id == world.injector2.user_id
    record = other.records.record(session.id)  # type: ignore[arg-type]
    assert [a.id for a in record.follow_ups] == [assessment.id]


def test_injectors_see_only_their_own_figures(world: World) -> None:
    svc = world.as_(world.injector)
    assert svc.reports.scoped_filters(ReportFilters()).injector_id == world.injector.user_id
    with pytest.raises(PermissionDenied):
        svc.reports.summary(ReportFilters(injector_id=world.injector2.user_id))


def test_report_pairs_checked(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in file order: says how many role × action pairs the matrix walked."""
    with capsys.disabled():
        print(
            f"\nrole × action pairs checked: {len(pairs_checked)} of {len(ROLES) * len(Action)} "
            f"({len(ROLES)} roles × {len(Action)} actions)"
        )
