"""The profiles the end-to-end suite runs the system on, made ready on this machine.

``production`` reads profiles/production.env, the file the README documents, and changes
only names: a database of the run's own on each server, a Redis key prefix of its own,
and a NATS server of its own (from the wheel, as an external server: `up` starts none).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from erestaurant import profile
from erestaurant.runner.wiring import free_ports
from tests import engines

PROFILES = ("default", "production")
PRODUCTION_FILE = Path(__file__).parents[1] / "profiles" / "production.env"
NATS_READY_SECONDS = 20.0


@contextlib.contextmanager
def prepared(name: str, root: Path) -> Iterator[dict[str, str]]:
    """The environment that selects profile ``name`` for a system under ``root``."""
    if name == "default":
        yield {}
        return
    if name != "production":
        raise ValueError(f"unknown profile {name!r}")
    env = profile.read(PRODUCTION_FILE)
    with contextlib.ExitStack() as stack:
        for variable, value in env.items():
            if variable.endswith("_DATABASE_URL") and not value.startswith("redis"):
                engine = make_url(value).get_backend_name().replace("mysql", "mariadb")
                label = variable.removesuffix("_DATABASE_URL").lower()
                env[variable] = stack.enter_context(engines.database(engine, label, root))
        engines.require("redis")
        env["WORKERCENTER_KEY_PREFIX"] = f"erestaurant-test:{uuid.uuid4().hex[:8]}"
        stack.callback(engines.wipe_redis, env["WORKERCENTER_KEY_PREFIX"])
        env["ERESTAURANT_NATS_URL"] = stack.enter_context(external_nats(root / "nats-external"))
        yield env


def servers(name: str) -> dict[str, str] | None:
    """What the fault matrix is given to run on profile ``name`` (it lends each run databases
    of its own: ``erestaurant.faults.servers``); None for the default, which needs none."""
    if name == "default":
        return None
    if name != "production":
        raise ValueError(f"unknown profile {name!r}")
    values = profile.read(PRODUCTION_FILE)
    for url in (v for k, v in values.items() if k.endswith("_DATABASE_URL")):
        engines.require(make_url(url).get_backend_name().replace("mysql", "mariadb"))
    return values


@contextlib.contextmanager
def external_nats(data_dir: Path) -> Iterator[str]:
    """`erestaurant nats` on a free port: the NATS server the services are pointed at."""
    [port] = free_ports(1)
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "nats.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "erestaurant",
                "nats",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        engines.wait_for_port(port, NATS_READY_SECONDS, process)
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
