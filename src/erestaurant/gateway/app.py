"""The gateway: a thin aiohttp reverse proxy, and the first check of who is asking.

It adds the correlation id when the caller sent none and returns it on every answer. A
service that cannot be reached is answered 503 with Retry-After (a kiosk retries), a
service that does not answer in time 504, always with a JSON body.

Every request it routes must carry an access token that verifies (401 otherwise); the
gateway slows down a device or a person past their rate (429), removes any identity
header a client made up, and forwards the token itself: each service checks it again and
decides what the token's roles may do there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import orjson
import uvloop
from aiohttp import web

from erestaurant.gateway.limits import RateLimits
from erestaurant.gateway.replicas import Replicas
from erestaurant.gateway.settings import GatewaySettings
from erestaurant.gateway.signin import Session, SignIn, bearer_token
from erestaurant.platform import correlation
from erestaurant.platform import logging as service_logging
from erestaurant.platform.errors import ApiError
from erestaurant.platform.oauth_client import TokenClient
from erestaurant.platform.security import NO_TOKEN, Access, Unauthenticated

log = logging.getLogger(__name__)

# Headers that belong to one connection, not to the message (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Host",
        "Content-Length",
    )
)

# Headers by which some servers and proxies pass on who the caller is. No client may set
# them: the only identity that crosses the gateway is the token, which each service checks.
IDENTITY_HEADERS = frozenset(
    h.lower()
    for h in (
        "Remote-User",
        "X-Remote-User",
        "X-Forwarded-User",
        "X-Forwarded-Email",
        "X-Forwarded-Groups",
        "X-Forwarded-Preferred-Username",
        "X-Forwarded-Access-Token",
        "X-Auth-Request-User",
        "X-Auth-Request-Email",
        "X-Auth-Request-Access-Token",
        "X-User",
        "X-User-Id",
        "X-User-Roles",
        "X-Roles",
        "X-Employee-Card-No",
        "X-Client-Id",
    )
)
IDENTITY_PREFIXES = ("x-auth-", "x-user-", "x-employee-")

SESSION = web.AppKey("session", aiohttp.ClientSession)
ROUTES = web.AppKey("routes", dict)
DRAINING = web.AppKey("draining", list)
ACCESS = web.AppKey("access", Access)
LIMITS = web.AppKey("limits", RateLimits)
SIGNIN = web.AppKey("signin", SignIn)

# Methods that change nothing, so a request may go to another replica after any failure.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _json(status: int, code: str, message: str, cid: str, **headers: str) -> web.Response:
    return web.Response(
        status=status,
        body=orjson.dumps({"error": code, "message": message}),
        content_type="application/json",
        headers={correlation.HEADER: cid, **headers},
    )


def _refusal(exc: ApiError, cid: str) -> web.Response:
    return web.Response(
        status=exc.status_code,
        body=orjson.dumps(exc.body()),
        content_type="application/json",
        headers={correlation.HEADER: cid, **exc.headers},
    )


@dataclass
class Admitted:
    token: str
    renewed: Session | None  # a browser's session, renewed on the way: its new cookie


async def _admit(request: web.Request) -> Admitted:
    """The token the request goes on with (a bearer token, or a browser's session), or
    ApiError: none, a bad one, a cross-site change, too many requests."""
    token, renewed = bearer_token(request), None
    if token is None:
        signin = request.app[SIGNIN]
        token, renewed = await signin.token(request)
        if token is None:
            raise Unauthenticated(NO_TOKEN)
        signin.check_origin(request)
    access = request.app[ACCESS]
    who = await access.principal(token)
    if access.audience not in who.audiences:
        raise Unauthenticated("the token is not meant for the cafeteria's API (audience)")
    wait = request.app[LIMITS].wait(who)
    if wait:
        raise TooManyRequests(
            f"too many requests from {who.client_id if who.client_id else who.subject};"
            f" try again in {wait}s",
            headers={"Retry-After": str(wait)},
        )
    return Admitted(token, renewed)


class TooManyRequests(ApiError):
    status_code = 429
    code = "TOO_MANY_REQUESTS"


def _forwarded(request: web.Request, token: str) -> dict[str, str]:
    """The request's headers as a service gets them: no identity a client made up, no
    cookie (the session stays at the gateway), and the token the gateway admitted."""
    headers = {
        k: v
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP
        and k.lower() not in IDENTITY_HEADERS
        and not k.lower().startswith(IDENTITY_PREFIXES)
        and k.lower() not in ("cookie", "authorization")
    }
    headers["Authorization"] = f"Bearer {token}"
    return headers


def _may_resend(request: web.Request, exc: aiohttp.ClientError) -> bool:
    """Whether the request can go to another replica after this failure.

    A refused connection never reached the service. A connection that broke may have
    delivered the request: only a safe method, or one with an Idempotency-Key, is resent.
    """
    if isinstance(exc, aiohttp.ClientConnectorError):
        return True
    return request.method in SAFE_METHODS or "Idempotency-Key" in request.headers


async def proxy(request: web.Request) -> web.StreamResponse:
    cid = request.headers.get(correlation.HEADER, "")[:128] or correlation.new_id()
    correlation.correlation_id.set(cid)
    prefix = request.path.split("/", 2)[1]
    replicas: Replicas | None = request.app[ROUTES].get(prefix)
    if replicas is None:
        return _json(404, "NO_ROUTE", f"no service serves /{prefix}", cid)
    try:
        admitted = await _admit(request)
    except ApiError as refused:
        return _refusal(refused, cid)
    headers = _forwarded(request, admitted.token)
    headers[correlation.HEADER] = cid
    headers["X-Forwarded-For"] = request.remote or ""
    headers["X-Forwarded-Host"] = request.host
    body = await request.read() if request.body_exists else None
    started = time.perf_counter()
    for upstream in replicas.in_turn():
        try:
            status, answer, content = await _forward(request, upstream, headers, body)
        except TimeoutError:
            log.warning("%s %s: %s timed out", request.method, request.path, upstream)
            return _json(504, "GATEWAY_TIMEOUT", f"{prefix} did not answer in time", cid)
        except aiohttp.ClientError as exc:
            log.warning("%s %s: %s unreachable (%s)", request.method, request.path, upstream, exc)
            replicas.unreachable(upstream)
            if _may_resend(request, exc):
                continue
            break
        answer[correlation.HEADER] = cid
        log.debug(
            "%s %s -> %d in %.1f ms",
            request.method,
            request.path_qs,
            status,
            (time.perf_counter() - started) * 1000,
        )
        reply = web.Response(status=status, body=content, headers=answer)
        if admitted.renewed is not None:
            request.app[SIGNIN].keep(reply, admitted.renewed)
        return reply
    return _json(
        503, "SERVICE_UNAVAILABLE", f"{prefix} is unavailable", cid, **{"Retry-After": "1"}
    )


async def _forward(
    request: web.Request, upstream: str, headers: dict[str, str], body: bytes | None
) -> tuple[int, dict[str, str], bytes]:
    async with request.app[SESSION].request(
        request.method,
        upstream + request.path_qs,
        headers=headers,
        data=body,
        allow_redirects=False,
    ) as response:
        content = await response.read()
        answer = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
        return response.status, answer, content


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _answering(handler: Handler) -> Handler:
    """A route of the gateway's own whose refusals are JSON answers like the services'."""

    async def answer(request: web.Request) -> web.StreamResponse:
        cid = request.headers.get(correlation.HEADER, "")[:128] or correlation.new_id()
        try:
            response = await handler(request)
        except ApiError as exc:
            return _refusal(exc, cid)
        response.headers[correlation.HEADER] = cid
        return response

    return answer


async def live(_: web.Request) -> web.Response:
    return web.json_response({"status": "UP"})


async def ready(request: web.Request) -> web.Response:
    if request.app[DRAINING]:
        return web.json_response({"status": "DOWN", "accepting": "NO"}, status=503)
    return web.json_response({"status": "UP"})


def create_app(settings: GatewaySettings) -> web.Application:
    app = web.Application()
    app[ROUTES] = {prefix: Replicas(prefix, urls) for prefix, urls in settings.routes().items()}
    app[DRAINING] = []
    app[ACCESS] = Access.of(settings)
    tokens = TokenClient(settings.auth_issuer, settings.auth_token_url)
    app[SIGNIN] = SignIn(settings, app[ACCESS], tokens)
    app[LIMITS] = RateLimits(
        settings.rate_per_device, settings.rate_per_user, settings.rate_burst_seconds
    )

    async def session(app: web.Application):  # type: ignore[no-untyped-def]
        timeout = aiohttp.ClientTimeout(total=settings.upstream_timeout_seconds)
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=30)
        async with aiohttp.ClientSession(
            timeout=timeout,
            connector=connector,
            auto_decompress=False,
            skip_auto_headers=("User-Agent",),
        ) as client:
            app[SESSION] = client
            checks = asyncio.create_task(_check_replicas(app, settings.ready_check_seconds))
            yield
            checks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checks
            await app[ACCESS].close()
            await tokens.close()

    app.cleanup_ctx.append(session)
    app.router.add_get("/health/live", live)
    app.router.add_get("/health/ready", ready)
    signin = app[SIGNIN]
    app.router.add_get("/auth/login", _answering(signin.login))
    app.router.add_get("/auth/callback", _answering(signin.callback))
    app.router.add_get("/auth/me", _answering(signin.me))
    app.router.add_post("/auth/logout", _answering(signin.logout))
    app.router.add_route("*", "/{tail:.*}", proxy)
    return app


async def _check_replicas(app: web.Application, period: float) -> None:
    while True:
        await asyncio.gather(
            *(r.check(app[SESSION], period * 2) for r in app[ROUTES].values()),
            return_exceptions=True,
        )
        await asyncio.sleep(period)


def serve(settings: GatewaySettings | None = None) -> None:
    settings = settings or GatewaySettings.load()
    service_logging.configure("gateway", settings.log_level)
    uvloop.run(_serve(settings))
    log.info("gateway stopped")


async def _serve(settings: GatewaySettings) -> None:
    """Serve until SIGTERM or SIGINT; then report not ready for the shutdown delay (so that
    whoever balances over gateways stops sending), then finish the requests in hand."""
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=10)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("gateway serving on %s:%d", settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
        app[DRAINING].append(True)
        await asyncio.sleep(settings.shutdown_delay_seconds)
    finally:
        await runner.cleanup()
