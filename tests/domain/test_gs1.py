"""GS1 vial barcodes as a keyboard-wedge scanner types them (DOMAIN.md, "Vial barcodes (GS1)")."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicrec.domain.gs1 import (
    GROUP_SEPARATOR as GS,
)
from clinicrec.domain.gs1 import (
    BarcodeError,
    expiry_from_yymmdd,
    looks_like_gs1,
    normalise_gtin,
    product_for_gtin,
    read_elements,
    read_vial_barcode,
)
from clinicrec.domain.models import Product

TODAY = date(2026, 12, 3)


def with_check_digit(first13: str) -> str:
    """The GS1 mod-10 check digit computed the long way (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(first13)))
    return first13 + str((10 - total % 10) % 10)


GTIN = with_check_digit("0036123456789")  # 00361234567890
WRONG_CHECK = GTIN[:-1] + str((int(GTIN[-1]) + 3) % 10)


def test_the_gtin_used_below_is_valid_by_the_published_algorithm() -> None:
    assert GTIN == "00361234567890"
    assert normalise_gtin(GTIN) == GTIN


@pytest.mark.parametrize(
    "scan",
    [
        # DataMatrix with its symbology prefix: 01 and 17 are fixed length, the lot ends with GS.
        f"]d201{GTIN}17270630" + f"10B4655A{GS}21SN0001",
        # GS1-128 and GS1 QR prefixes; lot last, ended by the end of the data.
        f"]C101{GTIN}17270630" + f"21SN0001{GS}10B4655A",
        f"]Q301{GTIN}17270630" + f"21SN0001{GS}10B4655A",
        # A scanner set to send FNC1 in first position as a group separator, plus Enter.
        f"{GS}01{GTIN}1727063010B4655A{GS}21SN0001\r\n",
        # No prefix at all.
        f"01{GTIN}1727063010B4655A{GS}21SN0001",
        # The human-readable line under the code, typed or pasted.
        f"(01){GTIN}(17)270630(10)B4655A(21)SN0001",
    ],
)
def test_real_scans_give_gtin_lot_expiry_and_serial(scan: str) -> None:
    vial = read_vial_barcode(scan, today=TODAY)
    assert vial.gtin == GTIN
    assert vial.lot_number == "B4655A"
    assert vial.expiry_date == date(2027, 6, 30)
    assert vial.serial_number == "SN0001"
    assert looks_like_gs1(scan)


def test_the_lot_runs_to_the_end_of_the_data_without_a_separator() -> None:
    vial = read_vial_barcode(f"]d201{GTIN}1728022910LOT-7/X", today=TODAY)
    assert vial.lot_number == "LOT-7/X"
    assert vial.serial_number is None
    assert vial.expiry_date == date(2028, 2, 29)  # a leap year


def test_day_00_means_the_last_day_of_the_month() -> None:
    assert read_vial_barcode(f"]d201{GTIN}1727060010B1", today=TODAY).expiry_date == date(2027, 6, 30)
    assert expiry_from_yymmdd("270200", today=TODAY) == date(2027, 2, 28)
    assert expiry_from_yymmdd("280200", today=TODAY) == date(2028, 2, 29)
    assert expiry_from_yymmdd("261200", today=TODAY) == date(2026, 12, 31)


def test_the_century_follows_gs1s_rule() -> None:
    assert expiry_from_yymmdd("991231", today=TODAY) == date(1999, 12, 31)  # 73 years ahead: past
    assert expiry_from_yymmdd("760101", today=TODAY) == date(2076, 1, 1)  # 50 ahead: this century
    assert expiry_from_yymmdd("770101", today=TODAY) == date(1977, 1, 1)  # 51 ahead: last century


def test_a_wrong_check_digit_is_refused_naming_the_gtin() -> None:
    with pytest.raises(BarcodeError, match=rf"product number \(01\) {WRONG_CHECK} has a wrong check digit"):
        read_vial_barcode(f"]d201{WRONG_CHECK}1727063010B4655A", today=TODAY)


@pytest.mark.parametrize(
    ("yymmdd", "what"),
    [
        ("270631", "June 2027 has 30 days"),
        ("270230", "February 2027 has 28 days"),
        ("271301", "month 13: months run 01 to 12"),
        ("270001", "month 00"),
    ],
)
def test_a_date_that_does_not_exist_is_refused(yymmdd: str, what: str) -> None:
    with pytest.raises(BarcodeError, match=rf"expiry date \(17\) {yymmdd}.*{what}"):
        read_vial_barcode(f"]d201{GTIN}17{yymmdd}10B4655A", today=TODAY)


def test_a_code_without_a_lot_says_so() -> None:
    with pytest.raises(BarcodeError, match=r"no lot \(10\) \(it holds \(01\), \(17\), \(21\)\)"):
        read_vial_barcode(f"]d201{GTIN}1727063021SN0001", today=TODAY)


def test_a_gtin_alone_names_everything_missing() -> None:
    with pytest.raises(BarcodeError, match=r"no expiry date \(17\) and no lot \(10\)"):
        read_vial_barcode(f"]C101{GTIN}", today=TODAY)


def test_a_non_gs1_symbology_is_refused() -> None:
    with pytest.raises(BarcodeError, match=r"type \]d1 that holds no GS1 data"):
        read_vial_barcode("]d1HELLO", today=TODAY)


def test_garbage_is_refused_with_a_message() -> None:
    with pytest.raises(BarcodeError, match="not a GS1 code"):
        read_elements("]d2" + "01123")
    with pytest.raises(BarcodeError, match="empty"):
        read_elements("]d2\x1d")


@pytest.mark.parametrize("lot", ["B4655A", "C3712", "24H017", "0123", "AB-12/3"])
def test_typed_lot_numbers_are_not_taken_for_scans(lot: str) -> None:
    assert not looks_like_gs1(lot)


def test_normalise_gtin_pads_and_checks() -> None:
    assert normalise_gtin("361234567890") == "00361234567890"  # UPC-A (12 digits)
    with pytest.raises(BarcodeError, match="wrong check digit"):
        normalise_gtin("361234567891")
    with pytest.raises(BarcodeError, match="8, 12, 13 or 14 digits"):
        normalise_gtin("12345")


def test_product_for_gtin_finds_the_listed_product_only() -> None:
    botox = Product("Botox Cosmetic", "onabotulinumtoxinA", (100,), 24, gtins=(GTIN,), id=1)
    xeomin = Product("Xeomin", "incobotulinumtoxinA", (100,), 24, id=2)
    assert product_for_gtin(GTIN, [xeomin, botox]) is botox
    assert product_for_gtin(with_check_digit("0036123456780"), [xeomin, botox]) is None


@given(
    body=st.text(alphabet="0123456789", min_size=13, max_size=13),
    lot=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20),
    yy=st.integers(0, 99),
    mm=st.integers(1, 12),
    dd=st.integers(0, 28),
)
def test_any_well_formed_scan_reads_back_exactly(body: str, lot: str, yy: int, mm: int, dd: int) -> None:
    gtin = with_check_digit(body)
    vial = read_vial_barcode(f"]d201{gtin}17{yy:02d}{mm:02d}{dd:02d}10{lot}{GS}21X9", today=TODAY)
    assert (vial.gtin, vial.lot_number, vial.serial_number) == (gtin, lot, "X9")
    assert vial.expiry_date.month == mm and vial.expiry_date.year % 100 == yy
