"""The gateway in front of the screens: `/`, `/kiosk`, ... go to the web service, with the
token when the caller has one and without it when not; answers without a Content-Length
(server-sent events) are streamed as they come, and end when the client leaves or the
gateway stops.

Everything here is real HTTP on loopback: the gateway (create_app, in aiohttp's test
server), an issuer that signs tokens with a key of the test's own and hands out kiosk
tokens by client credentials, and a web service that echoes what reached it and sends an
event every 100 ms for as long as anyone listens.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import ClientResponse, ClientTimeout, web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from erestaurant.gateway.app import STREAMS, create_app
from erestaurant.gateway.settings import GatewaySettings
from erestaurant.runner.wiring import free_ports

PUBLIC = "http://cafeteria.test"  # the gateway's origin, as its own pages send it
UPSTREAM_TIMEOUT = 0.5
EVENT_EVERY = 0.1
KIOSK_1 = ("kiosk-1", "kiosk-1-secret")


@dataclass
class Issuer:
    """An OpenID provider of the test's own: it publishes its key, signs people's tokens
    when asked, and grants client credentials to the clients it knows, with the scopes
    each may have."""

    url: str = ""
    key: Any = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    clients: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {KIOSK_1[0]: (KIOSK_1[1], "kiosk"), "hall": ("hall-s", "")}
    )
    expires_in: int = 900
    grants: list[str] = field(default_factory=list)  # the client ids that asked, in order

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/jwks", self.jwks)
        app.router.add_post("/token", self.token)
        return app

    async def discovery(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.url,
                "jwks_uri": f"{self.url}/jwks",
                "token_endpoint": f"{self.url}/token",
                "authorization_endpoint": f"{self.url}/authorize",
            }
        )

    async def jwks(self, _: web.Request) -> web.Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return web.json_response({"keys": [{**public, "kid": "k1", "alg": "RS256"}]})

    async def token(self, request: web.Request) -> web.Response:
        client_id, _, secret = (
            base64.b64decode(request.headers["Authorization"].split()[1]).decode().partition(":")
        )
        form = await request.post()
        known = self.clients.get(client_id)
        if known is None or known[0] != secret or form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "invalid_client"}, status=401)
        self.grants.append(client_id)
        # Like some providers, it grants the client's own scopes whatever was asked for.
        token = self.sign(client_id, client_id=client_id, scope=known[1])
        return web.json_response(
            {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        )

    def sign(self, subject: str, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "aud": "erestaurant", "sub": subject, "iat": now}
        body["exp"] = now + self.expires_in
        body["jti"] = f"{subject}-{len(self.grants)}-{time.monotonic_ns()}"
        return jwt.encode({**body, **claims}, self.key, "RS256", {"kid": "k1"})


@dataclass
class Web:
    """The web service as far as the gateway can tell: it says what reached it, and streams
    events for as long as the client listens (it counts the streams it has open)."""

    open_streams: int = 0
    ended_streams: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/health/ready", self.ready)
        app.router.add_get("/kiosk/events", self.events)
        app.router.add_get("/kiosk/slow", self.slow)
        app.router.add_get("/kiosk/events/late", self.late)
        app.router.add_route("*", "/{tail:.*}", self.echo)
        return app

    async def ready(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "UP"})

    async def echo(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "path": request.path,
                "method": request.method,
                "authorization": request.headers.get("Authorization"),
                "cookie": request.headers.get("Cookie"),
            }
        )

    async def events(self, request: web.Request) -> web.StreamResponse:
        stream = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await stream.prepare(request)
        self.open_streams += 1
        try:
            for n in range(1_000_000):
                await stream.write(f"data: {n} {time.monotonic()}\n\n".encode())
                await asyncio.sleep(EVENT_EVERY)
        except ConnectionError:
            pass  # the gateway closed its connection: the stream is over
        finally:
            self.open_streams -= 1
            self.ended_streams += 1
        return stream

    async def slow(self, _: web.Request) -> web.Response:
        await asyncio.sleep(UPSTREAM_TIMEOUT * 4)
        return web.json_response({"late": True})

    async def late(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(UPSTREAM_TIMEOUT * 4)  # not even the headers in time
        return await self.events(request)


Gateway = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
async def issuer() -> AsyncIterator[Issuer]:
    issuer = Issuer()
    server = TestServer(issuer.app())
    await server.start_server()
    issuer.url = str(server.make_url("")).rstrip("/")
    yield issuer
    await server.close()


@pytest.fixture
async def screens() -> AsyncIterator[tuple[Web, str]]:
    service = Web()
    server = TestServer(service.app())
    await server.start_server()
    yield service, str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
async def gateway(
    issuer: Issuer, screens: tuple[Web, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Gateway]:
    """Start a gateway in front of the issuer and the web service, with settings of the
    test's choosing; stopped after the test if the test did not stop it."""
    started: list[TestClient[web.Request, web.Application]] = []

    async def start(**settings: str) -> TestClient[web.Request, web.Application]:
        [dead] = free_ports(1)  # the services: these tests reach only the screens
        for name, value in {
            "ERESTAURANT_AUTH_ISSUER": issuer.url,
            "GATEWAY_WEB_URL": screens[1],
            "GATEWAY_HALL_URL": f"http://127.0.0.1:{dead}",
            "GATEWAY_KITCHEN_URL": f"http://127.0.0.1:{dead}",
            "GATEWAY_PUBLIC_URL": PUBLIC,
            "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": str(UPSTREAM_TIMEOUT),
            "GATEWAY_RATE_PER_DEVICE": "0",
            "GATEWAY_RATE_PER_USER": "0",
            **settings,
        }.items():
            monkeypatch.setenv(name, value)
        client = TestClient(TestServer(create_app(GatewaySettings.load())))
        await client.start_server()
        started.append(client)
        return client

    yield start
    for client in started:
        await client.close()


