"""Kitchen's settings (environment variables prefixed KITCHEN_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import Port, ServiceSettings


class KitchenSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KITCHEN_", extra="ignore", frozen=True)
    service = "kitchen"
    port: Port = 8082
