"""Hall's settings (environment variables prefixed HALL_)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from erestaurant.platform.settings import Port, Seconds, ServiceSettings


class HallSettings(ServiceSettings):
    service = "hall"
    development_secrets: ClassVar[tuple[str, ...]] = ("client_secret",)
    port: Port = 8081

    client_id: str = "hall"
    """Hall's client at the identity provider: it gets tokens for the kitchen's reservations
    with client credentials."""

    client_secret: SecretStr = SecretStr("dev-hall-secret")
    """The secret of hall's client (a Kubernetes Secret)."""

    kitchen_url: str = "http://127.0.0.1:8082"
    """Where hall reserves portions (comma-separate several kitchen replicas: calls take turns,
    and a retry goes to the next)."""

    kitchen_timeout_seconds: Seconds = 2.0
    """How long one call to the kitchen may take. A reservation takes milliseconds; past this
    the kitchen is as good as down."""

    kitchen_retries: int = Field(1, ge=0, le=5)
    """Tries again after a timeout or a lost connection; safe because both kitchen calls are
    idempotent per order. A kiosk waits at most (retries + 1) timeouts."""

    breaker_failures: int = Field(5, ge=1)
    """Kitchen calls failing in a row that open the circuit: enough not to trip on one slow
    answer, few enough that at most this many kiosks wait on a dead kitchen."""

    breaker_cooldown_seconds: Seconds = 10.0
    """How long an open circuit answers 503 at once before one trial call goes through; about
    the time a crashed kitchen needs to be restarted."""

    kiosk_pin: bool = False
    """Kiosks ask for the employee's PIN with each order (set by payroll or the employee; 5
    wrong in a row lock the card for 5 minutes)."""
