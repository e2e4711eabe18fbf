"""Notification's settings (environment variables prefixed NOTIFICATION_)."""

from __future__ import annotations

from erestaurant.platform.settings import Port, ServiceSettings


class NotificationSettings(ServiceSettings):
    service = "notification"
    port: Port = 8085
