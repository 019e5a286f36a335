"""Before and after photos (issue 15): consent, storage, import, verification, export."""

from .service import PhotoService

__all__ = ["PhotoService"]
