"""Time: UTC instants on the wire, the cafeteria's calendar for days and pay periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from erestaurant.platform import clock


def test_now_is_an_aware_utc_instant() -> None:
    assert clock.now().utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("instant", "timezone", "day"),
    [
        (datetime(2026, 11, 30, 14, 59, tzinfo=UTC), "Asia/Seoul", date(2026, 11, 30)),
        (datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "Asia/Seoul", date(2026, 12, 1)),
        (datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "UTC", date(2026, 11, 30)),
        (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "America/New_York", date(2026, 11, 30)),
    ],
)
def test_the_business_day_turns_at_local_midnight(
    instant: datetime, timezone: str, day: date
) -> None:
    assert clock.business_day(instant, timezone) == day


@pytest.mark.parametrize(
    ("instant", "timezone", "period"),
    [
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "Asia/Seoul", "2026-12"),
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "UTC", "2026-11"),
        (datetime(2026, 12, 31, 15, 0, tzinfo=UTC), "Asia/Seoul", "2027-01"),
        (datetime(2026, 12, 31, 14, 59, 59, tzinfo=UTC), "Asia/Seoul", "2026-12"),
    ],
)
def test_the_pay_period_is_the_local_month(instant: datetime, timezone: str, period: str) -> None:
    assert clock.pay_period(instant, timezone) == period
