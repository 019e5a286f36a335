"""Before and after photos (issue 15): consent, storage, import, verification, export.

``PhotoService`` is loaded when first asked for: start-up imports ``photos.backups`` (through the
maintenance service) and should not load Pillow and the image code with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .service import PhotoService

__all__ = ["PhotoService"]


def __getattr__(name: str) -> Any:
    if name == "PhotoService":
        from .service import PhotoService

        return PhotoService
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
