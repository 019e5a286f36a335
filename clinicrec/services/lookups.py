"""Finding a product or a user by what a person types on the command line: an id, a brand, a name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from ..db.models import ProductRow, UserRow
from ..domain.errors import NotFoundError
from .base import ServiceBase

MAX_ID = 2**63 - 1


class LookupService(ServiceBase):
    def product_id(self, text: str) -> int:
        """A product by id or brand (any case)."""
        self.actor()
        return self._one(ProductRow, text, ProductRow.brand, what="product")

    def user_id(self, text: str) -> int:
        """A user by id, user name or full name (any case)."""
        self.actor()
        return self._one(UserRow, text, UserRow.username, UserRow.full_name, what="user")

    def _one(self, model: Any, text: str, *columns: Any, what: str) -> int:
        wanted = text.strip()
        with self.reading() as s:
            if wanted.isdigit() and int(wanted) <= MAX_ID and s.get(model, int(wanted)) is not None:
                return int(wanted)
            found = s.execute(
                select(model.id).where(or_(*[func.lower(c) == wanted.lower() for c in columns]))
            )
            ids = found.scalars().all()
        if len(ids) != 1:
            raise NotFoundError(f"no single {what} matches {text!r}" if ids else f"nothing called {text!r}")
        return int(ids[0])
