"""Kitchen's settings (environment variables prefixed KITCHEN_)."""

from __future__ import annotations

from pydantic import Field

from erestaurant.platform.settings import Port, Seconds, ServiceSettings


class KitchenSettings(ServiceSettings):
    service = "kitchen"
    port: Port = 8082

    max_open_orders: int = Field(200, ge=1)
    """Surge protection: at this many open orders (tickets to cook and reservations about to
    become tickets) the kitchen refuses new ones with 503 and Retry-After. About what the
    kitchen cooks in a quarter of an hour at lunch."""

    resume_fraction: float = Field(0.8, gt=0, le=1)
    """Ordering resumes, by itself, once open orders fall below this share of the maximum; the
    gap keeps the kitchen from flapping at the edge."""

    busy_retry_after_seconds: int = Field(10, ge=1)
    """The Retry-After of a refusal at capacity: about how long a few orders take."""

    reservation_ttl_seconds: Seconds = 300.0
    """Portions reserved for an order that never arrives (hall died between reserving and
    committing) go back after this long. Far longer than a commit takes, so an order whose event
    is merely late still finds its portions."""
