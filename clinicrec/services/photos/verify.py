"""``audit verify``'s look at the photo bytes: every photo's stored image must hash to its recorded SHA-256.

The photo's record is proved like any audited record (its ``sha256`` column is in its state hash); this
proves the bytes the column names: a file changed or removed behind ClinicRec is reported.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from ...db.engine import database_key, sqlite_path
from ..audit import AuditProblem
from ..audit_state import _cursor
from .store import DatabaseStore, FileStore, path_in, photo_folder, photo_key


def photo_problems(s: Session, folder: Path | None = None) -> list[AuditProblem]:
    """Every photo's bytes against its recorded SHA-256: in ``folder``, or the database's own store."""
    file = sqlite_path(s.get_bind().engine.url.render_as_string(hide_password=False))
    cur = _cursor(s)
    try:
        cur.execute("SELECT id, sha256 FROM photos ORDER BY id")
        photos = cur.fetchall()
    finally:
        cur.close()
    problems: list[AuditProblem] = []
    engine = s.get_bind().engine
    key = database_key(engine)
    sealed = None if key is None else photo_key(key)
    if folder is not None:
        store: FileStore | DatabaseStore = FileStore(folder, sealed)
    else:
        store = DatabaseStore() if file is None else FileStore(photo_folder(file), sealed)
    for pid, sha in photos:
        if isinstance(store, FileStore) and store.key is None:
            actual = _file_hash(path_in(store.folder, sha))
        else:
            data = store.get(s, sha)
            actual = None if data is None else hashlib.sha256(data).hexdigest()
        if actual is None:
            problems.append(
                AuditProblem(None, f"photo {pid}'s image is missing from the photo store", "photo", str(pid))
            )
        elif actual != sha:
            problems.append(
                AuditProblem(
                    None,
                    f"photo {pid}'s image was changed outside ClinicRec (its bytes no longer hash to the "
                    "SHA-256 recorded when it was stored)",
                    "photo",
                    str(pid),
                    "image",
                    actual,
                    sha,
                )
            )
    return problems


def _file_hash(path: object) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:  # type: ignore[call-overload]
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except FileNotFoundError:
        return None
    return h.hexdigest()
