"""Reading patient CSVs as other systems write them.

- Encodings: a byte-order mark decides (UTF-8, UTF-16); otherwise strict UTF-8, else Windows-1252, else
  Latin-1 (which reads any byte). The encoding found is shown, and the user can name another.
- Delimiters: comma, semicolon, tab or bar, found by ``csv.Sniffer`` on the first lines (or named).
- Quoted fields may hold newlines; every record keeps the line it starts on, for messages.
- Blank lines and rows with nothing in them are skipped (and counted).
- Dates: ISO (1980-03-14), or day/month/year versus month/day/year, which a file only settles when a
  day is above 12. That order is never guessed: ``detect_date_order`` reports the evidence, and a file
  without evidence needs the user's explicit choice.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from ...bulk import collector_paused
from ...domain.errors import ClinicRecError

DELIMITERS = ",;\t|"


class DateOrder(StrEnum):
    DAY_FIRST = "dmy"
    MONTH_FIRST = "mdy"

    @property
    def label(self) -> str:
        return "day/month/year" if self is DateOrder.DAY_FIRST else "month/day/year"


@dataclass(frozen=True)
class CsvRecord:
    row: int  # the data row's number: 1 is the first row under the header
    line: int  # the file line it starts on (the header is line 1)
    values: tuple[str, ...]


@dataclass
class CsvTable:
    header: list[str]
    records: list[CsvRecord]
    encoding: str
    delimiter: str
    blank_rows: int = 0
    problems: list[str] = field(default_factory=list)

    def column(self, name: str) -> int:
        return self.header.index(name)


class CsvFormatError(ClinicRecError, ValueError):
    """The file cannot be read as a CSV table (the message says why)."""


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding used."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as e:
            raise CsvFormatError(f"The file cannot be read as {encoding}: {e}") from e
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for candidate in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any byte")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def read_csv(source: Path | bytes, *, encoding: str | None = None, delimiter: str | None = None) -> CsvTable:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    text, used = decode(data, encoding)
    if not text.strip():
        raise CsvFormatError("The file is empty")
    delim = delimiter or sniff_delimiter(text)
    with collector_paused():  # a record per row: 100,000 and more
        return _table(text, used, delim)


def _table(text: str, used: str, delim: str) -> CsvTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    header: list[str] | None = None
    records: list[CsvRecord] = []
    blank = 0
    line = 1
    row = 0
    try:
        for values in reader:
            start, line = line, reader.line_num + 1
            if not "".join(values).strip():
                blank += 1 if header is not None else 0
                continue
            if header is None:
                header = [v.strip() for v in values]
                continue
            row += 1
            records.append(CsvRecord(row, start, tuple(values)))
    except csv.Error as e:
        raise CsvFormatError(f"Line {reader.line_num}: {e}") from e
    if header is None:
        raise CsvFormatError("The file has no header row")
    problems = []
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.append("A column has no name in the header row")
        elif name in seen:
            problems.append(f"The column name {name!r} appears twice in the header row")
        seen.add(name)
    return CsvTable(header, records, used, delim, blank, problems)


# -- dates -------------------------------------------------------------------------------------------
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][0-9:.]+Z?)?$")
_NAMED_FORMATS = ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y")


@dataclass(frozen=True)
class DateOrderEvidence:
    numeric: int  # how many values are n/n/yyyy
    day_first_rows: tuple[int, ...]  # rows whose first number is above 12
    month_first_rows: tuple[int, ...]  # rows whose second number is above 12

    @property
    def needs_choice(self) -> bool:
        """True when the user must say which order the file uses (no evidence, or evidence both ways)."""
        return self.numeric > 0 and (bool(self.day_first_rows) == bool(self.month_first_rows))

    @property
    def suggested(self) -> DateOrder | None:
        if self.numeric == 0 or self.needs_choice:
            return None
        return DateOrder.DAY_FIRST if self.day_first_rows else DateOrder.MONTH_FIRST

    def describe(self) -> str:
        if self.numeric == 0:
            return "Dates are written year first (or with month names): no order to choose."
        if self.day_first_rows and self.month_first_rows:
            return (
                f"The dates disagree: row {self.day_first_rows[0]} only makes sense day first, row "
                f"{self.month_first_rows[0]} only month first. Choose the order; rows that do not fit "
                "are rejected."
            )
        if self.day_first_rows:
            return f"Day first: row {self.day_first_rows[0]} has a day above 12 in first place."
        if self.month_first_rows:
            return f"Month first: row {self.month_first_rows[0]} has a day above 12 in second place."
        return (
            f"{self.numeric} dates could be read either day first or month first (no day above 12): "
            "choose the order the file uses."
        )


def detect_date_order(values: list[tuple[int, str]]) -> DateOrderEvidence:
    numeric = 0
    dmy: list[int] = []
    mdy: list[int] = []
    for row, value in values:
        m = _NUMERIC.match(value.strip())
        if not m:
            continue
        numeric += 1
        a, b = int(m.group(1)), int(m.group(2))
        if a > 12 >= b:
            dmy.append(row)
        elif b > 12 >= a:
            mdy.append(row)
    return DateOrderEvidence(numeric, tuple(dmy[:20]), tuple(mdy[:20]))


def parse_date(value: str, order: DateOrder | None) -> date:
    """A date from the forms above; ValueError says what was expected."""
    text = value.strip()
    m = _ISO.match(text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC.match(text)
    if m:
        if order is None:
            raise ValueError(f"{text!r} could be day/month or month/day: choose the file's date order")
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        day_, month = (a, b) if order is DateOrder.DAY_FIRST else (b, a)
        try:
            return date(year, month, day_)
        except ValueError:
            raise ValueError(f"{text!r} is not a date when read {order.label}") from None
    for fmt in _NAMED_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(
        f"{text!r} is not a date: use YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY with a four-digit year"
    )
