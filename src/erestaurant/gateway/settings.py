"""Gateway's settings (environment variables prefixed GATEWAY_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import Port, Settings


class GatewaySettings(Settings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)
    service = "gateway"
    port: Port = 8088
    hall_url: str = Field(default="http://127.0.0.1:8081", description="Where /halls/** goes.")
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

    def routes(self) -> dict[str, str]:
        """First path segment -> upstream base URL (the contract's /halls/** and so on)."""
        return {
            "halls": self.hall_url,
            "kitchens": self.kitchen_url,
            "payments": self.payment_url,
            "workercenters": self.workercenter_url,
            "notifications": self.notification_url,
        }
