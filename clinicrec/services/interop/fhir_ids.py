"""Stable FHIR ids: the same record gets the same id in every export.

Ids are UUID version 5 (name-based) in a namespace of the clinic's own: the hash of the database's first
audit entry, which is written when the database is set up and can never change afterwards (the audit
trail is append-only). Two clinics therefore never mint the same id, and a restored backup keeps them.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import AuditRow, ClinicRow


def clinic_namespace(s: Session) -> uuid.UUID:
    first = s.execute(select(AuditRow.hash).order_by(AuditRow.id).limit(1)).scalar()
    if first is None:  # a database with no entries yet: fall back on the clinic's name
        name = s.execute(select(ClinicRow.name).limit(1)).scalar() or "clinicrec"
        return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:clinicrec:clinic-name:{name}")
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:clinicrec:audit-genesis:{first}")


class Ids:
    """Mints resource ids and references for one export."""

    def __init__(self, namespace: uuid.UUID, *, bundle: bool) -> None:
        self.namespace = namespace
        self.bundle = bundle
        self._ns = namespace.bytes
        self._cache: dict[tuple[object, ...], str] = {}
        self._last_procedure: tuple[int | None, str] = (None, "")

    def id(self, kind: str, *key: object) -> str:
        """``str(uuid.uuid5(namespace, "kind/key..."))`` without UUID objects (it runs per resource)."""
        digest = bytearray(hashlib.sha1(self._ns + "/".join([kind, *map(str, key)]).encode()).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        h = digest.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _cached(self, kind: str, *key: object) -> str:
        """For the few resources named again and again (people, products, lots, the clinic)."""
        found = self._cache.get((kind, *key))
        if found is None:
            found = self._cache[(kind, *key)] = self.id(kind, *key)
        return found

    def ref(self, resource_type: str, rid: str) -> dict[str, str]:
        """A reference: ``urn:uuid:`` inside a Bundle (where fullUrl is the same), ``Type/id`` in NDJSON."""
        return {"reference": f"urn:uuid:{rid}" if self.bundle else f"{resource_type}/{rid}"}

    # The resources every export names.
    def organization(self) -> str:
        return self._cached("organization", 1)

    def patient(self, patient_id: int) -> str:
        return self.id("patient", patient_id)

    def practitioner(self, user_id: int) -> str:
        return self._cached("practitioner", user_id)

    def prescriber(self, name: str) -> str:
        return self._cached("prescriber", name.strip().casefold())

    def medication(self, product_id: int, lot: str | None = None) -> str:
        if lot is None:
            return self._cached("medication", product_id)
        return self._cached("medication", product_id, lot)

    def procedure(self, root_session_id: int) -> str:
        """Named by a session's resources several times over, once per session."""
        if self._last_procedure[0] != root_session_id:
            self._last_procedure = (root_session_id, self.id("procedure", root_session_id))
        return self._last_procedure[1]
