"""The web screens' settings (environment variables prefixed WEB_)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from erestaurant.platform.settings import BrokerSettings, Port, Seconds, ServiceRoutes


class WebSettings(BrokerSettings, ServiceRoutes):
    service = "web"
    port: Port = 8086

    upstream_timeout_seconds: Seconds = 10.0
    """Longest wait on a service before a screen says so."""

    kitchen_warn_seconds: int = Field(300, ge=1)
    """A ticket waiting this long turns amber on the kitchen display."""

    kitchen_late_seconds: int = Field(600, ge=1)
    """A ticket waiting this long turns red on the kitchen display."""

    kiosk_idle_seconds: int = Field(30, ge=5)
    """A kiosk left alone this long clears its screen for the next person."""

    kiosk_confirmation_seconds: int = Field(6, ge=1)
    """How long a kiosk shows the order number before it closes by itself."""

    replay_events: int = Field(2000, ge=0)
    """How many recent events each web process keeps to replay to a screen that reconnects with
    Last-Event-ID; one that missed more reads its state afresh."""

    stream_heartbeat_seconds: Seconds = 15.0
    """How often an idle live stream sends a comment, so that proxies keep it open and a dead
    connection is noticed."""

    control_url: str | None = Field(None, validation_alias="ERESTAURANT_CONTROL_URL")
    """The runner's control API (`up` sets it, in development only): the operations screen's
    buttons to freeze, thaw or kill a process."""

    control_token: SecretStr | None = Field(None, validation_alias="ERESTAURANT_CONTROL_TOKEN")
    """The control API's token (`up` makes one at each start)."""

    @property
    def controls(self) -> bool:
        """Whether the operations screen may freeze, kill and flood: development only."""
        return self.environment == "development" and bool(self.control_url and self.control_token)
