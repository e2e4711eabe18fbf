"""A real gateway process in front of the screens: routing with and without a token,
server-sent events streamed through it, and a kiosk that signs in as its device.

The web service is played by a small aiohttp server the test runs (on a port of its own,
in a thread): `/kiosk` and every other screen path say whether an Authorization header
reached them, and `/kiosk/events` sends an event every 100 ms for as long as the client
listens, counting the streams it has open. The identity provider and the services are the
system's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from aiohttp import web

from erestaurant.identity.local import KIOSKS
from erestaurant.platform.access import Role
from erestaurant.runner.wiring import free_ports
from tests.e2e.conftest import System, wait_ready

pytestmark = pytest.mark.e2e

UPSTREAM_TIMEOUT = 1.0
SHUTDOWN_DELAY = 0.5
EVENT_EVERY = 0.1
EVENTS = {"Accept": "text/event-stream"}


class Screens:
    """The stand-in for the web service, serving on a loop of its own in a thread."""

    def __init__(self) -> None:
        self.open_streams = 0
        self.ended_streams = 0
        [self.port] = free_ports(1)
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(self._app())

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/health/ready", self.ready)
        app.router.add_get("/kiosk/events", self.events)
        app.router.add_route("*", "/{tail:.*}", self.echo)
        return app

    async def ready(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "UP"})

    async def echo(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"path": request.path, "authorization": request.headers.get("Authorization")}
        )

    async def events(self, request: web.Request) -> web.StreamResponse:
        stream = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await stream.prepare(request)
        self.open_streams += 1
        try:
            for n in range(1_000_000):  # for ever, as far as any test goes
                await stream.write(f"data: {n} {time.time()}\n\n".encode())
                await asyncio.sleep(EVENT_EVERY)
        except ConnectionError:
            pass  # the gateway closed the connection: the stream is over
        finally:
            self.open_streams -= 1
            self.ended_streams += 1
        return stream

    @contextlib.contextmanager
    def serving(self) -> Iterator[Screens]:
        thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        thread.start()
        self._call(self._start())
        try:
            yield self
        finally:
            self._call(self._runner.cleanup())
            self._loop.call_soon_threadsafe(self._loop.stop)
            thread.join(10)
            self._loop.close()

    async def _start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def _call(self, work: object) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(30)  # type: ignore[arg-type]


@dataclass
class Gateway:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def gateway(
    root: Path, screens: Screens, issuer: str, services: dict[str, str] | None = None
) -> Iterator[Gateway]:
    """`erestaurant serve gateway` with the screens at ``screens`` and a short upstream
    timeout and shutdown delay; it must stop cleanly, without a traceback."""
    [port] = free_ports(1)
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "ERESTAURANT_"))},
        **{f"GATEWAY_{name.upper()}_URL": at for name, at in (services or {}).items()},
        "ERESTAURANT_AUTH_ISSUER": issuer,
        "ERESTAURANT_LOG_LEVEL": "DEBUG",
        "ERESTAURANT_SHUTDOWN_DELAY_SECONDS": str(SHUTDOWN_DELAY),
        "GATEWAY_PORT": str(port),
        "GATEWAY_PUBLIC_URL": url,
        "GATEWAY_WEB_URL": screens.url,
        "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": str(UPSTREAM_TIMEOUT),
    }
    log = root / f"gateway-{port}.log"
    with log.open("wb") as out:
        command = [sys.executable, "-m", "erestaurant", "serve", "gateway"]
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Gateway(url, process, log)
    try:
        wait_ready(running.url, alive=lambda: _alive(running))
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
    assert "Traceback" not in running.logs(), running.logs()[-5000:]


def _alive(running: Gateway) -> bool:
    assert running.process.poll() is None, running.logs()
    return True


def _next_events(lines: Iterator[str], count: int) -> list[tuple[float, str]]:
    """The next ``count`` events of a stream, each with when it arrived (wall clock)."""
    arrived = []
    for line in lines:
        if line.startswith("data:"):
            arrived.append((time.time(), line))
            if len(arrived) == count:
                return arrived
    raise AssertionError(f"the stream ended after {len(arrived)} of {count} events")


def _eventually(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def screens() -> Iterator[Screens]:
    with Screens().serving() as serving:
        yield serving


@pytest.fixture(scope="module")
def bare_gateway(tmp_path_factory: pytest.TempPathFactory, screens: Screens) -> Iterator[Gateway]:
    """A gateway for streams alone: no token is asked for, so no provider is needed."""
    [nowhere] = free_ports(1)
    root = tmp_path_factory.mktemp("gateway-streams")
    with gateway(root, screens, f"http://127.0.0.1:{nowhere}") as running:
        yield running


@pytest.fixture(scope="module")
def system_gateway(
    tmp_path_factory: pytest.TempPathFactory, screens: Screens, system: System
) -> Iterator[Gateway]:
    """A gateway in front of the system's services and provider, and of the screens."""
    services = {n: u for n, u in system.urls.items() if n not in ("gateway", "web")}
    root = tmp_path_factory.mktemp("gateway-screens")
    with gateway(root, screens, system.issuer, services) as running:
        yield running


# -- streams -------------------------------------------------------------------------------


