"""``clinicrec audit verify`` compares the reports' derived tables with the clinical rows: a derived row
changed behind the application (here with plain sqlite3) is reported, naming the table and the first
differing key, and ``clinicrec migrate --rebuild-reports`` puts it right."""

from __future__ import annotations

import sqlite3

from tests.cli.conftest import Cli


def _tamper(cli: Cli, statement: str) -> None:
    conn = sqlite3.connect(cli.db)
    try:
        with conn:
            assert conn.execute(statement).rowcount == 1
    finally:
        conn.close()


def test_verify_names_a_drifted_report_table_and_its_first_differing_key(cli: Cli) -> None:
    assert cli.as_user("admin", "audit", "verify").code == 0
    sid, zone, vial = cli.sql(
        "SELECT session_id, zone, vial_id FROM report_session_use ORDER BY session_id, zone, vial_id LIMIT 1"
    )[0]
    _tamper(
        cli,
        f"UPDATE report_session_use SET units = units + 1 "
        f"WHERE session_id = {sid} AND zone = '{zone}' AND vial_id = {vial}",
    )
    result = cli.as_user("admin", "audit", "verify")
    assert result.code == 1
    problems = [line for line in result.err.splitlines() if "report_session_use" in line]
    assert len(problems) == 1, result.err
    assert f"({sid}, '{zone}', {vial}," in problems[0], problems
    assert "report_outcomes" not in result.err  # only the table that drifted

    rebuilt = cli.as_user("admin", "migrate", "--rebuild-reports")
    assert rebuilt.code == 0, rebuilt.text
    assert "Report tables rebuilt (2 differing rows found before)" in rebuilt.out  # stale and missing
    assert cli.as_user("admin", "audit", "verify").code == 0
    assert ("admin", "update", "report_tables") in cli.audit()


def test_verify_reports_a_missing_outcome_row(cli: Cli) -> None:
    sid, tp = cli.sql("SELECT session_id, time_point FROM report_outcomes ORDER BY session_id LIMIT 1")[0]
    _tamper(cli, f"DELETE FROM report_outcomes WHERE session_id = {sid} AND time_point = '{tp}'")
    result = cli.as_user("admin", "audit", "verify")
    assert result.code == 1
    assert f"report_outcomes differs from the clinical records (first at missing ({sid}, '{tp}'" in result.err


def test_verify_names_a_drifted_day_table(cli: Cli) -> None:
    """The day-keyed sums (db/report_days.py) are compared too: one changed with plain sqlite3 is named
    with its first differing key, and only it."""
    day, injector, band, kind, key = cli.sql(
        "SELECT day, injector_id, band, gkind, gkey FROM report_day_groups "
        "ORDER BY day, injector_id, band, gkind, gkey LIMIT 1"
    )[0]
    _tamper(
        cli,
        f"UPDATE report_day_groups SET sessions = sessions + 1 WHERE day = '{day}' AND injector_id = "
        f"{injector} AND band = '{band}' AND gkind = '{kind}' AND gkey = '{key}'",
    )
    result = cli.as_user("admin", "audit", "verify")
    assert result.code == 1
    problems = [line for line in result.err.splitlines() if "report_" in line]
    assert len(problems) == 1, result.err
    assert "report_day_groups differs from the clinical records" in problems[0], problems
    assert f"('{day}', {injector}, '{band}', '{kind}', '{key}'," in problems[0], problems
    rebuilt = cli.as_user("admin", "migrate", "--rebuild-reports")
    assert rebuilt.code == 0, rebuilt.text
    assert cli.as_user("admin", "audit", "verify").code == 0
