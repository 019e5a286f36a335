"""Photo benchmarks (issue 15), each beside a baseline run in the same process (ratios: noisy machines).

1. Import of a 24-megapixel JPEG (metadata stripped, hashed, thumbnail, stored, audited) beside Pillow
   simply opening and saving the same file. Target: under 1 s.
2. The photo strip of a patient with 200 photos, filled from the stored thumbnails, beside decoding the
   same 200 thumbnails with Qt alone. Target: under 200 ms.
3. Comparison view of two 24 MP photos: one zoom-and-pan frame of both panes. Target: 60 frames a second
   (16.7 ms a frame).
4. Backups: a database with 5,000 photos (the daily backup, when yesterday's backup already holds them,
   and the first backup, which copies them all) beside the same database without photos.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_photos.py [--photos 5000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from _common import best_and_median, row  # noqa: E402
from PIL import Image  # noqa: E402

from clinicrec.domain.enums import Role, TimePoint  # noqa: E402
from clinicrec.domain.models import ClinicSettings, User  # noqa: E402
from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView  # noqa: E402
from clinicrec.services.app import Services, open_services  # noqa: E402
from clinicrec.services.auth import AuthService, password_hasher  # noqa: E402
from clinicrec.services.photos.store import path_in, photo_folder, write_whole  # noqa: E402

PASSWORD = "correct horse battery"
AuthService.hasher = password_hasher(time_cost=1, memory_kib=8 * 1024, parallelism=1)


def photo_24mp(seed: int = 1) -> bytes:
    """6000 x 4000, smooth with fine texture (a camera JPEG's size), with EXIF GPS and a serial."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:4000, 0:6000].astype(np.float32)
    base = np.stack(
        [120 + 60 * np.sin(x / 700), 110 + 50 * np.cos(y / 500), 100 + 40 * np.sin((x + y) / 900)], -1
    )
    a = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS R5"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 12.0)})
    exif.get_ifd(0x8769).update({0xA431: "SN-1234567"})
    out = io.BytesIO()
    Image.fromarray(a).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def small_photo(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    out = io.BytesIO()
    Image.fromarray(rng.integers(60, 200, (800, 1200, 3), dtype=np.uint8)).save(out, "JPEG", quality=85)
    return out.getvalue()


def new_clinic(path: Path) -> tuple[Services, int]:
    svc = open_services(str(path), create=True)
    svc.auth.create_first_admin(User("admin", "Alex Admin", "MD", Role.ADMIN), PASSWORD)
    svc.act_as(svc.auth.sign_in("admin", PASSWORD))
    svc.clinic.setup(ClinicSettings(name="Bench Clinic"))
    from clinicrec.domain.enums import Sex
    from clinicrec.domain.models import Patient

    p = svc.patients.create(Patient("Ada", "Bench", date(1980, 1, 1), "B-1", Sex.FEMALE, phone="+1 555 0100"))
    assert p.id is not None
    svc.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 1))
    return svc, p.id


