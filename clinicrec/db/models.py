"""Typed SQLAlchemy 2.x models. The schema is created only by the Alembic migrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ClinicRow(Base):
    __tablename__ = "clinic"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Bumped by each edit of the record (not by sign-in bookkeeping): a stale edit is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    paper_size: Mapped[str] = mapped_column(String(10), default="A4")
    review_days: Mapped[int] = mapped_column(Integer, default=14)
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    consent_form_version: Mapped[str] = mapped_column(String(40), default="MB-CONSENT-1")
    idle_lock_minutes: Mapped[int] = mapped_column(Integer, default=10)
    backups_kept: Mapped[int] = mapped_column(Integer, default=14)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    common_reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    date_order: Mapped[str] = mapped_column(String(3), default="iso", server_default="iso")
    units_step: Mapped[float] = mapped_column(Double, default=0.1, server_default="0.1")


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Bumped by each edit of the record (not by sign-in bookkeeping): a stale edit is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    username: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    credentials: Mapped[str] = mapped_column(String(40), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PatientRow(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(primary_key=True)
    chart_number: Mapped[str] = mapped_column(String(40), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Case- and accent-folded copies for search-as-you-type ("zoe" finds "Zoë").
    first_key: Mapped[str] = mapped_column(String(100), index=True)
    last_key: Mapped[str] = mapped_column(String(100))  # indexed first in ix_patients_name
    date_of_birth: Mapped[date] = mapped_column(Date, index=True)
    sex: Mapped[str] = mapped_column(String(20), default="unspecified")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    fitzpatrick_type: Mapped[int | None] = mapped_column(Integer, nullable=True)
    allergies: Mapped[str] = mapped_column(Text, default="")
    allergy_status: Mapped[str] = mapped_column(String(20), default="not_recorded")
    scr_pregnant_or_breastfeeding: Mapped[bool] = mapped_column(Boolean, default=False)
    scr_neuromuscular_disorder: Mapped[bool] = mapped_column(Boolean, default=False)
    scr_aminoglycosides: Mapped[bool] = mapped_column(Boolean, default=False)
    scr_recent_toxin: Mapped[bool] = mapped_column(Boolean, default=False)
    scr_active_skin_infection: Mapped[bool] = mapped_column(Boolean, default=False)
    scr_milk_protein_allergy: Mapped[bool] = mapped_column(Boolean, default=False)
    scr_other: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    preferred_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    __mapper_args__ = {"version_id_col": version}
    # The patient list's order, with the chart number so that a search is checked inside the index
    # (services/patient_search.py); it also serves prefix searches on last_key.
    __table_args__ = (Index("ix_patients_name", "last_key", "first_key", "id", "chart_number"),)


class ProductRow(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Bumped by each edit of the record (not by sign-in bookkeeping): a stale edit is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    brand: Mapped[str] = mapped_column(String(100), unique=True)
    generic_name: Mapped[str] = mapped_column(String(100))
    vial_sizes: Mapped[str] = mapped_column(String(100))  # comma-separated units
    in_use_hours: Mapped[int] = mapped_column(Integer)
    max_dose_units: Mapped[float | None] = mapped_column(Double, nullable=True)
    max_dose_period_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_dose_period_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ready_to_use_units_per_ml: Mapped[float | None] = mapped_column(Double, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    gtins: Mapped[str] = mapped_column(String(300), default="", server_default="")  # comma-separated


class VialRow(Base):
    __tablename__ = "vials"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_number: Mapped[str] = mapped_column(String(40), index=True)
    expiry_date: Mapped[date] = mapped_column(Date)
    vial_units: Mapped[float] = mapped_column(Double)
    reconstituted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    diluent_kind: Mapped[str] = mapped_column(String(40))
    diluent_ml: Mapped[float] = mapped_column(Double)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    other_size_reason: Mapped[str] = mapped_column(Text, default="")
    additives: Mapped[list[VialAdditiveRow]] = relationship(
        back_populates="vial", cascade="all, delete-orphan", order_by="VialAdditiveRow.id", lazy="selectin"
    )


class VialAdditiveRow(Base):
    __tablename__ = "vial_additives"
    id: Mapped[int] = mapped_column(primary_key=True)
    vial_id: Mapped[int] = mapped_column(ForeignKey("vials.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    volume_ml: Mapped[float] = mapped_column(Double)
    description: Mapped[str] = mapped_column(String(200), default="")
    vial: Mapped[VialRow] = relationship(back_populates="additives")


class SessionRow(Base):
    __tablename__ = "treatment_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    injector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    prescriber: Mapped[str] = mapped_column(String(100), default="")
    order_reference: Mapped[str] = mapped_column(String(40), default="")
    consent_form_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consent_obtained_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    indications: Mapped[str] = mapped_column(String(200), default="")  # comma-separated enum values
    needle_gauge: Mapped[int | None] = mapped_column(Integer, nullable=True)
    depth: Mapped[str | None] = mapped_column(String(20), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    signature_meaning: Mapped[str | None] = mapped_column(String(100), nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    touch_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"), nullable=True)
    amends_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_sessions.id"), nullable=True, index=True
    )
    amendment_reason: Mapped[str] = mapped_column(Text, default="")
    #: The first session of an amendment chain (itself for an original); follow-ups attach here.
    root_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_sessions.id"), nullable=True, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    points: Mapped[list[PointRow]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="PointRow.seq", lazy="selectin"
    )
    vial_links: Mapped[list[SessionVialRow]] = relationship(
        cascade="all, delete-orphan", order_by="SessionVialRow.seq", lazy="selectin"
    )
    acknowledgements: Mapped[list[AcknowledgementRow]] = relationship(
        cascade="all, delete-orphan", order_by="AcknowledgementRow.id", lazy="selectin"
    )
    screening: Mapped[SessionScreeningRow | None] = relationship(
        cascade="all, delete-orphan", lazy="selectin", uselist=False
    )

    __mapper_args__ = {"version_id_col": version}


class SessionVialRow(Base):
    __tablename__ = "session_vials"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    vial_id: Mapped[int] = mapped_column(ForeignKey("vials.id"), primary_key=True, index=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class PointRow(Base):
    __tablename__ = "injection_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    zone: Mapped[str] = mapped_column(String(30))
    x: Mapped[float] = mapped_column(Double)
    y: Mapped[float] = mapped_column(Double)
    vial_id: Mapped[int] = mapped_column(ForeignKey("vials.id"), index=True)
    units: Mapped[float] = mapped_column(Double)
    volume_ml: Mapped[float] = mapped_column(Double)
    basis: Mapped[str] = mapped_column(String(10))
    #: The nurse's note on this point ("bled"); "" when none (migration 0014).
    note: Mapped[str] = mapped_column(String(120), default="", server_default="")
    session: Mapped[SessionRow] = relationship(back_populates="points")

    # Covers a session's points for the reports (zone filter, units per vial) without reading the rows;
    # it starts with session_id, so it also serves every lookup by session (migration 0002).
    __table_args__ = (Index("ix_injection_points_session_zone", "session_id", "zone", "vial_id", "units"),)


class ReportUseRow(Base):
    """Derived for the reports (services/report_rollup.py keeps it): a session's points summed per zone and
    vial, so a report reads a few rows per session instead of every point. Not clinical data: rebuilt
    from ``injection_points`` whenever asked, and compared with them by the tests."""

    __tablename__ = "report_session_use"
    session_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(30), primary_key=True)
    vial_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    units: Mapped[float] = mapped_column(Double)
    points: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_report_session_use_vial", "vial_id", "session_id", "units"),)


class ReportOutcomeRow(Base):
    """Derived for the reports (services/report_rollup.py keeps it): per session version and follow-up
    time point, the latest follow-up on the chain's root against the version's own baseline: the change
    of each measure (NULL without a baseline or a value), GAIS and satisfaction."""

    __tablename__ = "report_outcomes"
    session_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time_point: Mapped[str] = mapped_column(String(20), primary_key=True)
    pores: Mapped[int | None] = mapped_column(Integer, nullable=True)
    oil: Mapped[int | None] = mapped_column(Integer, nullable=True)
    redness: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gais: Mapped[str | None] = mapped_column(String(30), nullable=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AcknowledgementRow(Base):
    __tablename__ = "acknowledgements"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: SHA-256 of the warning's facts when it was acknowledged; a change of facts re-opens it.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    facts: Mapped[str] = mapped_column(Text, default="")
    prescriber: Mapped[str] = mapped_column(String(100), default="")


class SessionScreeningRow(Base):
    """The screening as confirmed at a session: a dated snapshot (yes / no / not asked per item)."""

    __tablename__ = "session_screenings"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    answers: Mapped[str] = mapped_column(Text)  # JSON {item: "yes" | "no" | "not_asked"}
    other: Mapped[str] = mapped_column(String(200), default="")
    allergy_status: Mapped[str] = mapped_column(String(20), default="not_recorded")
    allergies: Mapped[str] = mapped_column(Text, default="")
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AssessmentRow(Base):
    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Baselines belong to the session version they were charted on; follow-ups to the chain's root.
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"), index=True
    )
    time_point: Mapped[str] = mapped_column(String(20))
    assessed_on: Mapped[date] = mapped_column(Date)
    pores: Mapped[int | None] = mapped_column(Integer, nullable=True)
    oil: Mapped[int | None] = mapped_column(Integer, nullable=True)
    redness: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scale_version: Mapped[str] = mapped_column(String(40))
    sebum_ug_cm2: Mapped[float | None] = mapped_column(Double, nullable=True)
    erythema_index: Mapped[float | None] = mapped_column(Double, nullable=True)
    gais: Mapped[str | None] = mapped_column(String(30), nullable=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    photos_taken: Mapped[bool] = mapped_column(Boolean, default=False)
    touch_up_given: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_assessments_tp_session", "time_point", "session_id"),)


class AdverseEventRow(Base):
    __tablename__ = "adverse_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    onset: Mapped[date] = mapped_column(Date)
    severity: Mapped[str] = mapped_column(String(20))
    resolved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    resolution: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Bumped on every save: an edit made from a stale view is refused (who changed it comes from the trail).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class AuditRow(Base):
    """Append-only (database triggers refuse UPDATE and DELETE); each entry hashes the one before."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(20), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40), default="")
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    changes: Mapped[str] = mapped_column(Text, default="{}")  # JSON {field: [old, new]}
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: A hash of the audited record's state as this entry left it (services/audit_state.py); None for
    #: entries that do not change a record (views, prints, sign-ins) and for entries written before 0004.
    row_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)

    # The newest entry of one record, for verify's field naming and the version checks' "who changed it".
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id", "id"),)


