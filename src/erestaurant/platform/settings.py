"""Configuration from environment variables, one settings class per service.

Names shared by every service start with ``ERESTAURANT_`` (the broker, the data folder, the
log level, the cafeteria's time zone); a service's own start with its name (``HALL_PORT``,
``HALL_DATABASE_URL``). The same names are meant for a Kubernetes ConfigMap and Secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from erestaurant.platform import failpoints
from erestaurant.platform.access import ClaimNames

DEFAULT_NATS_PORT = 4322
DEFAULT_IDENTITY_PORT = 8090
DEVELOPMENT: Literal["development"] = "development"
# How a service on SQLite may sync its commits (ServiceSettings.sqlite_synchronous).
SqliteSynchronous = Literal["NORMAL", "FULL"]
ASYNC_HINT = "postgresql+asyncpg://, mysql+aiomysql:// or sqlite+aiosqlite:///"

Port = Annotated[int, Field(ge=1, le=65535, description="The port to listen on.")]
Seconds = Annotated[float, Field(gt=0)]  # a wait or a period: more than 0 seconds


class CannotStart(SystemExit):
    """The process cannot work as configured; restarting it will not help.

    ``erestaurant`` prints the message and exits with EX_CONFIG (78), which tells the
    runner (and an operator) to stop restarting and read the message.
    """

    exit_code = 78

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SettingsError(CannotStart):
    """A bad setting: the process stops at start, naming the variable."""


class DocumentedSettings(BaseSettings):
    """Settings whose fields are described by their docstrings.

    A docstring's lines are joined with spaces: each description is one paragraph (one cell
    of the configuration reference, docs/configuration.md).
    """

    model_config = SettingsConfigDict(use_attribute_docstrings=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        folded = False
        for info in cls.model_fields.values():
            if info.description and "\n" in info.description:
                info.description = " ".join(info.description.splitlines())
                folded = True
        if folded:  # the schema was built with the docstrings as written
            cls.model_rebuild(force=True)


class Settings(DocumentedSettings):
    """What every process has: how much it logs; ``load`` to read it."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: ClassVar[str]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """A service's variables start with its name: ``service = "hall"`` reads HALL_PORT.
        A process that is not one of the services names its own prefix (ERESTAURANT_...)."""
        super().__pydantic_init_subclass__(**kwargs)
        if "service" in vars(cls) and not cls.model_config.get("env_prefix"):
            cls.model_config = {**cls.model_config, "env_prefix": f"{cls.service.upper()}_"}

    log_level: str = Field("INFO", validation_alias="ERESTAURANT_LOG_LEVEL")
    """DEBUG, INFO, WARNING or ERROR."""

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


class ServerSettings(Settings):
    """A process that listens: where."""

    host: str = "127.0.0.1"
    """The address to listen on."""

    port: Port


class AuthenticatedSettings(ServerSettings):
    """A process that checks the access token of every request (the gateway, each service).

    ``development_secrets`` names the fields whose defaults are development values, known to
    anyone who reads this code: outside the development environment the process refuses to
    start while one of them is left at its default.
    """

    development_secrets: ClassVar[tuple[str, ...]] = ()

    environment: Literal["development", "production"] = Field(
        DEVELOPMENT, validation_alias="ERESTAURANT_ENVIRONMENT"
    )
    """`development` (the default: `erestaurant up` on a laptop, with the local identity
    provider and development secrets) or `production`, where every service refuses to start on a
    development secret."""

    auth_issuer: str = Field(
        f"http://127.0.0.1:{DEFAULT_IDENTITY_PORT}", validation_alias="ERESTAURANT_AUTH_ISSUER"
    )
    """The OpenID Connect provider whose access tokens are accepted: exactly the `iss` of its
    tokens. `up` starts the local provider unless this is set."""

    auth_jwks_url: str | None = Field(None, validation_alias="ERESTAURANT_AUTH_JWKS_URL")
    """Where the provider publishes its signing keys. Default: the `jwks_uri` of its discovery
    document (`<issuer>/.well-known/openid-configuration`). Set it when the services reach the
    provider by another address than its issuer URL."""

    auth_token_url: str | None = Field(None, validation_alias="ERESTAURANT_AUTH_TOKEN_URL")
    """The provider's token endpoint, where hall (and the gateway's sign-in) get tokens.
    Default: the `token_endpoint` of its discovery document."""

    auth_audience: str = Field("erestaurant", validation_alias="ERESTAURANT_AUTH_AUDIENCE")
    """The `aud` a token must carry to be accepted by the public API."""

    auth_kitchen_audience: str = Field(
        "urn:erestaurant:kitchen", validation_alias="ERESTAURANT_AUTH_KITCHEN_AUDIENCE"
    )
    """The `aud` of the tokens hall gets to reserve portions (a resource indicator, RFC 8707):
    the kitchen's reservations accept only these, and nothing else does."""

    auth_roles_claim: str = Field("roles", validation_alias="ERESTAURANT_AUTH_ROLES_CLAIM")
    """The claim that lists a user's roles; a dotted path reaches into an object
    (`realm_access.roles` for Keycloak). Granted scopes that name a role count too."""

    auth_card_claim: str = Field(
        "attributes.employee_card_no", validation_alias="ERESTAURANT_AUTH_CARD_CLAIM"
    )
    """The claim that holds an employee's card number (a dotted path)."""

    auth_leeway_seconds: float = Field(
        30.0, ge=0, le=300, validation_alias="ERESTAURANT_AUTH_LEEWAY_SECONDS"
    )
    """How far the provider's clock and ours may disagree on a token's times."""

    auth_revoked_clients: str = Field("", validation_alias="ERESTAURANT_AUTH_REVOKED_CLIENTS")
    """Client ids (comma-separated) refused at once, before their tokens expire: a kiosk that
    was stolen. Revoke it at the provider too, so it gets no new token."""

    @property
    def claim_names(self) -> ClaimNames:
        return ClaimNames(roles=self.auth_roles_claim, card_no=self.auth_card_claim)

    @property
    def revoked_clients(self) -> frozenset[str]:
        return frozenset(c.strip() for c in self.auth_revoked_clients.split(",") if c.strip())

    @model_validator(mode="after")
    def _no_development_secret_in_production(self) -> Self:
        if self.environment == DEVELOPMENT:
            return self
        prefix = self.model_config.get("env_prefix", "")
        for name in self.development_secrets:
            value, default = getattr(self, name), type(self).model_fields[name].default
            if _secret(value) == _secret(default):
                raise ValueError(
                    f"{prefix}{name}".upper() + " is left at its development default;"
                    " give it a secret of your own (ERESTAURANT_ENVIRONMENT is"
                    f" {self.environment})"
                )
        return self


