"""``clinicrec fhir export`` and ``clinicrec import patients`` on a real database file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from clinicrec import cli
from tests.conftest import PASSWORD, World

from .conftest import Charted


@pytest.fixture
def main(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``clinicrec`` in-process, signed in as ``--user`` with the password on standard input."""

    def run(argv: list[str]) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
        return cli.main([*argv, "--password-stdin"])

    return run


def test_fhir_export_bundle_and_ndjson(
    charted: Charted, tmp_path: Path, capsys: pytest.CaptureFixture[str], main
) -> None:
    db = str(charted.world.path)
    out = tmp_path / "patient.json"
    args = ["--db", db, "--user", "manager", "fhir", "export"]
    assert main([*args, "--patient", str(charted.patient.id), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["resourceType"] == "Bundle"
    assert "1 Procedure" in capsys.readouterr().out
    assert main([*args, "--format", "ndjson", "-o", str(tmp_path / "bulk")]) == 0
    assert (tmp_path / "bulk" / "Patient.ndjson").is_file()
    assert main(["--db", db, "--user", "nurse", "fhir", "export", "-o", str(tmp_path / "x.json")]) == 2
    assert "may not export" in capsys.readouterr().err


def test_import_patients_dry_run_then_import(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], main
) -> None:
    db = str(world.path)
    csv_file = tmp_path / "old-system.csv"
    csv_file.write_bytes(
        "Nom;Prénom;Né le;Dossier\nDupont;Élise;31/12/1980;P-1\nMartin;Luc;01/02/1979;\n".encode("cp1252")
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"last_name": "Nom", "first_name": "Prénom", "date_of_birth": "Né le",
                                   "chart_number": "Dossier"}))  # fmt: skip
    base = ["--db", db, "--user", "admin", "import", "patients", str(csv_file), "--map", str(mapping)]
    assert main([*base, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Day first: row 1" in out and "Would import 2 patients" in out
    world.as_(world.admin)
    assert world.services.patients.count() == 0
    assert main(base) == 0
    assert "Imported 2 patients" in capsys.readouterr().out
    assert world.services.patients.count("dupont") == 1
    # Each imported patient has its own creation entry: the trail proves them like patients typed in.
    result = world.services.audit_log.verify_chain()
    assert result.ok, [p.message for p in result.problems]
    assert result.records_checked >= 2


def test_import_refuses_ambiguous_dates_and_writes_rejects(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], main
) -> None:
    db = str(world.path)
    csv_file = tmp_path / "p.csv"
    csv_file.write_text("first,last,dob,email\nAnn,Lee,03/04/1980,\nBo,Li,05/06/1981,bad\n")
    base = ["--db", db, "--user", "admin", "import", "patients", str(csv_file)]
    assert main(base) == 2
    assert "Choose the file's date order" in capsys.readouterr().err
    assert main([*base, "--date-order", "dmy"]) == 2
    captured = capsys.readouterr()
    assert "row 2 (line 3), email" in captured.out and "1 rows were rejected" in captured.err
    assert (tmp_path / "p.rejects.csv").read_text(encoding="utf-8-sig").startswith("row,line,field,reason")
    world.as_(world.admin)
    assert world.services.patients.count() == 0
    assert main([*base, "--date-order", "dmy", "--accept-rejects"]) == 0
    assert world.services.patients.count() == 1