class AuditHeadRow(Base):
    """One row: the hash of the newest audit entry. Updating it serialises appends across workstations."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class FailedSignInRow(Base):
    """Failed sign-ins for names that are not accounts, one counter row per hour (bounded growth)."""

    __tablename__ = "failed_sign_ins"
    id: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (UniqueConstraint("hour"),)


class AccessTokenRow(Base):
    """A named access token for unattended command-line jobs (the nightly backup, a scheduled report).

    Only the SHA-256 of the secret is kept; the secret itself is shown once, when it is made. The token
    acts with the greatest role within both ``role`` and its creator's role at the time it is used
    (services/tokens.py ``acting_role``).
    """

    __tablename__ = "access_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ReportPresetRow(Base):
    """A named set of report filters a manager saved (not clinical data: no patient, no figure).

    ``filters`` is JSON: the period ("Last 3 months", ... or "Custom" with its dates) and the filters'
    values (``domain.report_types.FilterPreset``)."""

    __tablename__ = "report_presets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    filters: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PhotoConsentRow(Base):
    """A patient's photo consent as recorded: each change (a scope given or withdrawn) is a new row; the
    newest row is the consent that stands. Stands in until the signed consent forms back it."""

    __tablename__ = "photo_consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    clinical: Mapped[bool] = mapped_column(Boolean, default=False)
    teaching: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class PhotoRow(Base):
    """A photo's record. The image bytes live in the photo store (files beside a SQLite database,
    ``photo_blobs`` on PostgreSQL), named by ``sha256``; the thumbnail lives here, so browsing never
    reads a full image."""

    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"), nullable=True)
    view: Mapped[str] = mapped_column(String(20))
    zone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    time_point: Mapped[str] = mapped_column(String(20))
    other_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(30))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    landmarks: Mapped[str | None] = mapped_column(String(80), nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_photos_patient", "patient_id", "time_point", "view"),)


class PhotoBlobRow(Base):
    """Image bytes kept in the database (PostgreSQL: every workstation sees them), by their SHA-256."""

    __tablename__ = "photo_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PhotoMeasurementRow(Base):
    """One measurement of one photo by the skin analysis (migration 0016): its quality checks and the
    landmarks it used. Figures are derived from the stored image and these landmarks, so measuring again
    adds a new row and the newest counts; nothing is overwritten."""

    __tablename__ = "photo_measurements"
    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    measured_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    engine_version: Mapped[str] = mapped_column(String(20))
    landmarks: Mapped[str] = mapped_column(Text, default="")  # JSON: named points and who placed them
    px_per_mm: Mapped[float] = mapped_column(Double)
    scale_source: Mapped[str] = mapped_column(String(20))
    colour_source: Mapped[str] = mapped_column(String(20))
    skin_median_luma: Mapped[float] = mapped_column(Double)
    clipped_share: Mapped[float] = mapped_column(Double)
    blur: Mapped[float] = mapped_column(Double)
    problems: Mapped[str] = mapped_column(Text, default="")  # one per line; empty = every check passed


class PhotoZoneFiguresRow(Base):
    """The figures of one face-map zone in one measurement; a figure is NULL when it could not be
    measured, and ``problems`` says why."""

    __tablename__ = "photo_zone_figures"
    id: Mapped[int] = mapped_column(primary_key=True)
    measurement_id: Mapped[int] = mapped_column(ForeignKey("photo_measurements.id"), index=True)
    zone: Mapped[str] = mapped_column(String(30))
    area_cm2: Mapped[float] = mapped_column(Double)
    measured_share: Mapped[float] = mapped_column(Double)
    redness_a_mean: Mapped[float | None] = mapped_column(Double, nullable=True)
    red_share: Mapped[float | None] = mapped_column(Double, nullable=True)
    pores_per_cm2: Mapped[float | None] = mapped_column(Double, nullable=True)
    pore_area_share: Mapped[float | None] = mapped_column(Double, nullable=True)
    pore_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shine_share: Mapped[float | None] = mapped_column(Double, nullable=True)
    problems: Mapped[str] = mapped_column(Text, default="")


# -- signed consent and medical oversight (migration 0010) -------------------------------------------------
class ConsentRow(Base):
    """A patient's signed consent: never edited; only withdrawn (dated, with a reason) or superseded."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    form_key: Mapped[str] = mapped_column(String(60))
    form_kind: Mapped[str] = mapped_column(String(20))
    form_version: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)  # the exact text signed
    text_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(100), default="")  # photo consent: comma-separated
    signature_kind: Mapped[str] = mapped_column(String(10))
    strokes: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[[x, y, pressure, t_ms], ...], ...]
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    typed_name: Mapped[str] = mapped_column(String(100), default="")
    device: Mapped[str] = mapped_column(String(20), default="")
    scan: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    scan_type: Mapped[str] = mapped_column(String(40), default="")
    paper_reason: Mapped[str] = mapped_column(Text, default="")
    witness_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    workstation: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(12), default="in_force")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)

    __table_args__ = (Index("ix_consents_patient_form", "patient_id", "form_key", "status"),)


