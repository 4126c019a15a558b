"""Turning the dates and moments of a policy into instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def aware_now(now: datetime | None) -> datetime:
    """``now`` as given (it must carry a time zone) or the current instant."""
    if now is None:
        return datetime.now(UTC)
    require_aware(now, "now")
    return now


def require_aware(when: datetime, name: str = "when") -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {when.isoformat()}")


def start_of(moment: date | datetime, tz: ZoneInfo) -> datetime:
    """A date starts at 00:00 in ``tz``; a moment is itself."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(0), tzinfo=tz)


def end_of(moment: date | datetime, tz: ZoneInfo) -> datetime:
    """A date lasts until 24:00 in ``tz`` (exclusive end); a moment is itself."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment + timedelta(days=1), time(0), tzinfo=tz)


def calendar_days(start: datetime, end: datetime, tz: ZoneInfo) -> int:
    """How many calendar days (in ``tz``) the period [start, end) touches."""
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return (last - first).days + 1


def local_date(when: datetime, tz: ZoneInfo) -> date:
    return when.astimezone(tz).date()


def describe(when: datetime, tz: ZoneInfo) -> str:
    """Plain-language rendering: 'Sunday 29 November 2026, 12:00 (Europe/Amsterdam)'."""
    local = when.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({tz.key})"


def describe_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