def test_events_arrive_one_by_one_while_the_stream_goes_on(bare_gateway: Gateway) -> None:
    url = f"{bare_gateway.url}/kiosk/events"
    with httpx.stream("GET", url, headers=EVENTS, timeout=10) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/event-stream"
        assert answer.headers["X-Correlation-ID"]
        assert "Content-Length" not in answer.headers
        arrived = _next_events(answer.iter_lines(), 5)
    # Each came as the service sent it (it says when), on a stream that never ends.
    delays = [at - float(line.split()[2]) for at, line in arrived]
    assert all(delay < 1.0 for delay in delays), delays
    assert [line.split()[1] for _, line in arrived] == ["0", "1", "2", "3", "4"]


def test_a_stream_outlives_the_upstream_timeout(bare_gateway: Gateway) -> None:
    url = f"{bare_gateway.url}/kiosk/events"
    with httpx.stream("GET", url, headers=EVENTS, timeout=10) as answer:
        lines = answer.iter_lines()
        started = time.monotonic()
        while time.monotonic() - started < UPSTREAM_TIMEOUT * 2.5:
            _next_events(lines, 1)


def test_a_client_that_leaves_closes_the_upstream_stream(
    bare_gateway: Gateway, screens: Screens
) -> None:
    _eventually(lambda: screens.open_streams == 0)  # the earlier tests' streams are over
    ended = screens.ended_streams
    with httpx.stream("GET", f"{bare_gateway.url}/kiosk/events", headers=EVENTS) as answer:
        _next_events(answer.iter_lines(), 2)
        assert screens.open_streams == 1
    _eventually(lambda: screens.open_streams == 0)
    assert screens.ended_streams == ended + 1
    _eventually(lambda: "until the client left" in bare_gateway.logs())


def test_a_stopping_gateway_ends_an_open_stream_promptly(tmp_path: Path, screens: Screens) -> None:
    [nowhere] = free_ports(1)
    with gateway(tmp_path, screens, f"http://127.0.0.1:{nowhere}") as running:
        url = f"{running.url}/kiosk/events"
        with httpx.stream("GET", url, headers=EVENTS, timeout=10) as answer:
            lines = answer.iter_lines()
            _next_events(lines, 1)
            running.process.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            with contextlib.suppress(httpx.TransportError):
                for _ in lines:  # the rest of the stream, until the gateway ends it
                    pass
            ended_after = time.monotonic() - stopped
        assert running.process.wait(10) == 0
        gone_after = time.monotonic() - stopped
    # Served for the shutdown delay, then ended: not held until aiohttp's shutdown timeout.
    assert SHUTDOWN_DELAY <= ended_after < SHUTDOWN_DELAY + 3, ended_after
    assert gone_after < SHUTDOWN_DELAY + 5, gone_after
    assert "ended 1 open stream(s)" in running.logs()


# -- screens and tokens --------------------------------------------------------------------


def test_a_screen_goes_on_with_the_token_there_is_and_without_one_when_none(
    system_gateway: Gateway, system: System
) -> None:
    url = f"{system_gateway.url}/kiosk"
    bare = httpx.get(url, timeout=10)
    assert bare.status_code == 200
    assert bare.json()["authorization"] is None
    token = system.auth(Role.KIOSK).token()
    signed = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert signed.json()["authorization"] == f"Bearer {token}"
    forged = httpx.get(url, headers={"Authorization": "Bearer forged"}, timeout=10)
    assert forged.status_code == 401
    assert httpx.get(f"{system_gateway.url}/kitchens/menus", timeout=10).status_code == 401


def test_a_kiosk_signs_in_as_its_device_and_its_session_reaches_the_services(
    system_gateway: Gateway,
) -> None:
    kiosk = KIOSKS[0]
    with httpx.Client(base_url=system_gateway.url, timeout=10) as browser:
        signed = browser.post(
            "/auth/device",
            data={"client_id": kiosk.client_id, "client_secret": kiosk.secret, "next": "/kiosk"},
            headers={"Origin": system_gateway.url},
        )
        assert signed.status_code == 303, signed.text
        assert signed.headers["Location"] == "/kiosk"
        cookie = signed.headers["Set-Cookie"]
        assert "erestaurant_session=" in cookie
        assert "HttpOnly" in cookie
        assert "Max-Age=2592000" in cookie
        assert kiosk.secret not in cookie

        menus = browser.get("/kitchens/menus")
        assert menus.status_code == 200, menus.text
        me = browser.get("/auth/me").json()
        assert (me["roles"], me["clientId"]) == (["kiosk"], kiosk.client_id)
        seen = browser.get("/kiosk").json()["authorization"]
        claims = jwt.decode(seen.split()[1], options={"verify_signature": False})
        assert "kiosk" in claims["scope"].split()


def test_wrong_kiosk_credentials_go_back_to_the_setup_page(system_gateway: Gateway) -> None:
    with httpx.Client(base_url=system_gateway.url, timeout=10) as browser:
        refused = browser.post(
            "/auth/device",
            data={"client_id": KIOSKS[0].client_id, "client_secret": "not-its-secret"},
            headers={"Origin": system_gateway.url},
        )
        assert refused.status_code == 303
        assert refused.headers["Location"] == "/kiosk/setup?error=refused"
        assert "erestaurant_session" not in browser.cookies
        assert urlsplit(refused.headers["Location"]).path == "/kiosk/setup"
        assert browser.get("/kitchens/menus").status_code == 401