class ConsentSettingsRow(Base):
    """The clinic's rules for one consent form (a form without a row has the defaults)."""

    __tablename__ = "consent_settings"
    form_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    validity_months: Mapped[int] = mapped_column(Integer, default=12)
    required_for_signing: Mapped[bool] = mapped_column(Boolean, default=False)
    typed_name_allowed: Mapped[bool] = mapped_column(Boolean, default=True)


class PrescriberOrderRow(Base):
    """A prescriber's order for a patient: product, areas, most units per session, valid until."""

    __tablename__ = "prescriber_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    areas: Mapped[str] = mapped_column(String(300))  # comma-separated zones
    max_units: Mapped[float] = mapped_column(Double)
    valid_until: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="in_force")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ChartReviewRow(Base):
    """A signed chart in the medical director's review queue, and the review's outcome."""

    __tablename__ = "chart_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")


class OversightSettingsRow(Base):
    """One row: the share of signed charts sent to review (flagged charts always go)."""

    __tablename__ = "oversight_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_share_percent: Mapped[float] = mapped_column(Double, default=0.0)


# -- the reports' day-keyed pre-aggregate (db/report_days.py fills it; services/report_rollup.py keeps it) --
#: The outcome sums of ``report_day_outcomes``, in ``queries.outcome_stmt``'s order after the time point.
DAY_OUTCOME_NUMBERS = (
    "followed_up",
    *(f"{m}_{x}" for m in ("pores", "oil", "redness") for x in ("n", "sum", "sq", "improved")),
    *(f"gais_{g}" for g in ("very_much_improved", "much_improved", "improved", "no_change", "worse")),
    "satisfaction_n",
    "satisfaction_sum",
    "satisfaction_sq",
)