async def _events(answer: ClientResponse, count: int) -> list[tuple[float, bytes]]:
    """The next ``count`` events of a stream, each with when it arrived."""
    arrived: list[tuple[float, bytes]] = []
    async with asyncio.timeout(count * EVENT_EVERY + 5):  # a stream held back fails, not hangs
        while len(arrived) < count:
            line = await answer.content.readline()
            assert line, "the stream ended"
            if line.startswith(b"data:"):
                arrived.append((time.monotonic(), line))
    return arrived


async def _eventually(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- routing -------------------------------------------------------------------------------


async def test_a_screen_without_a_token_goes_to_web_without_authorization(
    gateway: Gateway,
) -> None:
    client = await gateway()
    for path in ("/", "/kiosk", "/kitchen/tickets", "/me", "/payroll", "/ops", "/assets/a.css"):
        answer = await client.get(path, headers={"Cookie": "theirs=1"})
        assert answer.status == 200, path
        seen = await answer.json()
        assert seen == {"path": path, "method": "GET", "authorization": None, "cookie": None}
        assert answer.headers["X-Correlation-ID"]


async def test_a_screen_with_a_token_goes_on_with_it_and_a_bad_one_is_refused(
    gateway: Gateway, issuer: Issuer
) -> None:
    client = await gateway()
    token = issuer.sign("kim", roles=["employee"])
    answer = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert (await answer.json())["authorization"] == f"Bearer {token}"
    forged = await client.get("/me", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status == 401
    assert forged.headers["WWW-Authenticate"].startswith("Bearer")


async def test_api_routes_still_need_a_token_and_other_paths_have_no_route(
    gateway: Gateway,
) -> None:
    client = await gateway()
    assert (await client.get("/halls/orders/1")).status == 401
    assert (await client.get("/kiosks")).status == 404  # a prefix of no screen
    assert (await client.get("/nowhere")).status == 404


async def test_a_session_cookie_that_gives_no_token_is_no_token_on_a_screen(
    gateway: Gateway,
) -> None:
    client = await gateway()
    answer = await client.get("/kiosk", headers={"Cookie": "erestaurant_session=stale"})
    assert answer.status == 200
    assert (await answer.json())["authorization"] is None


async def test_the_rate_limits_count_screens_asked_for_with_a_token(
    gateway: Gateway, issuer: Issuer
) -> None:
    client = await gateway(GATEWAY_RATE_PER_USER="1", GATEWAY_RATE_BURST_SECONDS="1")
    token = {"Authorization": f"Bearer {issuer.sign('kim', roles=['employee'])}"}
    assert (await client.get("/me", headers=token)).status == 200
    refused = await client.get("/me", headers=token)
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert (await client.get("/me")).status == 200  # no token, no bucket


async def test_a_service_that_is_down_is_answered_503(gateway: Gateway) -> None:
    [dead] = free_ports(1)
    client = await gateway(GATEWAY_WEB_URL=f"http://127.0.0.1:{dead}")
    answer = await client.get("/kiosk")
    assert answer.status == 503
    assert (await answer.json())["error"] == "SERVICE_UNAVAILABLE"


# -- streams -------------------------------------------------------------------------------


async def test_events_arrive_one_by_one_while_the_stream_goes_on(gateway: Gateway) -> None:
    client = await gateway()
    async with client.get(
        "/kiosk/events", headers={"Accept": "text/event-stream", "X-Correlation-ID": "c-7"}
    ) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "text/event-stream"
        assert answer.headers["X-Correlation-ID"] == "c-7"
        assert "Content-Length" not in answer.headers
        arrived = await _events(answer, 4)
    # Each event came as the service sent it (it says when), on a stream that never ends:
    # nothing waited for the end of the answer.
    delays = [at - float(line.split()[2]) for at, line in arrived]
    assert all(delay < 1.0 for delay in delays), delays
    assert [line.split()[1] for _, line in arrived] == [b"0", b"1", b"2", b"3"]


async def test_a_stream_outlives_the_upstream_timeout(gateway: Gateway) -> None:
    client = await gateway()
    started = time.monotonic()
    async with client.get("/kiosk/events", headers={"Accept": "text/event-stream"}) as answer:
        await _events(answer, int(UPSTREAM_TIMEOUT * 3 / EVENT_EVERY))
    assert time.monotonic() - started > UPSTREAM_TIMEOUT * 2


async def test_a_stream_whose_headers_are_late_and_a_slow_answer_are_504(
    gateway: Gateway,
) -> None:
    client = await gateway()
    late = await client.get("/kiosk/events/late", headers={"Accept": "text/event-stream"})
    assert late.status == 504
    slow = await client.get("/kiosk/slow")
    assert slow.status == 504
    assert (await slow.json())["error"] == "GATEWAY_TIMEOUT"


async def test_a_client_that_leaves_closes_the_upstream_stream(
    gateway: Gateway, screens: tuple[Web, str]
) -> None:
    service, _ = screens
    client = await gateway()
    async with client.get("/kiosk/events", headers={"Accept": "text/event-stream"}) as answer:
        await _events(answer, 2)
        assert service.open_streams == 1
        assert len(client.app[STREAMS]) == 1
    # Leaving the block closed the client's connection mid-stream.
    await _eventually(lambda: service.open_streams == 0)
    assert service.ended_streams == 1
    assert len(client.app[STREAMS]) == 0


async def test_a_stopping_gateway_ends_its_open_streams_at_once(
    gateway: Gateway, screens: tuple[Web, str]
) -> None:
    service, _ = screens
    client = await gateway()
    answer = await client.get(
        "/kiosk/events", headers={"Accept": "text/event-stream"}, timeout=ClientTimeout(total=30)
    )
    await _events(answer, 1)
    started = time.monotonic()
    await client.server.close()  # as after SIGTERM and the shutdown delay
    assert time.monotonic() - started < 2, "the gateway waited on its open stream"
    with contextlib.suppress(ConnectionError):
        while await answer.content.readline():
            pass
    await _eventually(lambda: service.open_streams == 0)
    answer.close()


# -- a kiosk signs in as its device --------------------------------------------------------


async def _device_sign_in(
    client: TestClient[web.Request, web.Application],
    client_id: str = KIOSK_1[0],
    secret: str = KIOSK_1[1],
    **form: str,
) -> ClientResponse:
    return await client.post(
        "/auth/device",
        data={"client_id": client_id, "client_secret": secret, **form},
        headers={"Origin": PUBLIC},
        allow_redirects=False,
    )


async def test_a_kiosk_signs_in_with_its_client_credentials_into_a_lasting_session(
    gateway: Gateway, issuer: Issuer
) -> None:
    client = await gateway()
    signed = await _device_sign_in(client)
    assert signed.status == 303
    assert signed.headers["Location"] == "/kiosk"
    cookie = signed.headers["Set-Cookie"]
    assert cookie.startswith("erestaurant_session=")
    assert "HttpOnly" in cookie
    assert "Max-Age=2592000" in cookie  # 30 days: a kiosk is set up once
    assert KIOSK_1[1] not in cookie  # its secret travels sealed
    assert issuer.grants == ["kiosk-1"]

    seen = await (await client.get("/kiosk")).json()
    claims = jwt.decode(seen["authorization"].split()[1], options={"verify_signature": False})
    assert claims["client_id"] == "kiosk-1"
    me = await (await client.get("/auth/me")).json()
    assert me["roles"] == ["kiosk"]
    assert me["clientId"] == "kiosk-1"


async def test_a_kiosk_goes_on_to_a_page_of_this_site_only(gateway: Gateway) -> None:
    client = await gateway()
    there = await _device_sign_in(client, next="/kiosk/lobby")
    assert there.headers["Location"] == "/kiosk/lobby"
    away = await _device_sign_in(client, next="//evil.example/kiosk")
    assert away.headers["Location"] == "/kiosk"


async def test_refused_credentials_go_back_to_the_setup_page_without_a_session(
    gateway: Gateway, issuer: Issuer
) -> None:
    client = await gateway()
    for client_id, secret in (("kiosk-1", "wrong"), ("nobody", "x"), ("", ""), ("hall", "hall-s")):
        refused = await _device_sign_in(client, client_id, secret)
        assert refused.status == 303, client_id
        assert refused.headers["Location"] == "/kiosk/setup?error=refused", client_id
        assert "Set-Cookie" not in refused.headers
    # hall's client got a token, but not a kiosk's: it is no kiosk.
    assert issuer.grants == ["hall"]


async def test_with_the_provider_down_the_setup_page_says_so(gateway: Gateway) -> None:
    [dead] = free_ports(1)
    client = await gateway(ERESTAURANT_AUTH_ISSUER=f"http://127.0.0.1:{dead}")
    answer = await _device_sign_in(client)
    assert answer.status == 303
    assert answer.headers["Location"] == "/kiosk/setup?error=unavailable"


async def test_another_site_cannot_sign_a_browser_in_as_a_kiosk(gateway: Gateway) -> None:
    client = await gateway()
    for origin in ({"Origin": "https://evil.example"}, {}):
        answer = await client.post(
            "/auth/device",
            data={"client_id": KIOSK_1[0], "client_secret": KIOSK_1[1]},
            headers=origin,
            allow_redirects=False,
        )
        assert answer.status == 403
        assert "Set-Cookie" not in answer.headers


async def test_a_kiosk_token_near_its_expiry_is_renewed_by_client_credentials(
    gateway: Gateway, issuer: Issuer
) -> None:
    issuer.expires_in = 10  # within the gateway's renewal margin from the start
    client = await gateway()
    await _device_sign_in(client)
    first = client.session.cookie_jar.filter_cookies(client.make_url("/"))["erestaurant_session"]

    answer = await client.get("/kiosk")
    assert issuer.grants == ["kiosk-1", "kiosk-1"]  # renewed with the kiosk's own client
    renewed = answer.cookies["erestaurant_session"]
    assert renewed.value != first.value
    assert renewed["max-age"] == "2592000"
    claims = jwt.decode(
        (await answer.json())["authorization"].split()[1], options={"verify_signature": False}
    )
    assert claims["client_id"] == "kiosk-1"

    # A stream's answer carries the renewed session too, set before it starts.
    async with client.get("/kiosk/events", headers={"Accept": "text/event-stream"}) as stream:
        assert "erestaurant_session" in stream.cookies
        await _events(stream, 1)
    assert len(issuer.grants) == 3


async def test_a_kiosk_revoked_at_the_provider_is_signed_out_at_its_next_renewal(
    gateway: Gateway, issuer: Issuer
) -> None:
    issuer.expires_in = 10
    client = await gateway()
    await _device_sign_in(client)
    del issuer.clients["kiosk-1"]
    assert (await (await client.get("/kiosk")).json())["authorization"] is None
    assert (await client.get("/halls/orders/1")).status == 401


async def test_a_cookie_change_on_a_screen_must_come_from_the_cafeterias_pages(
    gateway: Gateway,
) -> None:
    client = await gateway()
    await _device_sign_in(client)
    assert (await client.post("/kiosk/orders")).status == 403
    evil = await client.post("/kiosk/orders", headers={"Origin": "https://evil.example"})
    assert evil.status == 403
    ours = await client.post("/kiosk/orders", headers={"Origin": PUBLIC})
    assert ours.status == 200
    assert (await ours.json())["authorization"].startswith("Bearer ")


async def test_logout_sends_a_pages_form_on_and_answers_a_script(gateway: Gateway) -> None:
    client = await gateway()
    await _device_sign_in(client)
    origin = {"Origin": PUBLIC}
    script = await client.post("/auth/logout", headers=origin)
    assert await script.json() == {"signedOut": True}
    await _device_sign_in(client)
    page = await client.post(
        "/auth/logout", data={"next": "/kiosk/setup"}, headers=origin, allow_redirects=False
    )
    assert page.status == 303
    assert page.headers["Location"] == "/kiosk/setup"
    assert (await (await client.get("/kiosk")).json())["authorization"] is None
    away = await client.post(
        "/auth/logout?next=https://evil.example", headers=origin, allow_redirects=False
    )
    assert away.headers["Location"] == "/"
