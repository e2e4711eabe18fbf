"""The web screens' settings (environment variables prefixed WEB_)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from erestaurant.platform.settings import BrokerSettings, Port, ServiceRoutes


class WebSettings(BrokerSettings, ServiceRoutes):
    service = "web"
    port: Port = 8086
    upstream_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Longest wait on a service before a screen says so."
    )
    kitchen_warn_seconds: int = Field(
        default=300,
        ge=1,
        description="A ticket waiting this long turns amber on the kitchen display.",
    )
    kitchen_late_seconds: int = Field(
        default=600,
        ge=1,
        description="A ticket waiting this long turns red on the kitchen display.",
    )
    kiosk_idle_seconds: int = Field(
        default=30,
        ge=5,
        description="A kiosk left alone this long clears its screen for the next person.",
    )
    kiosk_confirmation_seconds: int = Field(
        default=6,
        ge=1,
        description="How long a kiosk shows the order number before it closes by itself.",
    )
    replay_events: int = Field(
        default=2000,
        ge=0,
        description=(
            "How many recent events each web process keeps to replay to a screen that"
            " reconnects with Last-Event-ID; one that missed more reads its state afresh."
        ),
    )
    stream_heartbeat_seconds: float = Field(
        default=15.0,
        gt=0,
        description=(
            "How often an idle live stream sends a comment, so that proxies keep it open and a"
            " dead connection is noticed."
        ),
    )

    control_url: str | None = Field(
        default=None,
        validation_alias="ERESTAURANT_CONTROL_URL",
        description=(
            "The runner's control API (`up` sets it, in development only): the operations"
            " screen's buttons to freeze, thaw or kill a process."
        ),
    )
    control_token: SecretStr | None = Field(
        default=None,
        validation_alias="ERESTAURANT_CONTROL_TOKEN",
        description="The control API's token (`up` makes one at each start).",
    )

    @property
    def controls(self) -> bool:
        """Whether the operations screen may freeze, kill and flood: development only."""
        return self.environment == "development" and bool(self.control_url and self.control_token)
