"""Time in one place: UTC instants on the wire, the cafeteria's local calendar for days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def business_day(instant: datetime, timezone: str) -> date:
    """The cafeteria's calendar day of an instant: portions reset at local midnight."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def pay_period(instant: datetime, timezone: str) -> str:
    """The payroll month (YYYY-MM) that an instant falls in, in the company's time zone."""
    return instant.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")