def _secret(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


# A field of two classes (BrokerSettings, GatewaySettings): its description is said here, once.
SHUTDOWN_DELAY = Field(
    1.0,
    ge=0,
    le=60,
    validation_alias="ERESTAURANT_SHUTDOWN_DELAY_SECONDS",
    description=(
        "On SIGTERM, how long a service keeps serving while it reports not ready, so that"
        " the gateway (or Kubernetes' endpoints) stop sending it requests before it stops"
        " listening. 1 s covers the gateway's checks; on Kubernetes use about 5."
    ),
)


class BrokerSettings(AuthenticatedSettings):
    """A process on the event stream: the services, and the web screens that listen to it."""

    shutdown_delay_seconds: float = SHUTDOWN_DELAY

    nats_url: str = Field(
        f"nats://127.0.0.1:{DEFAULT_NATS_PORT}", validation_alias="ERESTAURANT_NATS_URL"
    )
    """The NATS server (comma-separate several for a cluster)."""

    stream: str = Field("ERESTAURANT", validation_alias="ERESTAURANT_STREAM")
    """The JetStream stream that carries every event."""

    stream_replicas: int = Field(1, ge=1, le=5, validation_alias="ERESTAURANT_STREAM_REPLICAS")
    """On how many NATS servers the stream is kept, when a service creates it: 3 on a cluster of
    3, so that losing one server loses no event. A stream that exists keeps its own settings."""

    data_dir: Path = Field(Path("data"), validation_alias="ERESTAURANT_DATA_DIR")
    """Where the default SQLite files (and, for `up`, the JetStream store) live."""

    timezone: str = Field("Asia/Seoul", validation_alias="ERESTAURANT_TIMEZONE")
    """The cafeteria's time zone: portions and pay periods turn at its midnight."""

    failpoints: str = Field("", validation_alias="ERESTAURANT_FAILPOINTS")
    """For fault tests only: crash points to arm (see platform/failpoints.py)."""

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


class ServiceSettings(BrokerSettings):
    """A service with a database of its own, on the event stream."""

    database_url: str | None = None
    """Where the service keeps its state, as an SQLAlchemy async URL:
    `postgresql+asyncpg://user@host/db`, `mysql+aiomysql://user@host/db`,
    `sqlite+aiosqlite:///path`. Default: an SQLite file in the data folder."""

    database_password: SecretStr | None = None
    """The database password, kept out of the URL so that the URL can live in a ConfigMap and
    the password in a Secret."""

    ack_wait_seconds: Seconds = Field(10.0, validation_alias="ERESTAURANT_ACK_WAIT_SECONDS")
    """How long JetStream waits for an ack before redelivering. An event in flight to a process
    that died comes back after this long, so keep it short; handlers take milliseconds."""

    events_per_transaction: int = Field(
        50, ge=1, le=100, validation_alias="ERESTAURANT_EVENTS_PER_TRANSACTION"
    )
    """How many events that arrived together a service handles in one database transaction (one
    commit instead of one each; if any of them fails, each is handled alone). 1 handles each in
    a transaction of its own. The Redis view always takes 1."""

    max_deliveries: int = Field(5, ge=1, validation_alias="ERESTAURANT_MAX_DELIVERIES")
    """How often an event is tried before it is set aside on the dead-letter subject (retries
    back off from 0.5 s, doubling)."""

    sqlite_synchronous: SqliteSynchronous = Field(
        "NORMAL", validation_alias="ERESTAURANT_SQLITE_SYNCHRONOUS"
    )
    """How a service on SQLite syncs its commits to disk. NORMAL survives a killed process but
    not a power cut or a machine crash, which may take the last commits back after their events
    were acknowledged (and so lose them). FULL syncs every commit, an fsync each, and loses
    nothing; production sets it (docs/faults.md)."""

    relay_poll_seconds: Seconds = Field(1.0, validation_alias="ERESTAURANT_RELAY_POLL_SECONDS")
    """How often the relay looks for rows it was not woken for (left by a crash)."""

    outbox_retention_days: float = Field(
        7.0, ge=0, validation_alias="ERESTAURANT_OUTBOX_RETENTION_DAYS"
    )
    """How long a published event's outbox row is kept before it is deleted (0: for ever).
    JetStream holds the event; the row is kept to be looked at."""

    inbox_retention_days: float = Field(
        30.0, ge=0, validation_alias="ERESTAURANT_INBOX_RETENTION_DAYS"
    )
    """How long the id of a handled event is kept, so that a second delivery of it is known and
    skipped (0: for ever). JetStream redelivers within minutes; an event delivered again after
    this long would be handled again, with only the domain's guards (one deduction, one ticket,
    one message an order) in its way."""

    prune_every_seconds: Seconds = Field(600.0, validation_alias="ERESTAURANT_PRUNE_EVERY_SECONDS")
    """How often a service deletes the outbox and inbox rows past their retention."""

    # Whether the service can keep its state in Redis (only a view that can be rebuilt).
    accepts_redis: ClassVar[bool] = False

    @field_validator("database_url")
    @classmethod
    def _usable_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if cls.accepts_redis and url.drivername in ("redis", "rediss"):
            return value
        try:
            dialect = url.get_dialect()
        except NoSuchModuleError:
            raise ValueError(f"no database driver {url.drivername!r}: use {ASYNC_HINT}") from None
        if not dialect.is_async:
            raise ValueError(f"{url.drivername!r} is not an asyncio driver: use {ASYNC_HINT}")
        return value

    @property
    def database(self) -> str:
        """The database URL, password included."""
        if not self.database_url:
            return f"sqlite+aiosqlite:///{self.data_dir / f'{self.service}.db'}"
        if self.database_password is None:
            return self.database_url
        url = make_url(self.database_url).set(password=self.database_password.get_secret_value())
        return url.render_as_string(hide_password=False)


def _explain(cls: type[Settings], exc: ValidationError) -> str:
    prefix = cls.model_config.get("env_prefix", "")
    # A setting every service shares is read under its own name (its alias), and an error
    # is located at that name, not at the field's.
    by_alias = {
        info.validation_alias: name
        for name, info in cls.model_fields.items()
        if isinstance(info.validation_alias, str)
    }
    lines = [f"{cls.service}: invalid configuration"]
    for error in exc.errors():
        if not error["loc"]:  # a rule over several fields: its message names them
            lines.append(f"  {error['msg'].removeprefix('Value error, ')}")
            continue
        field = by_alias.get(str(error["loc"][0]), str(error["loc"][0]))
        info = cls.model_fields.get(field)
        alias = info.validation_alias if info else None
        variable = alias if isinstance(alias, str) else f"{prefix}{field}".upper()
        secret = info is not None and "SecretStr" in str(info.annotation)
        got = "a value kept secret" if secret else repr(_without_password(error.get("input")))
        lines.append(f"  {variable}: {error['msg']} (got {got})")
    return "\n".join(lines)


class ServiceRoutes(DocumentedSettings):
    """Where a caller of the public API finds each service (the gateway, the screens): a
    service's URL, or its replicas' URLs comma-separated, under its env prefix."""

    hall_url: str = "http://127.0.0.1:8081"
    """Where hall is: /halls/** (comma-separate the URLs of several replicas)."""

    kitchen_url: str = "http://127.0.0.1:8082"
    """Where kitchen is: /kitchens/**."""

    payment_url: str = "http://127.0.0.1:8083"
    """Where payment is: /payments/**."""

    workercenter_url: str = "http://127.0.0.1:8084"
    """Where workercenter is: /workercenters/**."""

    notification_url: str = "http://127.0.0.1:8085"
    """Where notification is: /notifications/**."""

    def routes(self) -> dict[str, list[str]]:
        """First path segment -> the service's replicas' base URLs (/halls/** and so on)."""
        return {
            prefix: replica_urls(urls)
            for prefix, urls in {
                "halls": self.hall_url,
                "kitchens": self.kitchen_url,
                "payments": self.payment_url,
                "workercenters": self.workercenter_url,
                "notifications": self.notification_url,
            }.items()
        }


def replica_urls(value: str) -> list[str]:
    """A setting that names one or several replicas, comma-separated, as base URLs."""
    return [url.strip().rstrip("/") for url in value.split(",") if url.strip()]


def _without_password(value: object) -> object:
    """A URL as a log may show it; anything else as it is."""
    if isinstance(value, str) and "@" in value:
        try:
            return make_url(value).render_as_string(hide_password=True)
        except ArgumentError:
            return value
    return value
