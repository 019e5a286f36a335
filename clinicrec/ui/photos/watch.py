"""The watched import folder: where a tethered camera or a phone drops its files on this workstation.

New image files are *offered* for the patient whose session is open (the session window's photo panel
shows "N new photos in the import folder" with a button to add them through the import dialog); nothing
is ever filed by itself. Files already in the folder when watching starts are not offered.

The folder is a setting of this workstation (the camera is tethered to it), kept with QSettings; it
holds no clinical data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QSettings, Signal

from .strip import IMAGE_SUFFIXES

SETTING = "photos/import_folder"


def saved_folder(settings: QSettings | None = None) -> Path | None:
    value = (settings or QSettings("ClinicRec", "ClinicRec")).value(SETTING, "")
    return Path(str(value)) if value else None


def save_folder(folder: Path | None, settings: QSettings | None = None) -> None:
    (settings or QSettings("ClinicRec", "ClinicRec")).setValue(SETTING, str(folder) if folder else "")


class ImportFolderWatcher(QObject):
    sig_new_files = Signal(list)  # [Path]: image files that appeared since watching began (or last taken)

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self._seen: set[Path] = set(self._images())
        self.waiting: list[Path] = []
        self._watcher = QFileSystemWatcher([str(folder)], self) if folder.is_dir() else None
        if self._watcher is not None:
            self._watcher.directoryChanged.connect(lambda _path: self.scan())

    def _images(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)

    def scan(self) -> list[Path]:
        """Look for new files now (the folder's change signal calls this)."""
        new = [p for p in self._images() if p not in self._seen and not p.name.startswith(".")]
        if new:
            self._seen.update(new)
            self.waiting += new
            self.sig_new_files.emit(list(self.waiting))
        return new

    def take(self) -> list[Path]:
        """The waiting files, handed over to be offered; they are not offered again."""
        out, self.waiting = self.waiting, []
        return out
