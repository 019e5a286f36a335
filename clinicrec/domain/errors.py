"""Errors the domain and services raise, each naming the field and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ClinicRecError(Exception):
    """Base of every error a user may be shown."""


class ValidationError(ClinicRecError, ValueError):
    """Input was rejected. ``errors`` lists each offending field with what is allowed."""

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors: list[FieldError] = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @property
    def fields(self) -> set[str]:
        return {e.field for e in self.errors}

    def for_field(self, field: str) -> str | None:
        for e in self.errors:
            if e.field == field:
                return e.message
        return None


class NotFoundError(ClinicRecError, LookupError):
    pass


class PermissionDenied(ClinicRecError, PermissionError):
    pass


class SignedRecordError(ClinicRecError):
    """A signed session was about to be edited; only an amendment may change it."""


class ConcurrentEditError(ClinicRecError):
    """Someone else saved the same record since it was opened."""

    def __init__(self, message: str, *, by: str | None = None, at: object | None = None) -> None:
        super().__init__(message)
        self.by = by
        self.at = at


class UnacknowledgedWarnings(ClinicRecError):
    """Signing needs every safety warning acknowledged with a reason."""

    def __init__(self, warnings: list) -> None:  # list[SafetyWarning]
        self.warnings = warnings
        super().__init__(
            "These warnings need a recorded reason before signing: " + "; ".join(w.message for w in warnings)
        )


class AuthenticationError(ClinicRecError):
    pass


class AccountLocked(AuthenticationError):
    pass


class StorageError(ClinicRecError):
    """The database could not store the change (disk full, read-only, damaged)."""