def bench_import(work: Path) -> None:
    svc, pid = new_clinic(work / "import.sqlite3")
    raw = photo_24mp()
    src = work / "big.jpg"
    src.write_bytes(raw)
    details = PhotoDetails(pid, PhotoView.FRONT, TimePoint.BASELINE)
    n = [0]

    def ours() -> None:
        n[0] += 1  # a different photo each time (a new SHA-256: the file is really written)
        svc.photos.import_photo(details, raw[:-2] + bytes([n[0] % 256, n[0] // 256 % 256]) + raw[-2:])

    def pillow() -> None:
        with Image.open(src) as im:
            im.save(io.BytesIO(), "JPEG", quality=90)

    o, _ = best_and_median(ours, repeat=5, warmup=1)
    b, _ = best_and_median(pillow, repeat=5, warmup=1)
    print(f"24 MP JPEG: {len(raw) / 1e6:.1f} MB")
    print(row("import a 24 MP JPEG / Pillow open+save", o, b, "target < 1000 ms"))
    svc.db.dispose()


def bench_strip(work: Path) -> None:
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from clinicrec.ui.photos.strip import PhotoStrip

    app = QApplication.instance() or QApplication([])
    svc, pid = new_clinic(work / "strip.sqlite3")
    views = list(PhotoView)[:5]
    for i in range(200):
        tp = (TimePoint.BASELINE, TimePoint.DAY_14, TimePoint.WEEK_4, TimePoint.WEEK_12)[i % 4]
        view = views[i % 5]
        zone = None
        if view == PhotoView.CLOSE_UP:
            view = PhotoView.FRONT
        svc.photos.import_photo(PhotoDetails(pid, view, tp, zone=zone), small_photo(i))
    strip = PhotoStrip(svc, None)
    strip.resize(1280, 220)
    strip.show()

    def ours() -> None:
        strip.set_patient(pid)
        strip.grab()

    thumbs = list(svc.photos.thumbnails([p.id for p in svc.photos.photos_of(pid)]).values())

    def qt_only() -> None:
        for t in thumbs:
            QImage.fromData(t)

    o, _ = best_and_median(ours, repeat=7)
    b, _ = best_and_median(qt_only, repeat=7)
    print(row("strip of 200 photos / decode 200 thumbs", o, b, "target < 200 ms"))
    strip.close()
    app.processEvents()
    svc.db.dispose()


def bench_compare(work: Path) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from clinicrec.ui.photos.compare import CompareView

    app = QApplication.instance() or QApplication([])
    svc, pid = new_clinic(work / "compare.sqlite3")
    details = PhotoDetails(pid, PhotoView.FRONT, TimePoint.BASELINE)
    a = svc.photos.import_photo(details, photo_24mp(1))
    b = svc.photos.import_photo(details, photo_24mp(2))
    t = time.perf_counter()
    view = CompareView(svc, [a.id, b.id])
    opened = time.perf_counter() - t
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    panes = view.side_panes
    step = [0]

    def frame() -> None:
        step[0] += 1
        k = step[0] % 40
        panes[0].zoom_at(QPointF(400 + k, 300), 1.0 + (k % 20) * 0.4)
        panes[0].pan_by(3, 2)
        for p in panes:
            p.repaint()

    def one_pane_blit() -> None:  # the floor: drawing one unscaled working image into a pane
        panes[0].repaint()

    o, med = best_and_median(frame, repeat=60, warmup=5)
    view.state.set(1.0)
    base, _ = best_and_median(one_pane_blit, repeat=60, warmup=5)
    print(f"comparison view opened (two 24 MP photos decoded at working size) in {opened * 1000:.0f} ms")
    print(
        row(
            "compare frame (2 panes) / 1 pane at fit", med, base, f"target < 16.7 ms (best {o * 1000:.1f} ms)"
        )
    )
    view.close()
    app.processEvents()
    svc.db.dispose()


def bench_backup(work: Path, n_photos: int) -> None:
    from sqlalchemy import insert

    from clinicrec.db.models import PhotoRow

    plain, _ = new_clinic(work / "plain.sqlite3")
    plain.act_as(plain.auth.sign_in("admin", PASSWORD))
    with_photos, pid = new_clinic(work / "photos.sqlite3")
    folder = photo_folder(work / "photos.sqlite3")
    thumb = io.BytesIO()
    Image.new("RGB", (320, 213), (180, 140, 120)).save(thumb, "JPEG")
    rows = []
    rng = np.random.default_rng(5)
    t = time.perf_counter()
    for i in range(n_photos):
        data = rng.bytes(4_000_000 if i < 20 else 50_000)  # sizes do not change the daily backup's work
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        write_whole(path_in(folder, sha), data)
        rows.append(
            dict(patient_id=pid, view="front", time_point="baseline", taken_at=with_photos.ctx.clock(),
                 taken_by_id=1, device="", note="", sha256=sha, media_type="image/jpeg", width=1, height=1,
                 size_bytes=len(data), thumbnail=thumb.getvalue(), void_reason="")
        )  # fmt: skip
    with with_photos.db.write() as s, s.begin():
        s.execute(insert(PhotoRow), rows)
    print(f"made {n_photos} photo files and records in {time.perf_counter() - t:.1f} s")

    def backup(svc: Services) -> float:
        t = time.perf_counter()
        svc.maintenance.backup_now()
        return time.perf_counter() - t

    plain_t = min(backup(plain) for _ in range(3))
    first = backup(with_photos)
    daily = min(backup(with_photos) for _ in range(3))
    size_plain = max(b.size_bytes for b in plain.maintenance.list_backups())
    size_photos = max(b.size_bytes for b in with_photos.maintenance.list_backups())
    print(row(f"daily backup, {n_photos} old photos / none", daily, plain_t, "should stay near 1x"))
    print(row(f"first backup, copies {n_photos} photos / none", first, plain_t))
    print(
        f"backup file sizes: {size_photos / 1e6:.2f} MB with photos (their thumbnails), "
        f"{size_plain / 1e6:.2f} MB without"
    )
    plain.db.dispose()
    with_photos.db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=5000)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--only", choices=("import", "strip", "compare", "backup"))
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-photos-"))
    os.environ.setdefault("CLINICREC_ANCHOR_DIR", str(work / "anchors"))
    try:
        for name, fn in (
            ("import", lambda: bench_import(work)),
            ("strip", lambda: bench_strip(work)),
            ("compare", lambda: bench_compare(work)),
            ("backup", lambda: bench_backup(work, args.photos)),
        ):
            if args.only in (None, name):
                fn()
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
