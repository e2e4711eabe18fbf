"""Rate limits at the gateway: a token bucket per kiosk device and per signed-in person.

A kiosk that loops, or a script run with someone's token, is slowed down to its rate with
429 and Retry-After before it reaches any service; everyone else is not affected. Buckets
live in the gateway's memory: with several gateway replicas each holds its own, so the
limit a client sees is per replica (good enough against a runaway client, which is what it
is for).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from erestaurant.platform.access import Principal, Role

# Buckets kept at most; the least recently used go first (a full bucket is no loss).
MAX_BUCKETS = 50_000


@dataclass
class Bucket:
    tokens: float
    at: float


class RateLimits:
    def __init__(self, per_device: float, per_user: float, burst_seconds: float) -> None:
        self.per_device = per_device
        self.per_user = per_user
        self.burst_seconds = burst_seconds
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def wait(self, who: Principal, now: float | None = None) -> int:
        """0 if the request may go on (one token taken), else the seconds to wait."""
        device = Role.KIOSK in who.roles
        rate = self.per_device if device else self.per_user
        if rate <= 0:
            return 0
        now = time.monotonic() if now is None else now
        key = f"device:{who.client_id}" if device else f"user:{who.subject}"
        size = max(1.0, rate * self.burst_seconds)
        bucket = self._buckets.pop(key, None) or Bucket(size, now)
        self._buckets[key] = bucket
        if len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)
        bucket.tokens = min(size, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / rate))
