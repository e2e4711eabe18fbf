"""Samples of a load and what they add up to."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Samples:
    """One load's requests: when each was due (seconds from the start), how long it took
    from then, and whether it succeeded; ``seconds`` is how long the load lasted."""

    started: list[float] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)
    ok: list[bool] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, started: float, latency: float, ok: bool) -> None:
        self.started.append(started)
        self.latency.append(latency)
        self.ok.append(ok)

    @property
    def succeeded(self) -> int:
        return sum(self.ok)

    @property
    def failed(self) -> int:
        return len(self.ok) - self.succeeded

    @property
    def within(self) -> int:
        """Successful requests answered before the load's end: its rate's numerator, so
        that answers trailing after the load do not count as throughput of its time."""
        return sum(
            1
            for started, latency, ok in zip(self.started, self.latency, self.ok, strict=True)
            if ok and started + latency <= self.seconds
        )

    def rate(self) -> float:
        """Successful requests per second, answered within the load's time."""
        return self.within / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, p: float) -> float:
        good = [lat for lat, ok in zip(self.latency, self.ok, strict=True) if ok]
        return percentile(good, p) * 1000

    def summary(self) -> dict[str, float]:
        return {
            "requests": len(self.ok),
            "failed": self.failed,
            "per_second": round(self.rate(), 1),
            "p50_ms": round(self.percentile_ms(50), 2),
            "p95_ms": round(self.percentile_ms(95), 2),
            "p99_ms": round(self.percentile_ms(99), 2),
        }


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
