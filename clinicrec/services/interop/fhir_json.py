"""Compact JSON for the export, with pre-encoded fragments spliced in (orjson).

A session's injection points are most of a clinic's data; encoding each point from a template string
(``RawJson``) instead of nested dicts, and the resources with orjson, keeps the whole-clinic export
within a few times of writing the rows plainly.
"""

from __future__ import annotations

from typing import Any

import orjson

#: JSON text placed as is where this object stands in a resource.
RawJson = orjson.Fragment


def dumps(resource: dict[str, Any]) -> bytes:
    """UTF-8 JSON, no spaces (numbers as repr() writes them: a finite float round-trips exactly)."""
    return orjson.dumps(resource)
