"""Payment's settings (environment variables prefixed PAYMENT_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import Port, ServiceSettings


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_", extra="ignore", frozen=True)
    service = "payment"
    port: Port = 8083
