"""Vial barcodes: what a keyboard-wedge scanner types when it reads a carton's GS1 code.

DOMAIN.md, "Vial barcodes (GS1)". A carton's DataMatrix holds application identifiers (AIs):
``(01)`` the GTIN (14 digits with a check digit), ``(17)`` the expiry as YYMMDD (day ``00`` means
the last day of the month), ``(10)`` the lot (up to 20 characters, ended by the group separator,
ASCII 29, or by the end of the data) and often ``(21)`` a serial number. A scanner may start the
text with a symbology identifier (``]d2`` DataMatrix, ``]C1`` GS1-128, ``]Q3`` QR, ``]e0`` DataBar);
people copying a label type the human-readable form with parentheses.

Splitting the text into AIs follows GS1's table of fixed and variable lengths, which the ``biip``
library keeps up to date; the checks a nurse must trust (check digit, a real date, a lot present)
are done here, each failure naming what is wrong in the words printed on the carton.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .errors import ClinicRecError
from .models import Product

GROUP_SEPARATOR = "\x1d"
_AI_NAMES = {"01": "product number (01) GTIN", "17": "expiry date (17)", "10": "lot (10)"}
_SYMBOLOGY = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# Raw element strings start with the GTIN and then the expiry or lot; a plain lot number never does.
_BAD_DATE = re.compile(r"Failed to match '17(\d{6})")
_RAW_START = re.compile(r"(?:01|02)\d{14}(?:1[01357]\d{6}|10|21)")


class BarcodeError(ClinicRecError, ValueError):
    """A scanned code cannot fill the vial: the message says what is wrong with it."""


@dataclass(frozen=True)
class VialBarcode:
    """What a carton's code says about the vial inside."""

    gtin: str
    lot_number: str
    expiry_date: date
    serial_number: str | None = None


def looks_like_gs1(text: str) -> bool:
    """True when ``text`` is a scan rather than a typed lot number.

    A scan starts with a symbology identifier, holds a group separator, is written with ``(01)``, or
    starts with a GTIN followed by another AI; a lot number typed by hand does none of these.
    """
    body = text.strip(" \r\n\t")
    return bool(
        _SYMBOLOGY.match(body)
        or GROUP_SEPARATOR in body
        or body.startswith("(01)")
        or body.startswith("(17)")
        or _RAW_START.match(body)
    )


