"""Gateway's settings (environment variables prefixed GATEWAY_)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from erestaurant.platform.settings import (
    SHUTDOWN_DELAY,
    AuthenticatedSettings,
    Port,
    Seconds,
    ServiceRoutes,
    replica_urls,
)


class GatewaySettings(AuthenticatedSettings, ServiceRoutes):
    service = "gateway"
    development_secrets: ClassVar[tuple[str, ...]] = ("client_secret", "session_key")
    port: Port = 8088

    public_url: str = "http://127.0.0.1:8088"
    """The gateway's address as browsers reach it: where the identity provider sends them back
    after signing in (`<public_url>/auth/callback`)."""

    client_id: str = "gateway"
    """The gateway's client at the identity provider, for browsers' sign-in."""

    client_secret: SecretStr = SecretStr("dev-gateway-secret")
    """The secret of the gateway's client (a Kubernetes Secret)."""

    session_key: SecretStr = Field(
        SecretStr("dev-gateway-session-key-not-for-production"), min_length=32
    )
    """The key that encrypts browsers' session cookies (32 characters or more; a Kubernetes
    Secret). Changing it signs everyone out."""

    rate_per_device: float = Field(20.0, ge=0)
    """Requests a second one kiosk device (client) may send through the gateway, on average;
    past it the answer is 429 with Retry-After. 0: no limit."""

    rate_per_user: float = Field(10.0, ge=0)
    """Requests a second one signed-in person may send, on average. 0: no limit."""

    rate_burst_seconds: Seconds = 3.0
    """How many seconds' worth of requests a device or a person may send at once before the
    average applies (the bucket of a token bucket)."""

    web_url: str = "http://127.0.0.1:8086"
    """Where the screens go: `/`, `/kiosk/**`, `/kitchen/**`, `/me/**`, `/payroll/**`, `/ops/**`
    and `/assets/**` (comma-separate the URLs of several replicas)."""

    upstream_timeout_seconds: Seconds = 10.0
    """Longest wait on a service before answering 504. For a stream (server-sent events) it
    bounds the connection and the answer's headers, not the stream."""

    ready_check_seconds: Seconds = 0.5
    """How often the gateway asks each replica /health/ready; it sends requests only to replicas
    that answered ready (to all, if none did)."""

    shutdown_delay_seconds: float = SHUTDOWN_DELAY

    def screens(self) -> list[str]:
        """The web service's replicas' base URLs, which serve every screen."""
        return replica_urls(self.web_url)
