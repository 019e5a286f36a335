"""ClinicRec's published StructureDefinitions and CodeSystem: valid R4, current, and obeyed by the export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources import construct_fhir_element
from fhir.resources.codesystem import CodeSystem
from fhir.resources.structuredefinition import StructureDefinition

from clinicrec.services.interop.fhir_codes import CLINICREC_CS
from clinicrec.services.interop.fhir_export import ExportScope, FhirExportService
from clinicrec.services.interop.fhir_profiles import BY_URL, code_system, conformance_resources

from .conftest import Charted

DOCS = Path(__file__).resolve().parents[3] / "docs" / "fhir"


@pytest.mark.parametrize("name", sorted(conformance_resources()))
def test_published_files_are_current_and_valid(name: str) -> None:
    resource = conformance_resources()[name]
    published = json.loads((DOCS / name).read_text(encoding="utf-8"))
    assert published == resource, (
        f"regenerate: python -m clinicrec.services.interop.fhir_profiles docs/fhir ({name})"
    )
    model = StructureDefinition if resource["resourceType"] == "StructureDefinition" else CodeSystem
    model.parse_obj(resource)


def test_the_judge_rejects_what_r4_does_not_allow() -> None:
    """The validator used in these tests is strict: unknown elements and wrong types fail."""
    with pytest.raises(ValueError):
        construct_fhir_element("Procedure", {"resourceType": "Procedure", "status": "completed", "bogus": 1})
    with pytest.raises(ValueError):
        construct_fhir_element("Observation", {"resourceType": "Observation", "status": "final",
                                               "code": {"text": "x"}, "valueInteger": "four"})  # fmt: skip


def _extensions(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for e in node.get("extension", []) if isinstance(node.get("extension"), list) else []:
            if e.get("url", "").startswith("http"):
                found.append(e)
        for value in node.values():
            found += _extensions(value)
    elif isinstance(node, list):
        for item in node:
            found += _extensions(item)
    return found


def _codings(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node] if node.get("system") == CLINICREC_CS else []
        return own + [c for v in node.values() for c in _codings(v)]
    if isinstance(node, list):
        return [c for v in node for c in _codings(v)]
    return []


def test_every_exported_extension_follows_its_definition(charted: Charted, tmp_path: Path) -> None:
    world = charted.world
    world.as_(world.manager)
    path = tmp_path / "b.json"
    FhirExportService(world.services.ctx).export_bundle(path, ExportScope(patient_id=charted.patient.id))
    data = json.loads(path.read_text(encoding="utf-8"))
    seen = set()
    for ext in _extensions(data):
        definition = BY_URL[ext["url"]]  # a KeyError is an undefined extension
        seen.add(definition.id)
        if not definition.parts:
            assert f"value{definition.value_type[0].upper()}{definition.value_type[1:]}" in ext  # type: ignore[index]
            continue
        parts = {p.name: p for p in definition.parts}
        names = [x["url"] for x in ext["extension"]]
        assert set(names) <= set(parts), set(names) - set(parts)
        for p in parts.values():
            count = names.count(p.name)
            assert count >= p.min and (p.max == "*" or count <= int(p.max)), (definition.id, p.name)
        for x in ext["extension"]:
            t = parts[x["url"]].type
            assert f"value{t[0].upper()}{t[1:]}" in x
    assert seen == set(d.id for d in BY_URL.values())
    defined = {c["code"] for c in code_system()["concept"]}
    for coding in _codings(data):
        assert coding["code"] in defined
