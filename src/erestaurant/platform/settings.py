"""Configuration from environment variables, one settings class per service.

Names shared by every service start with ``ERESTAURANT_`` (the broker, the data folder, the
log level, the cafeteria's time zone); a service's own start with its name (``HALL_PORT``,
``HALL_DATABASE_URL``). The same names are meant for a Kubernetes ConfigMap and Secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from erestaurant.platform import failpoints

DEFAULT_NATS_PORT = 4322

Port = Annotated[int, Field(ge=1, le=65535, description="The port to listen on.")]


class SettingsError(SystemExit):
    """A bad setting: the process stops at start, naming the variable."""


class Settings(BaseSettings):
    """What every process has: where it listens, how much it logs; ``load`` to read it."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: ClassVar[str]

    host: str = Field(default="127.0.0.1", description="The address to listen on.")
    port: Port
    log_level: str = Field(
        default="INFO",
        validation_alias="ERESTAURANT_LOG_LEVEL",
        description="DEBUG, INFO, WARNING or ERROR.",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @classmethod
    def load(cls) -> Self:
        """Read the environment; a bad value stops the service with the variable's name."""
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(_explain(cls, exc)) from None


class ServiceSettings(Settings):
    """A service with a database and the broker."""

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: an SQLite file in the data folder.",
    )
    nats_url: str = Field(
        default=f"nats://127.0.0.1:{DEFAULT_NATS_PORT}",
        validation_alias="ERESTAURANT_NATS_URL",
        description="The NATS server (comma-separate several for a cluster).",
    )
    stream: str = Field(
        default="ERESTAURANT",
        validation_alias="ERESTAURANT_STREAM",
        description="The JetStream stream that carries every event.",
    )
    data_dir: Path = Field(
        default=Path("data"),
        validation_alias="ERESTAURANT_DATA_DIR",
        description="Where the default SQLite files (and, for `up`, the JetStream store) live.",
    )
    timezone: str = Field(
        default="Asia/Seoul",
        validation_alias="ERESTAURANT_TIMEZONE",
        description="The cafeteria's time zone: portions and pay periods turn at its midnight.",
    )
    ack_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        validation_alias="ERESTAURANT_ACK_WAIT_SECONDS",
        description=(
            "How long JetStream waits for an ack before redelivering. An event in flight to a"
            " process that died comes back after this long, so keep it short; handlers take"
            " milliseconds."
        ),
    )
    max_deliveries: int = Field(
        default=5,
        ge=1,
        validation_alias="ERESTAURANT_MAX_DELIVERIES",
        description=(
            "How often an event is tried before it is set aside on the dead-letter subject"
            " (retries back off from 0.5 s, doubling)."
        ),
    )
    failpoints: str = Field(
        default="",
        validation_alias="ERESTAURANT_FAILPOINTS",
        description="For fault tests only: crash points to arm (see platform/failpoints.py).",
    )
    relay_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        validation_alias="ERESTAURANT_RELAY_POLL_SECONDS",
        description="How often the relay looks for rows it was not woken for (left by a crash).",
    )

    @field_validator("failpoints")
    @classmethod
    def _known_failpoints(cls, value: str) -> str:
        failpoints.parse(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / f'{self.service}.db'}"


def _explain(cls: type[Settings], exc: ValidationError) -> str:
    prefix = cls.model_config.get("env_prefix", "")
    lines = [f"{cls.service}: invalid configuration"]
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        info = cls.model_fields.get(field)
        alias = info.validation_alias if info else None
        variable = alias if isinstance(alias, str) else f"{prefix}{field}".upper()
        lines.append(f"  {variable}: {error['msg']} (got {error.get('input')!r})")
    return "\n".join(lines)
