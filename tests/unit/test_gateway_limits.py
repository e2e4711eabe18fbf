"""The gateway's rate limits: a bucket per kiosk device and per person."""

from __future__ import annotations

from erestaurant.gateway.limits import RateLimits
from erestaurant.platform.access import Principal, Role


def _kiosk(client: str) -> Principal:
    return Principal(client, client, frozenset({Role.KIOSK}), None, frozenset())


def _person(subject: str) -> Principal:
    return Principal(subject, "gateway", frozenset({Role.EMPLOYEE}), "E1", frozenset())


def test_a_device_may_burst_then_waits_as_its_rate_says() -> None:
    limits = RateLimits(per_device=2, per_user=1, burst_seconds=2)
    assert [limits.wait(_kiosk("k1"), now=0.0) for _ in range(4)] == [0, 0, 0, 0]
    assert limits.wait(_kiosk("k1"), now=0.0) == 1  # a token in half a second: wait 1 s
    assert limits.wait(_kiosk("k1"), now=0.5) == 0


def test_one_busy_device_does_not_slow_another_or_a_person() -> None:
    limits = RateLimits(per_device=1, per_user=1, burst_seconds=1)
    assert limits.wait(_kiosk("k1"), now=0.0) == 0
    assert limits.wait(_kiosk("k1"), now=0.0) > 0
    assert limits.wait(_kiosk("k2"), now=0.0) == 0
    assert limits.wait(_person("kim"), now=0.0) == 0
    assert limits.wait(_person("kim"), now=0.0) > 0
    assert limits.wait(_person("lee"), now=0.0) == 0


def test_a_rate_of_zero_is_no_limit() -> None:
    limits = RateLimits(per_device=0, per_user=0, burst_seconds=1)
    assert all(limits.wait(_kiosk("k1"), now=0.0) == 0 for _ in range(1000))
