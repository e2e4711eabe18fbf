"""Hall's settings (environment variables prefixed HALL_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import Port, ServiceSettings


class HallSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HALL_", extra="ignore", frozen=True)
    service = "hall"
    port: Port = 8081
    kitchen_url: str = Field(
        default="http://127.0.0.1:8082", description="Where hall reserves portions."
    )
    kitchen_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        description="A kiosk user waits at most this long on the kitchen before a 503.",
    )
