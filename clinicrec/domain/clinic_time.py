"""The clinic's calendar: instants are stored in UTC, every date rule and printed date is local.

A lot that "expires 2026-03-10" expires at the end of that day *in the clinic*, not in UTC; a bruise
noticed at 20:00 in Los Angeles is on the session's day even though UTC has moved on. Everything that
turns an instant into a calendar date goes through :func:`local_date` with the clinic's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .date_text import DateOrder, format_date

DEFAULT_ZONE = "UTC"


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when empty or unknown, so a damaged setting never stops charting)."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def is_known_zone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_names() -> list[str]:
    """Every IANA zone name this machine knows, sorted (for the settings' pick-list)."""
    return sorted(n for n in available_timezones() if "/" in n or n == "UTC")


def workstation_zone() -> str:
    """The workstation's own IANA zone name (the default at first setup)."""
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - an odd machine set-up must not stop the first start
        name = None
    return name if name and is_known_zone(name) else DEFAULT_ZONE


def local_datetime(instant: datetime, zone_name: str) -> datetime:
    """``instant`` (timezone-aware) as the clinic's wall-clock time."""
    if instant.tzinfo is None:
        raise ValueError("an instant needs its time zone")
    return instant.astimezone(zone(zone_name))


def local_date(instant: datetime, zone_name: str) -> date:
    """The clinic's calendar date at ``instant``."""
    return local_datetime(instant, zone_name).date()


def start_of_day(day: date, zone_name: str) -> datetime:
    """The UTC instant at which ``day`` begins in the clinic (midnight local, across DST changes)."""
    return datetime.combine(day, time.min, tzinfo=zone(zone_name)).astimezone(UTC)


def day_range(first: date, last: date, zone_name: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering the clinic's days ``first`` .. ``last`` inclusive."""
    return start_of_day(first, zone_name), start_of_day(last + timedelta(days=1), zone_name)


def month_key(instant: datetime, zone_name: str) -> str:
    """'2026-03': the clinic's calendar month of ``instant`` (reports' month buckets)."""
    return f"{local_date(instant, zone_name):%Y-%m}"


def format_local(
    instant: datetime, zone_name: str, *, with_zone: bool = True, order: DateOrder = DateOrder.ISO
) -> str:
    """'2026-03-10 09:00 AEDT (Australia/Sydney)': a printed time names the zone it is in; its date is
    written in the clinic's ``order`` ('10/03/2026 09:00 …' day first)."""
    local = local_datetime(instant, zone_name)
    text = f"{format_date(local.date(), order)} {local:%H:%M}"
    if with_zone:
        abbreviation = local.tzname() or ""
        name = zone(zone_name).key
        text += f" {abbreviation} ({name})" if abbreviation and abbreviation != name else f" {name}"
    return text


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's last day (31 May - 3 = 28 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day`` (a 29 February birthday turns over on 1 March)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years
