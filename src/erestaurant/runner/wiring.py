"""What each child of ``erestaurant up`` is given: its command, its port, its environment.

Every child gets the runner's environment, completed with where the others are: the data
folder, the NATS server and the identity provider (the ones `up` starts, unless the
environment names its own), and the URLs by which the gateway, the screens and hall reach
the services (each a comma-separated list of a service's replicas, unless given). The first
replica of each service listens where its settings say (``HALL_PORT``...), the others on
free ports; a child's own environment sets its port.
"""

from __future__ import annotations

import random
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from erestaurant import services
from erestaurant.identity.local import LocalIdentitySettings
from erestaurant.runner import nats
from erestaurant.runner.nats import LocalNatsSettings
from erestaurant.runner.supervision import Child, Kind

# The one service that is not replicated: it is what people's browsers and kiosks call.
FRONT = "gateway"


@dataclass
class Wiring:
    data_dir: Path
    env: dict[str, str]
    # The ports of each service's replicas, the first one first.
    ports: dict[str, list[int]]
    nats: LocalNatsSettings | None = None  # None: the environment names a server
    identity: LocalIdentitySettings | None = None  # None: the environment names a provider

    @classmethod
    def from_environment(
        cls,
        environ: dict[str, str],
        replicas: int,
        data_dir: Path | None = None,
        nats_port: int | None = None,
    ) -> Wiring:
        env = dict(environ)
        data_dir = (data_dir or Path(env.get("ERESTAURANT_DATA_DIR", "data"))).resolve()
        env["ERESTAURANT_DATA_DIR"] = str(data_dir)
        local_nats = None
        if "ERESTAURANT_NATS_URL" not in env:
            local_nats = LocalNatsSettings.load()
            if nats_port is not None:
                local_nats = local_nats.model_copy(update={"port": nats_port})
            env["ERESTAURANT_NATS_URL"] = local_nats.url
        identity = None
        if "ERESTAURANT_AUTH_ISSUER" not in env:
            identity = LocalIdentitySettings.load()
            env["ERESTAURANT_AUTH_ISSUER"] = identity.issuer
        ports = first_ports(env)
        for name in ports:
            if name != FRONT:
                ports[name] += free_ports(replicas - 1)
        for name in services.WITH_DATABASE:
            env.setdefault(f"GATEWAY_{name.upper()}_URL", _urls(ports[name]))
            env.setdefault(f"WEB_{name.upper()}_URL", _urls(ports[name]))
        env.setdefault("GATEWAY_WEB_URL", _urls(ports["web"]))
        env.setdefault("HALL_KITCHEN_URL", _urls(ports["kitchen"]))
        env.setdefault("GATEWAY_PUBLIC_URL", _urls(ports[FRONT]))
        return cls(data_dir, env, ports, local_nats, identity)

    @property
    def front(self) -> str:
        """Where people start: the gateway, as it is known to them."""
        return self.env.get("GATEWAY_PUBLIC_URL") or _urls(self.ports[FRONT][:1])

    def children(self) -> list[Child]:
        """Every child, in the order it starts: NATS, the identity provider, then each
        service's replicas in the registry's order (writes NATS's configuration)."""
        children = []
        if self.nats is not None:
            children.append(nats.child(self.nats, self.data_dir))
        if self.identity is not None:
            command = [sys.executable, "-m", "erestaurant", "identity"]
            command += ["--data-dir", str(self.data_dir), "--port", str(self.identity.port)]
            children.append(Child("identity", command, self.identity.port, kind=Kind.IDENTITY))
        for name, ports in self.ports.items():
            prefix = services.REGISTRY[name].env_prefix
            for number, port in enumerate(ports, start=1):
                children.append(
                    Child(
                        name if number == 1 else f"{name}-{number}",
                        [sys.executable, "-m", "erestaurant", "serve", name],
                        port,
                        {f"{prefix}PORT": str(port)},
                    )
                )
        return children


def first_ports(env: dict[str, str]) -> dict[str, list[int]]:
    """Each service's port as its settings say (its ``<PREFIX>PORT``, or its default)."""
    ports = {}
    for name, service in services.REGISTRY.items():
        ports[name] = [int(env.get(f"{service.env_prefix}PORT", str(service.default_port)))]
    return ports


# Where the kernel takes the local ends of outgoing connections when it is not told.
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Ports below that range, for the processes the runner starts.
_OWN_PORTS = 12_000


def free_ports(count: int) -> list[int]:
    """Ports nothing is bound to now, for processes about to start.

    They are picked below the kernel's range for outgoing connections: a port the kernel
    hands out as free may meanwhile become the local end of a connection some process
    opens (to NATS, to a database), and the replica that was to listen on it then can
    never bind it.
    """
    low = _ephemeral_low()
    first = max(1024, low - _OWN_PORTS)
    ports: list[int] = []
    while len(ports) < count:
        port = random.randrange(first, low)
        if port not in ports and port_free(port):
            ports.append(port)
    return ports


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _urls(ports: list[int]) -> str:
    return ",".join(f"http://127.0.0.1:{port}" for port in ports)
