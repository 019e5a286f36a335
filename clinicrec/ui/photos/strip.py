"""The photo strip: a patient's (or a session's) photos as thumbnails, grouped by time point and view.

Only the stored thumbnails are shown (one query for all of them), so a patient with hundreds of photos
opens at once. Select two or four and press Compare; drop image files on the strip to import them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractListModel,
    QBuffer,
    QByteArray,
    QIODevice,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ClinicRecError
from ...domain.photos import PHOTO_TIME_POINTS, Photo, PhotoView
from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ..changes import ChangeBus
from ..date_format import date_text, wall_clock_text
from ..style import set_role
from ..worker import Worker

Index = QModelIndex | QPersistentModelIndex
ICON_PX = 112
PHOTO_ROLE = Qt.ItemDataRole.UserRole + 1
GROUP_ROLE = Qt.ItemDataRole.UserRole + 2
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif")
_TP_ORDER = {tp: i for i, tp in enumerate(PHOTO_TIME_POINTS)}
_VIEW_ORDER = {v: i for i, v in enumerate(PhotoView)}


def group_of(photo: Photo) -> str:
    return f"{photo.time_point_label} · {photo.view_label}"


def _order(photo: Photo) -> tuple[Any, ...]:
    other = photo.other_date.toordinal() if photo.other_date else 0
    return (_TP_ORDER.get(photo.time_point, 99), other, _VIEW_ORDER[photo.view], photo.taken_at, photo.id)


@dataclass
class StripItem:
    photo: Photo
    thumbnail: bytes
    first_of_group: bool
    _icon: QIcon | None = None

    @property
    def icon(self) -> QIcon:
        """Decoded when first shown (a long strip decodes only what scrolls into view), at icon size."""
        if self._icon is None:
            buffer = QBuffer()
            buffer.setData(QByteArray(self.thumbnail))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            reader = QImageReader(buffer)
            size = reader.size()
            scale = min(1.0, ICON_PX / max(size.width(), size.height(), 1))
            reader.setScaledSize(QSize(round(size.width() * scale), round(size.height() * scale)))
            self._icon = QIcon(QPixmap.fromImage(reader.read()))
        return self._icon


class PhotoStripModel(QAbstractListModel):
    """The photos in group order (time point, then view); each shows its thumbnail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[StripItem] = []

    def set_photos(self, photos: list[Photo], thumbnails: dict[int, bytes]) -> None:
        self.beginResetModel()
        self.items = []
        last = None
        for p in sorted(photos, key=_order):
            self.items.append(StripItem(p, thumbnails.get(p.id, b""), group_of(p) != last))
            last = group_of(p)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        p = item.photo
        if role == Qt.ItemDataRole.DisplayRole:
            # The time point and the view each on a line of their own: "Baseline · Oblique right 45°"
            # wrapped over three lines in a cell and its date was cut off ("45°…").
            head = f"{p.time_point_label}\n{p.view_label}" if item.first_of_group else p.view_label
            return f"{head}\n{date_text(p.taken_at)}" + (" · VOID" if p.voided else "")
        if role == Qt.ItemDataRole.DecorationRole:
            return item.icon
        if role == Qt.ItemDataRole.ToolTipRole:
            extra = f"\nVoid: {p.void_reason}" if p.voided else ""
            taken = wall_clock_text(p.taken_at)
            return f"{group_of(p)}\nTaken {taken} UTC by {p.taken_by}\n{p.device}{extra}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{group_of(p)}, {date_text(p.taken_at)}"
        if role == PHOTO_ROLE:
            return p
        if role == GROUP_ROLE:
            return group_of(p)
        return None


