"""Notification's settings (environment variables prefixed NOTIFICATION_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import Port, ServiceSettings


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore", frozen=True)
    service = "notification"
    port: Port = 8085
