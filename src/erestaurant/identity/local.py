"""The local identity provider: a real OpenID Connect provider (NanoIDP) for development.

`erestaurant up` starts it unless ERESTAURANT_AUTH_ISSUER names a provider of your own. It
is seeded with one account per role, two kiosk devices, hall's client and the clients the
tools sign in with, all with development secrets (printed by `up`), which every service
refuses outside the development environment. Its configuration is written anew at every
start into the data folder; its signing keys, and the kiosks and people added while it
runs, are kept there.

Why NanoIDP: it installs from PyPI with the project, implements the grants this system
needs (client credentials for kiosks and hall, authorization code with PKCE for browsers,
and the password grant for `erestaurant token`), resource indicators for hall's kitchen
audience, per-client scopes it enforces, and runtime users and clients behind a management
secret. It says of itself that it is for development and tests only, which is what it is
here: production plugs in the company's provider by configuration (docs/security.md).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from erestaurant.platform import logging as service_logging
from erestaurant.platform.access import Role
from erestaurant.platform.settings import (
    DEFAULT_IDENTITY_PORT,
    AuthenticatedSettings,
    Port,
    ServerSettings,
)

# Development values: anyone who reads this file knows them.
CLI_CLIENT = "erestaurant-cli"
DEV_CLI_SECRET = "dev-cli-secret"
KIOSK_SCOPE = Role.KIOSK.value


@dataclass(frozen=True)
class Account:
    """A person who signs in, as the local provider knows them."""

    username: str
    password: str
    role: Role
    name: str
    card_no: str | None = None


@dataclass(frozen=True)
class Device:
    """A client that signs in with its own credentials (a kiosk)."""

    client_id: str
    secret: str


ACCOUNTS = (
    Account("kim", "kim-dev", Role.EMPLOYEE, "Kim Minji", "E1001"),
    Account("lee", "lee-dev", Role.EMPLOYEE, "Lee Jiho", "E1002"),
    Account("cook", "cook-dev", Role.KITCHEN, "Park Seojun"),
    Account("payroll", "payroll-dev", Role.PAYROLL, "Choi Yuna"),
    Account("admin", "admin-dev", Role.ADMIN, "Jung Haneul"),
)
KIOSKS = (Device("kiosk-1", "dev-kiosk-1-secret"), Device("kiosk-2", "dev-kiosk-2-secret"))


def account_for(role: Role) -> Account:
    """The first demo account with ``role``."""
    return next(a for a in ACCOUNTS if a.role is role)


class LocalIdentitySettings(ServerSettings):
    """The identity provider that `up` starts (not used with ERESTAURANT_AUTH_ISSUER)."""

    model_config = SettingsConfigDict(
        env_prefix="ERESTAURANT_IDENTITY_", extra="ignore", frozen=True
    )
    service = "identity"
    port: Port = DEFAULT_IDENTITY_PORT
    management_secret: SecretStr = SecretStr("dev-identity-management")
    """The secret that lets `erestaurant token --card` and `erestaurant kiosks` add employees
    and kiosks to the local provider while it runs."""
    token_minutes: int = Field(default=15, ge=1, le=1440)
    """How long an access token from the local provider is good for."""

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"


def write_config(
    directory: Path,
    settings: LocalIdentitySettings,
    api: AuthenticatedSettings,
    hall_secret: str,
    gateway_secret: str,
    gateway_url: str,
) -> Path:
    """NanoIDP's configuration for the seed, in ``directory``; returns its config folder.

    The files are JSON, which YAML reads as it is.
    """
    config = directory / "config"
    config.mkdir(parents=True, exist_ok=True)
    clients: list[dict[str, Any]] = [
        {
            "client_id": "hall",
            "client_secret": hall_secret,
            "description": "hall, reserving portions in the kitchen",
            "allowed_scopes": [Role.RESERVE_PORTIONS.value],
            "allowed_resources": [api.auth_kitchen_audience],
        },
        {
            "client_id": "gateway",
            "client_secret": gateway_secret,
            "description": "the gateway's sign-in for browsers (authorization code + PKCE)",
            "allowed_scopes": ["openid", "profile", "email", "offline_access"],
            "redirect_uris": [f"{gateway_url.rstrip('/')}/auth/callback"],
        },
        {
            "client_id": CLI_CLIENT,
            "client_secret": DEV_CLI_SECRET,
            "description": "erestaurant token, faults and bench: the password grant",
            "allowed_scopes": ["openid", "profile"],
        },
        *(
            {
                "client_id": kiosk.client_id,
                "client_secret": kiosk.secret,
                "description": "a kiosk in the cafeteria",
                "allowed_scopes": [KIOSK_SCOPE],
            }
            for kiosk in KIOSKS
        ),
    ]
    provider = {
        "config_version": 1,
        "security_profile": "dev",
        "server": {"host": settings.host, "port": settings.port},
        "oauth": {
            "issuer": settings.issuer,
            "audience": api.auth_audience,
            "token_expiry_minutes": settings.token_minutes,
            "scopes_supported": [
                "openid",
                "profile",
                "email",
                "offline_access",
                KIOSK_SCOPE,
                Role.RESERVE_PORTIONS.value,
            ],
            "clients": clients,
        },
        "session": {
            "management_secret": settings.management_secret.get_secret_value(),
            "secret_key": os.urandom(32).hex(),
        },
        "jwt": {"keys_dir": str(directory / "keys")},
        "runtime": {"store": "sqlite", "path": str(directory / "runtime.db")},
        "logging": {"level": "WARNING"},
        "cors_allowed_origins": [],
    }
    users = {
        "config_version": 1,
        "users": {a.username: user_entry(a) for a in ACCOUNTS},
    }
    (config / "settings.yaml").write_text(json.dumps(provider, indent=2) + "\n")
    (config / "users.yaml").write_text(json.dumps(users, indent=2) + "\n")
    return config


def user_entry(account: Account) -> dict[str, Any]:
    """A user as NanoIDP's users.yaml and its runtime API take it."""
    entry: dict[str, Any] = {
        "password": account.password,
        "email": f"{account.username}@cafeteria.example",
        "roles": [account.role.value],
        "description": account.name,
    }
    if account.card_no is not None:
        entry["attributes"] = {"employee_card_no": account.card_no}
    return entry


def serve(data_dir: Path, port: int | None = None) -> None:
    """Write the configuration and run the provider in the foreground."""
    import flask.cli
    from nanoidp.app import run_app

    from erestaurant.gateway.settings import GatewaySettings
    from erestaurant.hall.settings import HallSettings

    settings = LocalIdentitySettings.load()
    if port is not None:
        settings = settings.model_copy(update={"port": port})
    hall, gateway = HallSettings.load(), GatewaySettings.load()
    config = write_config(
        (data_dir / "identity").resolve(),
        settings,
        hall,
        hall.client_secret.get_secret_value(),
        gateway.client_secret.get_secret_value(),
        gateway.public_url,
    )
    service_logging.configure("identity", "WARNING")
    # Its development server logs every request at INFO; a token fetch is no news.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    flask.cli.show_server_banner = lambda *args: None
    run_app(host=settings.host, port=settings.port, config_dir=str(config))
