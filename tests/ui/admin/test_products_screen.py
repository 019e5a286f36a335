"""Products screen: the catalogue, add/edit through ProductService.save, errors beside the fields."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from clinicrec.domain.models import Product
from clinicrec.ui.admin.models import products_model
from clinicrec.ui.admin.products_screen import ProductDialog, ProductsScreen, parse_vial_sizes
from tests.conftest import World

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def product(world: World, brand: str) -> Product:
    return next(p for p in world.services.products.list(include_inactive=True) if p.brand == brand)


@pytest.fixture
def screen(qtbot, world: World, prompts, bus) -> ProductsScreen:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    s = ProductsScreen(world.services, prompts, bus=bus)
    qtbot.addWidget(s)
    return s


def test_model_passes_the_model_tester(qtmodeltester, world: World) -> None:  # type: ignore[no-untyped-def]
    model = products_model()
    model.set_rows(world.services.products.list(include_inactive=True))
    qtmodeltester.check(model, force_py=True)


def test_lists_the_catalogue_readably(screen: ProductsScreen) -> None:
    m = screen.model
    rows = {
        m.data(m.index(r, 0)): [m.data(m.index(r, c)) for c in range(m.columnCount())]
        for r in range(m.rowCount())
    }
    botox = rows["Botox Cosmetic"]
    assert botox[1] == "onabotulinumtoxinA" and botox[2] == "50 U, 100 U, 200 U" and botox[3] == "24 h"
    # one format per kind of figure (issue 14): a limit in units to the clinic's precision, a vial's
    # size as the carton names it, a concentration per 0.1 mL
    assert botox[4] == "400.0 U in 3 months" and botox[6] == "Active" and botox[5] == "—"
    ready = next(r for r in rows.values() if r[5] != "—")
    assert ready[5] == "10 U/0.1 mL"


@pytest.mark.parametrize(
    ("text", "sizes"), [("50, 100", (50, 100)), ("100U", (100,)), ("50 / 100 u", (50, 100))]
)
def test_vial_sizes_parse(text: str, sizes: tuple[int, ...]) -> None:
    assert parse_vial_sizes(text) == sizes


def test_edit_a_product(qtbot, world: World, prompts, screen: ProductsScreen) -> None:  # type: ignore[no-untyped-def]
    dialog = ProductDialog(world.services, prompts, product(world, "Xeomin"))
    qtbot.addWidget(dialog)
    dialog.in_use_hours.setValue(48)
    dialog.max_dose.setValue(300)
    dialog.period.setValue(0)
    dialog.vial_sizes.setText("50, 100")
    dialog.active.setChecked(False)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = product(world, "Xeomin")
    assert (
        saved.in_use_hours,
        saved.max_dose_units,
        saved.max_dose_period_days,
        saved.vial_sizes,
        saved.active,
    ) == (48, 300, None, (50, 100), False)
    xeomin = next(r for r in range(screen.model.rowCount()) if screen.model.row_at(r).brand == "Xeomin")  # type: ignore[union-attr]
    assert screen.model.data(screen.model.index(xeomin, 6)) == "Inactive"  # the screen followed the change


def test_a_period_in_calendar_months_or_in_days(qtbot, world: World, prompts, screen: ProductsScreen) -> None:  # type: ignore[no-untyped-def]
    """The label's "3 months" is kept as calendar months; a clinic may give a period in days instead."""
    dialog = ProductDialog(world.services, prompts, product(world, "Botox Cosmetic"))
    qtbot.addWidget(dialog)
    assert (dialog.period.value(), dialog.period_unit.currentText()) == (3, "calendar months")
    assert dialog.period.maximum() == 12
    dialog.period_unit.setCurrentIndex(dialog.period_unit.findData("days"))
    assert dialog.period.maximum() == 365
    dialog.period.setValue(120)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = product(world, "Botox Cosmetic")
    assert (saved.max_dose_period_days, saved.max_dose_period_months) == (120, None)
    row = next(r for r in range(screen.model.rowCount()) if screen.model.row_at(r).brand == "Botox Cosmetic")  # type: ignore[union-attr]
    assert screen.model.data(screen.model.index(row, 4)) == "400.0 U in 120 days"

    dialog = ProductDialog(world.services, prompts, saved)
    qtbot.addWidget(dialog)
    assert (dialog.period.value(), dialog.period_unit.currentText()) == (120, "days")
    dialog.period_unit.setCurrentIndex(dialog.period_unit.findData("months"))
    dialog.period.setValue(2)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = product(world, "Botox Cosmetic")
    assert (saved.max_dose_period_days, saved.max_dose_period_months) == (None, 2)


