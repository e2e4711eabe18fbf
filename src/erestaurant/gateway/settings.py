"""Gateway's settings (environment variables prefixed GATEWAY_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import SHUTDOWN_DELAY, Port, ServerSettings, replica_urls


class GatewaySettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)
    service = "gateway"
    port: Port = 8088
    hall_url: str = Field(
        default="http://127.0.0.1:8081",
        description="Where /halls/** goes (comma-separate the URLs of several replicas).",
    )
    kitchen_url: str = Field(
        default="http://127.0.0.1:8082", description="Where /kitchens/** goes."
    )
    payment_url: str = Field(
        default="http://127.0.0.1:8083", description="Where /payments/** goes."
    )
    workercenter_url: str = Field(
        default="http://127.0.0.1:8084", description="Where /workercenters/** goes."
    )
    notification_url: str = Field(
        default="http://127.0.0.1:8085", description="Where /notifications/** goes."
    )
    upstream_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Longest wait on a service before answering 504."
    )
    ready_check_seconds: float = Field(
        default=0.5,
        gt=0,
        description=(
            "How often the gateway asks each replica /health/ready; it sends requests only to"
            " replicas that answered ready (to all, if none did)."
        ),
    )
    shutdown_delay_seconds: float = SHUTDOWN_DELAY

    def routes(self) -> dict[str, list[str]]:
        """First path segment -> the service's replicas' base URLs (/halls/** and so on)."""
        return {
            prefix: replica_urls(urls)
            for prefix, urls in {
                "halls": self.hall_url,
                "kitchens": self.kitchen_url,
                "payments": self.payment_url,
                "workercenters": self.workercenter_url,
                "notifications": self.notification_url,
            }.items()
        }
