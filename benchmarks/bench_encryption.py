"""Encryption at rest: store, search, report and start-up on a SQLCipher database beside the same
plain database, in the same run (target: at most 1.3x).

    python benchmarks/bench_encryption.py [--patients 20000] [--workdir DIR]

The plain database is a demo build; the encrypted one is the same file converted by
``encryption.encrypt_existing`` (what the first start of this version does). Both are opened with the
production Argon2id parameters. "Start-up" is what the user waits for after pressing Sign in: on the
plain database one Argon2id check of the password; on the encrypted one one Argon2id computation that
both unwraps the database key and proves the password; then opening the database, the sign-in
transaction and the first page of the patient list.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import best_and_median, row  # noqa: E402

from clinicrec.db import encryption  # noqa: E402
from clinicrec.demo import DEMO_PASSWORD, build_demo  # noqa: E402
from clinicrec.domain.enums import DiluentKind, Indication, TimePoint, Zone  # noqa: E402
from clinicrec.domain.facemap import grid_fill  # noqa: E402
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession, Vial  # noqa: E402
from clinicrec.domain.report_kinds import BreakdownBy  # noqa: E402
from clinicrec.domain.report_types import ReportFilters  # noqa: E402
from clinicrec.domain.scales import CURRENT_SCALE_VERSION  # noqa: E402
from clinicrec.services.app import Services, open_services  # noqa: E402

USER = "maria"
QUERIES = ["gar", "mül", "zoe", "ng", "smith", "pat", "o'b", "lop", "tan", "ch"]


def sign_in_plain(path: Path) -> Services:
    svc = open_services(f"sqlite:///{path}", migrate=False)
    svc.auth.sign_in(USER, DEMO_PASSWORD)
    svc.patients.search("", limit=200)
    return svc


def sign_in_encrypted(path: Path) -> Services:
    key, proof = encryption.unlock_with_proof(path, USER, DEMO_PASSWORD)
    svc = open_services(f"sqlite:///{path}", key=key, migrate=False)
    svc.auth.sign_in(USER, DEMO_PASSWORD, proof=proof)
    svc.patients.search("", limit=200)
    return svc


def draft_for(svc: Services) -> TreatmentSession:
    now = datetime.now(UTC)
    vial = svc.vials.open_vial(
        Vial(1, "BENCH01", now.date().replace(year=2030), 100.0, now, DiluentKind.SALINE_PRESERVED, 2.5)
    ).vial
    coords = [
        (z, x, y)
        for z in (Zone.FOREHEAD, Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.NOSE)
        for (x, y) in grid_fill(z, 0.8)
    ][:100]
    assert svc.actor is not None
    return TreatmentSession(
        patient_id=1,
        performed_at=now,
        injector_id=svc.actor.user_id,
        consent=Consent("MB-CONSENT-3", now, "Maria López"),
        indications=frozenset({Indication.PORES}),
        points=tuple(InjectionPoint.from_volume(z, x, y, vial, 0.01) for z, x, y in coords),
        baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 3, 2, CURRENT_SCALE_VERSION),
    )


def measure(label: str, encrypted: Services, plain: Services, work, repeat: int = 9) -> str:  # type: ignore[no-untyped-def]
    """Interleaved: plain, encrypted, plain, encrypted ... so machine load drifts on both alike."""
    import statistics
    import time

    ours: list[float] = []
    base: list[float] = []
    for svc, _ in ((plain, base), (encrypted, ours)):
        work(svc)  # warm-up
    for _ in range(repeat):
        for svc, times in ((plain, base), (encrypted, ours)):
            t = time.perf_counter()
            work(svc)
            times.append(time.perf_counter() - t)
    return row(label, statistics.median(ours), statistics.median(base), "(target: at most 1.3x)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=20_000)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="clinicrec-bench-enc-"))
    plain_db, enc_db = work / "plain" / "clinicrec.sqlite3", work / "encrypted" / "clinicrec.sqlite3"
    for folder in (plain_db.parent, enc_db.parent):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    print(f"Building a {args.patients:,}-patient demo database in {work} ...")
    build_demo(f"sqlite:///{plain_db}", patients=args.patients)
    shutil.copy(plain_db, enc_db)
    converted = encryption.encrypt_existing(enc_db)
    print(f"  converted to SQLCipher for {len(converted.users)} users")

    results = []
    _, ours = best_and_median(lambda: sign_in_encrypted(enc_db).db.dispose(), repeat=7, warmup=1)
    _, base = best_and_median(lambda: sign_in_plain(plain_db).db.dispose(), repeat=7, warmup=1)
    results.append(row("start-up: sign in, open, first page", ours, base, "(target: at most 1.3x)"))
    plain, encrypted = sign_in_plain(plain_db), sign_in_encrypted(enc_db)

    def search(svc: Services) -> None:
        for q in QUERIES:
            svc.patients.search(q, limit=200)

    results.append(measure(f"patient name search (x{len(QUERIES)})", encrypted, plain, search))
    drafts = {id(plain): draft_for(plain), id(encrypted): draft_for(encrypted)}
    results.append(
        measure(
            "store: save a 100-point session",
            encrypted,
            plain,
            lambda svc: svc.charting.save_draft(replace(drafts[id(svc)])),
        )
    )
    filters = ReportFilters()
    results.append(
        measure(
            "report: outcome summary + breakdown",
            encrypted,
            plain,
            lambda svc: (svc.reports.summary(filters), svc.reports.breakdown(filters, BreakdownBy.PRODUCT)),
            repeat=5,
        )
    )
    print()
    print("encrypted (SQLCipher) beside plain SQLite, same data, same run:")
    for line in results:
        print(line)
    plain.db.dispose()
    encrypted.db.dispose()


if __name__ == "__main__":
    main()
