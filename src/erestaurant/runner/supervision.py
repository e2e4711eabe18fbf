"""The children of ``erestaurant up``: how each is started, kept alive and stopped.

A child that dies is started again, after a pause that grows while it keeps dying; one that
stops answering its liveness path (hung) is killed and started again; one that exits with
CannotStart's code stops the whole run, since starting it again would not help. Every child
gets SIGTERM if the runner dies, even by kill -9 (the kernel's parent-death signal). On
stopping, the services go first, in reverse order of start (the gateway stops taking
requests first), NATS last.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import enum
import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp

from erestaurant.platform.settings import CannotStart
from erestaurant.runner.settings import RunnerSettings

log = logging.getLogger("erestaurant.runner")

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
# A child that stayed up this long is healthy again: its next restart comes at once.
STABLE_SECONDS = 30.0
FIRST_BACKOFF_SECONDS = 0.5
LONGEST_BACKOFF_SECONDS = 15.0


class RunnerError(SystemExit):
    pass


class Kind(enum.Enum):
    """What a child is, which says how it is watched, and when it starts and stops."""

    NATS = "nats"  # the broker: no HTTP, so only its exit is watched; stopped last
    IDENTITY = "identity"  # the local OpenID Connect provider, with health paths of its own
    SERVICE = "service"  # a service (or a replica of one), the screens, the gateway

    @property
    def speaks_http(self) -> bool:
        return self is not Kind.NATS

    @property
    def live_path(self) -> str:
        """Where it answers whether it can serve."""
        return "/health" if self is Kind.IDENTITY else "/health/live"

    @property
    def ready_path(self) -> str:
        """Where it answers whether it is ready."""
        return "/.well-known/openid-configuration" if self is Kind.IDENTITY else "/health/ready"

    @property
    def needed_listening(self) -> bool:
        """The children started after it need it listening before they start."""
        return self is not Kind.SERVICE


@dataclass
class Child:
    name: str
    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    kind: Kind = Kind.SERVICE
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    # The wall-clock time of the last start, for people (the control API shows it).
    started_utc: datetime | None = None
    # Stopped (SIGSTOP) through the control API; a new process never is.
    frozen: bool = False
    restarts: int = 0
    backoff: float = field(default=FIRST_BACKOFF_SECONDS)
    # Liveness is judged only once the process has answered it since its start.
    answered: bool = False
    missed: int = 0

    @property
    def url(self) -> str | None:
        return f"http://127.0.0.1:{self.port}" if self.kind.speaks_http else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


class Supervisor:
    """Starts ``children`` with ``env`` (and each child's own), keeps them up, stops them.

    ``env`` is the runner's dictionary: what it adds before a child starts (the control
    API's address), the child gets.
    """

    def __init__(self, env: dict[str, str], settings: RunnerSettings) -> None:
        self.env = env
        self.settings = settings
        self.children: list[Child] = []
        self.stopping = asyncio.Event()

    # -- starting ----------------------------------------------------------------------------

    async def start_all(self) -> None:
        """Each child in turn; NATS and the identity provider listening before the next."""
        for child in self.children:
            await self.start(child)
            if child.kind.needed_listening:
                await _wait_for_port(child.port, READY_TIMEOUT_SECONDS)

    async def start(self, child: Child) -> None:
        child.process = await asyncio.create_subprocess_exec(
            *child.argv, env={**self.env, **child.env}, preexec_fn=_stop_with_parent
        )
        child.started_at = time.monotonic()
        child.started_utc = datetime.now(UTC)
        child.answered, child.missed, child.frozen = False, 0, False
        log.info("started %s (pid %d)", child.name, child.process.pid)

    async def wait_ready(self) -> None:
        """Until every child that speaks HTTP answers its ready path (restarting any that
        dies meanwhile), or the runner is told to stop."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            for child in self.children:
                while child.url is not None and not await _answers(
                    http, f"{child.url}{child.kind.ready_path}"
                ):
                    if self.stopping.is_set():
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

    # -- keeping them up ---------------------------------------------------------------------

    async def supervise(self) -> None:
        """Until the runner is told to stop: start again what died, kill what hangs."""
        liveness = asyncio.create_task(self._check_liveness())
        try:
            await self._watch()
        finally:
            liveness.cancel()

    async def _watch(self) -> None:
        # Each child is restarted on its own: one waiting out a long backoff (a broker that
        # keeps dying) must not keep the others down meanwhile.
        restarting: dict[str, asyncio.Task[None]] = {}
        try:
            while not self.stopping.is_set():
                for child in self.children:
                    task = restarting.get(child.name)
                    if task is not None and task.done():
                        task.result()  # a failure to start again is the runner's failure
                    if (task is None or task.done()) and not child.running:
                        self._give_up_if_hopeless(child)
                        restarting[child.name] = asyncio.create_task(self._restart(child))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), 0.5)
        finally:
            await asyncio.gather(*restarting.values(), return_exceptions=True)

    async def _check_liveness(self) -> None:
        """Kill a process that stopped answering its liveness path (hung, frozen,
        deadlocked); the watch then starts it again, as Kubernetes' liveness probe would."""
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
        if await _answers(http, f"{child.url}{child.kind.live_path}"):
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
            child.backoff = FIRST_BACKOFF_SECONDS
        log.warning("%s exited (code %s); restarting in %.1fs", child.name, code, child.backoff)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), child.backoff)
        if self.stopping.is_set():
            return
        child.backoff = min(child.backoff * 2, LONGEST_BACKOFF_SECONDS)
        child.restarts += 1
        await self.start(child)

    # -- stopping ----------------------------------------------------------------------------

    async def stop_all(self) -> None:
        """Services first, in reverse order (the gateway stops taking requests first), NATS last."""
        log.info("stopping")
        for group in (
            [c for c in self.children if c.kind is not Kind.NATS],
            [c for c in self.children if c.kind is Kind.NATS],
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


_PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM if `up` dies, even by kill -9, so that no
    service or NATS outlives the runner that owns its ports."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


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


async def _answers(http: aiohttp.ClientSession, url: str) -> bool:
    """Whether ``url`` answers 200 (a health path)."""
    try:
        async with http.get(url) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
