"""A whole e-restaurant started with ``erestaurant up`` on free ports, for tests and faults."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from erestaurant.runner.wiring import free_ports
from erestaurant.services import NAMES, REGISTRY

# Load tools play many kiosks and cooks through a few clients: the gateway's rate limits,
# which are per client, would measure the limit, not the system.
UNLIMITED = {"GATEWAY_RATE_PER_DEVICE": "0", "GATEWAY_RATE_PER_USER": "0"}
READY_SECONDS = 60.0
STOP_SECONDS = 30.0


class SystemFailed(RuntimeError):
    pass


@dataclass
class LocalSystem:
    root: Path
    ports: dict[str, int]
    env: dict[str, str]
    log_file: Path
    process: subprocess.Popen[bytes]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def gateway(self) -> str:
        return self.url("gateway")

    @property
    def issuer(self) -> str:
        """The system's identity provider: the local one `up` started, or one it was given."""
        return self.env.get("ERESTAURANT_AUTH_ISSUER", self.url("identity"))

    @property
    def nats_url(self) -> str:
        """The system's NATS: the one `up` started, or a server of its own it was given."""
        return self.env.get("ERESTAURANT_NATS_URL", f"nats://127.0.0.1:{self.ports['nats']}")

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def logs(self) -> str:
        return self.log_file.read_text(errors="replace")

    def pid(self, child: str) -> int:
        """The process id of a child ('nats' or a service) as the runner last started it."""
        found = re.findall(rf"started {child} \(pid (\d+)\)", self.logs())
        if not found:
            raise SystemFailed(f"{child} was never started")
        return int(found[-1])

    def signal(self, child: str, sig: signal.Signals) -> int | None:
        """Send ``sig`` to a child as the runner last started it; its pid, or None if that
        process is gone (killed, and not restarted yet)."""
        pid = self.pid(child)
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return None
        return pid

    def service_env(self) -> dict[str, str]:
        """The environment a service of this system reads its settings from."""
        return {
            **self.env,
            "ERESTAURANT_DATA_DIR": str(self.data_dir),
            "ERESTAURANT_NATS_URL": self.nats_url,
            "ERESTAURANT_AUTH_ISSUER": self.issuer,
        }


@contextlib.contextmanager
def running(
    root: Path, extra_env: Mapping[str, str] | None = None, *, tracebacks_allowed: bool = False
) -> Iterator[LocalSystem]:
    """`erestaurant up` on free ports with its data under ``root``; stopped as by Ctrl-C.

    On leaving, the runner must exit 0 and, unless faults were injected on purpose, no
    service may have logged a traceback.
    """
    root.mkdir(parents=True, exist_ok=True)
    children = (*NAMES, "nats", "identity")
    ports = dict(zip(children, free_ports(len(children)), strict=True))
    ours = ("ERESTAURANT_", *(s.env_prefix for s in REGISTRY.values()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update({f"{s.env_prefix}PORT": str(ports[s.name]) for s in REGISTRY.values()})
    env["ERESTAURANT_NATS_PORT"] = str(ports["nats"])
    env["ERESTAURANT_IDENTITY_PORT"] = str(ports["identity"])
    # The runner's drills (freeze, kill, flood) stay off unless a caller asks for them on a
    # port of its own: a system under test is not to be flooded by a screen's button.
    env["ERESTAURANT_CONTROL_PORT"] = "0"
    env.update(extra_env or {})
    runs = len(list(root.glob("up*.log")))
    log_file = root / ("up.log" if runs == 0 else f"up-{runs + 1}.log")
    command = [sys.executable, "-m", "erestaurant", "up", "--data-dir", str(root / "data")]
    with log_file.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    system = LocalSystem(root, ports, env, log_file, process)
    try:
        deadline = time.monotonic() + READY_SECONDS
        while "e-restaurant is up" not in system.logs():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemFailed(f"erestaurant up did not come up:\n{system.logs()[-5000:]}")
            time.sleep(0.05)
        yield system
    finally:
        code = _stop(process)
    if code != 0:
        raise SystemFailed(f"erestaurant up exited with {code}:\n{system.logs()[-5000:]}")
    if not tracebacks_allowed and "Traceback" in system.logs():
        raise SystemFailed(f"a traceback was logged:\n{system.logs()[-8000:]}")


def _stop(process: subprocess.Popen[bytes]) -> int | None:
    process.send_signal(signal.SIGINT)  # as Ctrl-C
    try:
        return process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None