def test_a_period_in_both_days_and_months_is_refused_by_name(world: World) -> None:
    from dataclasses import replace

    from clinicrec.domain.errors import ValidationError

    svc = world.as_(world.admin)
    botox = product(world, "Botox Cosmetic")
    with pytest.raises(ValidationError) as refused:
        svc.products.save(replace(botox, max_dose_period_days=90, max_dose_period_months=3))
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("max_dose_period_months", "Maximum-dose period: give it in days or in months, not both")
    ]
    with pytest.raises(ValidationError) as refused:
        svc.products.save(replace(botox, max_dose_period_months=13))
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("max_dose_period_months", "Maximum-dose period in months must be from 1 to 12 (got 13)")
    ]


def test_errors_appear_beside_their_fields(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = ProductDialog(world.services, prompts)
    qtbot.addWidget(dialog)
    dialog.vial_sizes.setText("50, a hundred")
    assert not dialog.save()
    assert dialog.error_for("vial_sizes").startswith("“a” is not a whole number of units")
    assert dialog.error_for("brand") and dialog.error_for("generic_name")  # reported at the same time
    dialog.brand.setText("Xeomin")
    dialog.generic_name.setText("incobotulinumtoxinA")
    dialog.vial_sizes.setText("0")
    assert not dialog.save()
    assert dialog.error_for("vial_sizes").startswith("Vial size")
    dialog.vial_sizes.setText("100")
    assert not dialog.save() and dialog.error_for("brand") == "A product named Xeomin already exists"
    dialog.brand.setText("Alluzience")
    dialog.ready.setValue(200)
    assert dialog.save()
    assert product(world, "Alluzience").ready_to_use_units_per_ml == 200


def test_screen_add_selects_the_new_product(screen: ProductsScreen, world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.ui.admin import products_screen as module

    def fake_ask(parent, services, prompts, product=None):  # type: ignore[no-untyped-def]
        return services.products.save(Product("Alluzience", "abobotulinumtoxinA", (200,), 24))

    monkeypatch.setattr(module.ProductDialog, "ask", staticmethod(fake_ask))
    screen.add_button.click()
    assert screen.selected().brand == "Alluzience"  # type: ignore[union-attr]


def test_an_injector_is_told_plainly_and_the_service_refuses(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    screen = ProductsScreen(world.services, prompts)
    qtbot.addWidget(screen)
    assert "Nina Nurse (Injector) may not manage products" in screen.banner.text()
    assert not screen.add_button.isEnabled() and not screen.edit_button.isEnabled()
    dialog = ProductDialog(world.services, prompts, product(world, "Xeomin"))
    qtbot.addWidget(dialog)
    dialog.in_use_hours.setValue(72)
    assert not dialog.save_button.isEnabled() and not dialog.save()
    assert dialog.banner.text().startswith("Not saved. Nina Nurse (Injector) may not manage products")
    assert product(world, "Xeomin").in_use_hours != 72


def test_carton_gtins_are_saved_as_14_digits_and_a_bad_one_is_named(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = ProductDialog(world.services, prompts, product(world, "Xeomin"))
    qtbot.addWidget(dialog)
    dialog.gtins.setText("361234567890, 00361234567891")
    assert not dialog.save()
    assert "00361234567891 has a wrong check digit" in dialog.error_for("gtins")
    dialog.gtins.setText("361234567890; 00361234567906")
    assert dialog.save()
    assert product(world, "Xeomin").gtins == ("00361234567890", "00361234567906")
