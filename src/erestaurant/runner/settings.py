"""How ``erestaurant up`` runs and watches the services (ERESTAURANT_ variables)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import Seconds, Settings

DEFAULT_CONTROL_PORT = 8089


class RunnerSettings(Settings):
    """How ``erestaurant up`` runs and watches the services."""

    model_config = SettingsConfigDict(env_prefix="ERESTAURANT_", extra="ignore", frozen=True)
    service = "runner"
    replicas: int = Field(1, ge=1, le=8)
    """How many processes of each service (the gateway excepted) `up` runs; the gateway, and
    hall for the kitchen, spread requests over the ready ones. Replicas after the first listen
    on free ports."""

    liveness_period_seconds: Seconds = 2.0
    """How often `up` asks each process /health/live."""

    liveness_timeout_seconds: Seconds = 1.0
    """How long an answer to /health/live may take."""

    liveness_failures: int = Field(3, ge=1)
    """After this many missed liveness checks in a row `up` kills the process (-9) and starts it
    again: a hung process is not an exited one."""

    control_port: int = Field(DEFAULT_CONTROL_PORT, ge=0, le=65535)
    """Where `up` serves its control API (on 127.0.0.1; development only), by which the
    operations screen freezes, thaws or kills a process; 0 turns it off. Each start makes a new
    token, in `<data dir>/control-token`."""
