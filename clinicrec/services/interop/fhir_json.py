"""Compact JSON for the export, with pre-encoded fragments spliced in.

A session's injection points are most of a clinic's data; encoding each point as a template string
instead of nested dicts keeps the whole-clinic export within a few times of writing the rows plainly.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

_PLACEHOLDER = f"clinicrec-raw-{uuid.uuid4().hex}"  # unguessable, so no recorded text can look like it


class RawJson:
    """JSON text placed as is where this object stands in a resource."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(resource: dict[str, Any]) -> str:
    raws: list[str] = []

    def default(value: object) -> str:
        if isinstance(value, RawJson):
            raws.append(value.text)
            return _PLACEHOLDER
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(resource, ensure_ascii=False, separators=(",", ":"), default=default)
    for raw in raws:
        text = text.replace(f'"{_PLACEHOLDER}"', raw, 1)
    return text


def loads_raw(value: Any) -> Any:
    """A resource with its RawJson fragments decoded (for callers that want plain dicts)."""
    return json.loads(dumps(value))


def number(value: float) -> str:
    """A JSON number as ``json`` writes it; whole numbers without '.0' (as codes.quantity does)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)
