"""The wheel must carry every package of the tree and the shipped resources."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set(find_packages(str(ROOT), include=["clinicrec", "clinicrec.*"]))
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"


def test_resources_reachable_through_the_package() -> None:
    from clinicrec.paths import resource

    assert resource("fonts", "DejaVuSans.ttf").is_file()
    assert resource("handouts", "aftercare.txt").is_file()
