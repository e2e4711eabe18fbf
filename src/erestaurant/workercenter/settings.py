"""Workercenter's settings (environment variables prefixed WORKERCENTER_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import Port, ServiceSettings


class WorkercenterSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WORKERCENTER_", extra="ignore", frozen=True)
    service = "workercenter"
    port: Port = 8084