class PhotoStrip(QWidget):
    """Thumbnails of one patient's photos (optionally one session's), with Compare and Import."""

    sig_compare_requested = Signal(list)  # [photo ids]: two or four
    sig_import_requested = Signal(list)  # [paths] dropped or chosen ([] = choose files)
    sig_load_failed = Signal(str)
    sig_loaded = Signal()  # the photos shown are the patient's (or session's) as just read

    def __init__(
        self,
        services: Services,
        bus: ChangeBus | None = None,
        parent: QWidget | None = None,
        *,
        reader: Worker | None = None,
    ) -> None:
        """``reader``: read the photos and thumbnails on it (the application's worker), not on the GUI
        thread (20 ms of the window's time when a patient's chart opened)."""
        super().__init__(parent)
        self._services = services
        self._reader = reader
        self._reads = 0  # only the newest read is shown
        self._shown_for: tuple[int | None, int | None] = (None, None)  # whose photos are shown
        self.patient_id: int | None = None
        self.session_id: int | None = None
        self.model = PhotoStripModel(self)
        self.setObjectName("photo_strip")
        self.setAcceptDrops(True)
        self._build_ui()
        self._connect_signals()
        if bus is not None:
            bus.sig_changed.connect(self._on_change)

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(set_role(QLabel("Photos", self), "subheading"))
        self.count_label = set_role(QLabel(self), "muted")
        self.count_label.setObjectName("photo_count")
        head.addWidget(self.count_label)
        head.addStretch(1)
        self.import_button = QPushButton("Add photos…", self)
        self.import_button.setObjectName("photo_import_button")
        self.import_button.setAccessibleName("Add photos from files")
        self.import_button.setToolTip("Import JPEG, PNG, TIFF or HEIC files (or drop them on the strip)")
        self.compare_button = QPushButton("Compare", self)
        self.compare_button.setObjectName("photo_compare_button")
        self.compare_button.setAccessibleName("Compare the selected photos")
        self.compare_button.setToolTip("Select two or four photos, then compare them side by side")
        head.addWidget(self.import_button)
        head.addWidget(self.compare_button)
        layout.addLayout(head)
        self.view = QListView(self)
        self.view.setObjectName("photo_strip_view")
        self.view.setAccessibleName("Photo thumbnails")
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(False)
        self.view.setIconSize(QSize(ICON_PX, ICON_PX))
        self.view.setGridSize(QSize(150, 160))
        self.view.setUniformItemSizes(True)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setFixedHeight(180)
        self.view.setWordWrap(True)
        layout.addWidget(self.view)
        self.empty_label = set_role(
            QLabel("No photos yet. Add photos, or drop image files here.", self), "muted"
        )
        self.empty_label.setObjectName("photo_strip_empty")
        layout.addWidget(self.empty_label)

    def _connect_signals(self) -> None:
        self.compare_button.clicked.connect(self._compare)
        self.import_button.clicked.connect(lambda: self.sig_import_requested.emit([]))
        self.view.selectionModel().selectionChanged.connect(self._update_actions)

    # -- content ------------------------------------------------------------------------------------
    def set_patient(self, patient_id: int | None, session_id: int | None = None) -> None:
        self.patient_id, self.session_id = patient_id, session_id
        self.reload()

    def reload(self) -> None:
        self._reads += 1
        seq, patient_id, session_id = self._reads, self.patient_id, self.session_id
        if patient_id is None or self._services.actor is None:
            self._show([], {})
            return
        services = self._services

        def read() -> tuple[list[Photo], dict[int, bytes]]:
            # The service reached here, on the worker: its first use imports the imaging code (Pillow),
            # 22 ms that fell on the GUI thread as the first chart opened.
            photos_service = services.photos
            photos = photos_service.photos_of(patient_id, include_void=True)
            if session_id is not None:
                photos = [p for p in photos if p.session_id == session_id]
            return photos, photos_service.thumbnails([p.id for p in photos])

        def failed(error: Exception) -> None:
            if not isinstance(error, ClinicRecError):
                raise error  # the exception hook shows it
            if seq == self._reads and shiboken6.isValid(self):
                self.sig_load_failed.emit(str(error))
                self._show([], {})

        if self._reader is None:
            try:
                result = read()
            except ClinicRecError as e:
                failed(e)
                return
            self._show(*result)
            return
        if self._shown_for != (patient_id, session_id):
            # Another patient's (or session's) photos are never shown, or selectable, while this read
            # is on its way: the strip stays blank until it arrives.
            self.model.set_photos([], {})
            self.count_label.setText("")
            self.empty_label.setVisible(False)
            self.view.setVisible(False)
            self._update_actions()
        self._reader.run(
            read, lambda r: self._show(*r) if seq == self._reads and shiboken6.isValid(self) else None, failed
        )

    def _show(self, photos: list[Photo], thumbs: dict[int, bytes]) -> None:
        self._shown_for = (self.patient_id, self.session_id)
        self.model.set_photos(photos, thumbs)
        n = len(photos)
        self.count_label.setText(f"{n} photo{'s' if n != 1 else ''}" if n else "")
        self.empty_label.setVisible(n == 0)
        self.view.setVisible(n > 0)
        self._update_actions()
        self.sig_loaded.emit()

    def _on_change(self, change: Change) -> None:
        if change.entity == ChangeEntity.PHOTO and change.patient_id == self.patient_id:
            self.reload()

    # -- selection and actions -------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.items[r].photo.id for r in rows]

    def select_ids(self, ids: list[int]) -> None:
        sel = self.view.selectionModel()
        sel.clearSelection()
        for row, item in enumerate(self.model.items):
            if item.photo.id in ids:
                sel.select(self.model.index(row, 0), sel.SelectionFlag.Select)

    def _update_actions(self) -> None:
        self.compare_button.setEnabled(len(self.selected_ids()) in (2, 4))
        self.import_button.setEnabled(self.patient_id is not None)

    def _compare(self) -> None:
        ids = self.selected_ids()
        if len(ids) in (2, 4):
            self.sig_compare_requested.emit(ids)

    # -- drag and drop ---------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.patient_id is not None and dropped_images(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = dropped_images(event.mimeData().urls())
        if files and self.patient_id is not None:
            event.acceptProposedAction()
            self.sig_import_requested.emit(files)


def dropped_images(urls: list[Any]) -> list[Path]:
    out = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
    return [p for p in out if p.suffix.lower() in IMAGE_SUFFIXES]
