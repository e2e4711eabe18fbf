"""Payment's settings (environment variables prefixed PAYMENT_)."""

from __future__ import annotations

from erestaurant.platform.settings import Port, ServiceSettings


class PaymentSettings(ServiceSettings):
    service = "payment"
    port: Port = 8083