def _day_key() -> list[Column[Any]]:
    """(clinic day 'YYYY-MM-DD', injector, dilution band of the session's first vial or '')."""
    return [
        Column("day", String(10), primary_key=True),
        Column("injector_id", Integer, primary_key=True),
        Column("band", String(20), primary_key=True),
    ]


#: Per day, injector and band, and group (kind 'all' with key '', 'zone', 'product', 'dilution'): signed
#: current sessions, adverse events on their chains' roots, sessions with any.
ReportDayGroups = Table(
    "report_day_groups",
    Base.metadata,
    *_day_key(),
    Column("gkind", String(10), primary_key=True),
    Column("gkey", String(30), primary_key=True),
    Column("sessions", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("affected", Integer, nullable=False),
    # A report reads one group kind over a range of days (services/reports/day_queries.py). PostgreSQL,
    # whose tables are not stored in key order, scanned the whole table for it; SQLite reads the key's
    # day range in order, and through this index read a zone report's rows one by one, slower (0023).
    Index("ix_report_day_groups_kind_day", "gkind", "day").ddl_if(dialect="postgresql"),
    sqlite_with_rowid=False,  # the primary key is the table: a day range reads it in order
)
#: The same groups per follow-up time point: the outcome sums (counts, sums, sums of squares).
ReportDayOutcomes = Table(
    "report_day_outcomes",
    Base.metadata,
    *_day_key(),
    Column("gkind", String(10), primary_key=True),
    Column("gkey", String(30), primary_key=True),
    Column("time_point", String(20), primary_key=True),
    *(Column(n, Integer, nullable=False) for n in DAY_OUTCOME_NUMBERS),
    Index("ix_report_day_outcomes_kind_day", "gkind", "day", "time_point").ddl_if(dialect="postgresql"),
    sqlite_with_rowid=False,  # the primary key is the table: a day range reads it in order
)
#: Adverse events per kind: events, sessions affected, severe events.
ReportDayEvents = Table(
    "report_day_events",
    Base.metadata,
    *_day_key(),
    Column("kind", String(30), primary_key=True),
    Column("events", Integer, nullable=False),
    Column("affected", Integer, nullable=False),
    Column("severe", Integer, nullable=False),
    sqlite_with_rowid=False,  # the primary key is the table: a day range reads it in order
)
#: Units drawn per vial by the day's sessions; ``lot_sessions``/``product_sessions`` count each session
#: once per lot/product (on its lowest vial id of that lot/product), so sums of them are distinct counts.
ReportDayLots = Table(
    "report_day_lots",
    Base.metadata,
    *_day_key(),
    Column("product_id", Integer, primary_key=True),
    Column("lot_number", String(40), primary_key=True),
    Column("vial_id", Integer, primary_key=True),
    Column("units", Double, nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("lot_sessions", Integer, nullable=False),
    Column("product_sessions", Integer, nullable=False),
    sqlite_with_rowid=False,  # the primary key is the table: a day range reads it in order
)
#: Vials per clinic day of reconstitution, product, lot, opener (0: none) and the vial's own band: vials,
#: vial units, units drawn by current session versions (signed or draft), units left (never below 0).
ReportDayVials = Table(
    "report_day_vials",
    Base.metadata,
    Column("day", String(10), primary_key=True),
    Column("product_id", Integer, primary_key=True),
    Column("lot_number", String(40), primary_key=True),
    Column("opened_by_id", Integer, primary_key=True),
    Column("band", String(20), primary_key=True),
    Column("vials", Integer, nullable=False),
    Column("vial_units", Double, nullable=False),
    Column("drawn", Double, nullable=False),
    Column("wasted", Double, nullable=False),
    sqlite_with_rowid=False,  # the primary key is the table: a day range reads it in order
)
DAY_TABLES = (ReportDayGroups, ReportDayOutcomes, ReportDayEvents, ReportDayLots, ReportDayVials)
