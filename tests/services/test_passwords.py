"""Password rules (NIST SP 800-63B): length, the shipped list of common and breached passwords, easy
patterns, the user's and the clinic's names; no composition rules. Enforced by the services."""

from __future__ import annotations

import pytest

from clinicrec.domain.enums import Role
from clinicrec.domain.errors import ValidationError
from clinicrec.domain.models import User
from clinicrec.services.passwords import assess, check_password
from tests.conftest import PASSWORD, World

EASY = [
    "aaaaaaaaaa",
    " " * 10,
    "password12",
    "1234567890",
    "0987654321",
    "abcdefghij",
    "qwertyuiop",
    "Password123!",
    "iloveyou12",
    "abcabcabca",
]
GOOD = [
    "correct horse battery",
    "tulip river moon",
    "bluehouse77",
    "all lower case words here",  # no composition rules: no capital, digit or symbol needed
    "ça va très bien, merci",
    "Tr0ub4dor&3x",
]


@pytest.mark.parametrize("password", EASY)
def test_easy_passwords_are_refused_with_the_reason(password: str) -> None:
    with pytest.raises(ValidationError) as e:
        check_password(password, "nina", "Nina Nurse", "Test Clinic")
    assert e.value.fields == {"password"}
    assert "too easy to guess" in str(e.value)


@pytest.mark.parametrize("password", GOOD)
def test_long_unpredictable_passwords_are_accepted_without_composition_rules(password: str) -> None:
    check_password(password, "nina", "Nina Nurse", "Test Clinic")
    assert assess(password).acceptable


def test_length_is_counted_in_characters_spaces_included() -> None:
    with pytest.raises(ValidationError, match=r"at least 10 characters \(9 given\)"):
        check_password("tulip riv")
    with pytest.raises(ValidationError, match="at most 256"):
        check_password("tulip river " * 30)
    assert assess("tulip riv").label == "Too short"


def test_a_password_from_the_shipped_list_is_refused_whatever_its_case() -> None:
    for password in ("sunshine12", "SUNSHINE12", "baseball22"):
        assert assess(password).label == "Too easy to guess"
    assert "most common passwords" in assess("1234567890").advice


@pytest.mark.parametrize(
    "password",
    ["NinaNurse2026", "nina.nurse!!", "nurse-nina-99", "Test Clinic 2026", "testclinic!!", "nina_12345_"],
)
def test_a_password_made_of_the_users_or_the_clinics_name_is_refused(password: str) -> None:
    with pytest.raises(ValidationError, match="your name or the clinic's name"):
        check_password(password, "nina", "Nina Nurse", "Test Clinic")


def test_a_name_inside_a_longer_passphrase_is_fine() -> None:
    check_password("nina grows purple tomatoes", "nina", "Nina Nurse", "Test Clinic")


def test_the_hint_grades_as_the_user_types() -> None:
    grades = [assess(p, "nina").label for p in ("tulip", "tulipriver", "aaaaaaaaaaaa", "tulip river moon")]
    assert grades == ["Too short", "Fair", "Too easy to guess", "Strong"]


# -- enforced by the services ---------------------------------------------------------------------
def test_every_way_to_set_a_password_applies_the_rules(world: World) -> None:
    svc = world.as_(world.admin)
    for password in ("aaaaaaaaaa", " " * 10, "password12", "1234567890"):
        with pytest.raises(ValidationError) as e:
            svc.auth.create_user(User("pat", "Pat Injector", "RN", Role.INJECTOR), password)
        assert e.value.fields == {"password"}
        with pytest.raises(ValidationError):
            svc.auth.reset_password(world.injector.user_id, password)
    with pytest.raises(ValidationError, match="your name"):
        svc.auth.create_user(User("pat", "Pat Injector", "RN", Role.INJECTOR), "patinjector1")
    with pytest.raises(ValidationError, match="your name"):
        svc.auth.reset_password(world.injector.user_id, "Nina Nurse 2026")  # the target's name
    with pytest.raises(ValidationError, match="clinic's name"):
        svc.auth.reset_password(world.injector.user_id, "testclinic2026")
    svc.auth.sign_in("nurse", PASSWORD)
    with pytest.raises(ValidationError, match="too easy"):
        svc.auth.change_own_password(PASSWORD, "password12")
    with pytest.raises(ValidationError, match="clinic's name"):
        svc.auth.change_own_password(PASSWORD, "Test-Clinic-2026")
    svc.auth.change_own_password(PASSWORD, "nina grows purple tomatoes")


def test_the_first_administrator_may_not_use_the_clinic_being_set_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.services.app import open_services

    svc = open_services(f"sqlite:///{tmp_path / 'new.sqlite3'}", create=True)
    try:
        with pytest.raises(ValidationError, match="clinic's name"):
            svc.auth.create_first_admin(
                User("boss", "Bo Boss", "", Role.ADMIN), "Glow Skin Clinic 1", clinic_name="Glow Skin Clinic"
            )
        assert not svc.auth.has_users()
        svc.auth.create_first_admin(User("boss", "Bo Boss", "", Role.ADMIN), PASSWORD, "Glow Skin Clinic")
    finally:
        svc.db.dispose()
