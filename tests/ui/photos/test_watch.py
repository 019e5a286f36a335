"""The watched import folder: new files are offered for the open patient, never filed silently."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings

from clinicrec.domain.photos import ConsentScope
from clinicrec.ui.photos.panel import PhotoPanel
from clinicrec.ui.photos.watch import ImportFolderWatcher, save_folder, saved_folder
from tests.conftest import make_patient
from tests.services.photos_images import encode, pixels


def test_only_files_new_since_watching_are_offered_once(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "old.jpg").write_bytes(b"x")
    watcher = ImportFolderWatcher(tmp_path)
    assert watcher.scan() == []
    (tmp_path / "IMG_2001.JPG").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("no")
    with qtbot.waitSignal(watcher.sig_new_files) as offered:
        watcher.scan()
    assert offered.args[0] == [tmp_path / "IMG_2001.JPG"]
    assert watcher.take() == [tmp_path / "IMG_2001.JPG"] and watcher.scan() == [] and watcher.take() == []


def test_the_folder_is_a_workstation_setting(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "ws.ini"), QSettings.Format.IniFormat)
    assert saved_folder(settings) is None
    save_folder(tmp_path, settings)
    assert saved_folder(settings) == tmp_path


def test_panel_offers_new_files_and_imports_them_through_the_dialog(
    qtbot, services, worker, bus, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    p = make_patient(services)
    services.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))
    drop = tmp_path / "drop"
    drop.mkdir()
    panel = PhotoPanel(services, bus, worker, watch_folder=drop)
    qtbot.addWidget(panel)
    panel.set_patient(p.id)
    assert panel.offer_button.isHidden()
    (drop / "tethered-0001.png").write_bytes(encode(pixels(), "PNG"))
    panel.watcher.scan()  # type: ignore[union-attr]
    assert (
        panel.offer_label.text() == "1 new photo in the import folder" and not panel.offer_button.isHidden()
    )
    assert services.photos.photos_of(p.id) == []  # offered, not filed
    asked = []
    monkeypatch.setattr(panel, "import_files", asked.append)
    panel.offer_button.click()
    assert asked == [[drop / "tethered-0001.png"]] and panel.offer_button.isHidden()


def test_panel_voids_with_a_reason_and_saves_the_progress_sheet(
    qtbot, services, worker, bus, prompts, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.domain.enums import TimePoint
    from clinicrec.domain.photos import PhotoDetails, PhotoView

    p = make_patient(services)
    services.photos.record_consent(p.id, (ConsentScope.CLINICAL,), date(2026, 1, 5))
    photo = services.photos.import_photo(
        PhotoDetails(p.id, PhotoView.FRONT, TimePoint.BASELINE), encode(pixels())
    )
    panel = PhotoPanel(services, bus, worker, prompts=prompts)
    qtbot.addWidget(panel)
    panel.set_patient(p.id)
    assert not panel.void_button.isEnabled()
    panel.strip.select_ids([photo.id])
    assert panel.void_button.isEnabled()
    prompts.queue("blurred, retaken")
    panel.void_button.click()
    assert services.photos.photos_of(p.id) == [] and panel.strip.model.rowCount() == 0
    out = tmp_path / "progress.pdf"
    prompts.queue(str(out))
    panel.set_patient(p.id)
    assert not panel.progress_button.isEnabled()  # nothing left to show
    panel.save_progress_sheet()
    assert out.exists() and out.read_bytes()[:4] == b"%PDF"