def gs1_check_digit(digits: str) -> int:
    """GS1's mod-10 check digit of ``digits`` (weights 3, 1, 3, ... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def gtin_check_digit_error(gtin: str) -> str | None:
    """None for a valid 14-digit GTIN; otherwise what is wrong with it."""
    if len(gtin) != 14 or not gtin.isdigit():
        return f"the product number (01) must be 14 digits, not {gtin!r}"
    expected = gs1_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        return (
            f"the product number (01) {gtin} has a wrong check digit ({gtin[-1]}; it should be "
            f"{expected}): the code was misread or mistyped, scan it again"
        )
    return None


def expiry_from_yymmdd(value: str, *, today: date | None = None) -> date:
    """The date of a GS1 ``YYMMDD`` (AI 17); day ``00`` is the last day of the month.

    The century follows GS1's rule (General Specifications 7.12): a year 51 or more years ahead belongs
    to the last century, one 50 or more years back to the next, otherwise the current one.
    """
    if len(value) != 6 or not value.isdigit():
        raise BarcodeError(f"the expiry date (17) must be 6 digits YYMMDD, not {value!r}")
    yy, month, day = int(value[:2]), int(value[2:4]), int(value[4:])
    this_year = (today or date.today()).year
    century = this_year // 100 * 100
    year = century + yy
    if year - this_year >= 51:
        year -= 100
    elif year - this_year <= -50:
        year += 100
    if not 1 <= month <= 12:
        raise BarcodeError(f"the expiry date (17) {value} has month {month:02d}: months run 01 to 12")
    last = calendar.monthrange(year, month)[1]
    if day == 0:
        return date(year, month, last)
    if day > last:
        raise BarcodeError(
            f"the expiry date (17) {value} is not a real date: "
            f"{calendar.month_name[month]} {year} has {last} days"
        )
    return date(year, month, day)


def read_elements(text: str) -> dict[str, str]:
    """The AIs of a scanned GS1 code, e.g. ``{"01": "0036...", "17": "270630", "10": "B4655A"}``."""
    # Loaded here: biip takes ~80 ms to import, and validation (loaded at start-up) imports this module.
    from biip import ParseConfig, ParseError
    from biip.gs1_messages import GS1Message
    from biip.symbology import SymbologyIdentifier

    body = text.strip(" \r\n\t")
    if _SYMBOLOGY.match(body):
        symbology = SymbologyIdentifier.extract(body)
        if symbology.gs1_symbology is None:
            raise BarcodeError(
                f"the scanner read a code of type {symbology.value} that holds no GS1 data; "
                "scan the carton's GS1 DataMatrix code"
            )
        body = body[len(symbology.value) :]
    body = body.lstrip(GROUP_SEPARATOR)  # a leading FNC1 sent as a separator
    if not body:
        raise BarcodeError("the scanned code is empty")
    config = ParseConfig(gs1_element_strings_verify_date=False, separator_chars=[GROUP_SEPARATOR])
    try:
        message = (
            GS1Message.parse_hri(body, config=config)
            if body.startswith("(")
            else GS1Message.parse(body, config=config)
        )
    except ParseError as exc:
        # biip's date pattern refuses month 13 before we see it: give the date's own message.
        bad_date = _BAD_DATE.search(str(exc))
        if bad_date:
            expiry_from_yymmdd(bad_date.group(1))
        raise BarcodeError(f"the scanned code is not a GS1 code ClinicRec can read ({exc})") from exc
    elements: dict[str, str] = {}
    for element in message.element_strings:
        if element.ai.ai in elements:
            raise BarcodeError(f"the scanned code holds AI ({element.ai.ai}) twice")
        elements[element.ai.ai] = element.value
    return elements


def read_vial_barcode(text: str, *, today: date | None = None) -> VialBarcode:
    """The GTIN, lot and expiry of a scanned carton code, or ``BarcodeError`` saying what is wrong."""
    elements = read_elements(text)
    missing = [name for ai, name in _AI_NAMES.items() if not elements.get(ai)]
    if missing:
        found = ", ".join(f"({ai})" for ai in elements) or "nothing"
        raise BarcodeError(
            "the scanned code has no " + " and no ".join(missing) + f" (it holds {found}); "
            "scan the carton's DataMatrix code, which holds all three"
        )
    gtin = elements["01"]
    problem = gtin_check_digit_error(gtin)
    if problem:
        raise BarcodeError(problem)
    return VialBarcode(
        gtin=gtin,
        lot_number=elements["10"],
        expiry_date=expiry_from_yymmdd(elements["17"], today=today),
        serial_number=elements.get("21"),
    )


def normalise_gtin(text: str) -> str:
    """A GTIN-8/12/13/14 as the 14 digits a GS1 code carries (zero-padded), check digit verified.

    Raises ``BarcodeError`` naming what is wrong.
    """
    digits = text.strip().replace(" ", "").replace("-", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise BarcodeError(f"a GTIN has 8, 12, 13 or 14 digits, not {text!r}")
    gtin = digits.zfill(14)
    problem = gtin_check_digit_error(gtin)
    if problem:
        raise BarcodeError(problem.replace("product number (01)", "GTIN"))
    return gtin


def product_for_gtin(gtin: str, products: Iterable[Product]) -> Product | None:
    """The catalogue product whose carton carries ``gtin``; None if the clinic has not listed it."""
    matches = [p for p in products if gtin in p.gtins]
    return matches[0] if len(matches) == 1 else None
