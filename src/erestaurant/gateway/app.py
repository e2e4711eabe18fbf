"""The gateway: a thin aiohttp reverse proxy, and the first check of who is asking.

It adds the correlation id when the caller sent none and returns it on every answer. A
service that cannot be reached is answered 503 with Retry-After (a kiosk retries), a
service that does not answer in time 504, always with a JSON body.

Every request it routes to a service must carry an access token that verifies (401
otherwise); the gateway slows down a device or a person past their rate (429), removes any
identity header a client made up, and forwards the token itself: each service checks it
again and decides what the token's roles may do there.

The screens (`/`, `/kiosk`, `/kitchen`, `/me`, `/payroll`, `/ops`, `/assets`) go to the web
service. A token is checked the same way when there is one, but a request without one goes
on without Authorization: the web service sends whoever has none to sign in. An answer
without a Content-Length (the screens' server-sent events) is streamed (streams.py).
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
from multidict import CIMultiDict

from erestaurant.gateway.limits import RateLimits
from erestaurant.gateway.settings import GatewaySettings
from erestaurant.gateway.signin import Session, SignIn, bearer_token
from erestaurant.gateway.streams import OpenStreams, relay
from erestaurant.platform import correlation
from erestaurant.platform import logging as service_logging
from erestaurant.platform.errors import ApiError, TooManyRequests
from erestaurant.platform.oauth_client import TokenClient
from erestaurant.platform.replicas import Replicas
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
SCREENS = web.AppKey("screens", Replicas)
STREAMS = web.AppKey("streams", OpenStreams)
UPSTREAM_TIMEOUT = web.AppKey("upstream_timeout", float)
DRAINING = web.AppKey("draining", list)
ACCESS = web.AppKey("access", Access)
LIMITS = web.AppKey("limits", RateLimits)
SIGNIN = web.AppKey("signin", SignIn)

# The screens' language switch (web/i18n.py); every other cookie stays at the gateway.
LANGUAGE_COOKIE = "erestaurant_lang"
# Idle connections to the services are dropped before the services drop them
# (platform.runtime.KEEP_ALIVE_SECONDS), so a request never goes out on one being closed.
UPSTREAM_KEEPALIVE_SECONDS = 30.0

# Methods that change nothing, so a request may go to another replica after any failure.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# First path segments of the screens, which the web service serves (and `/` itself).
SCREEN_PREFIXES = frozenset({"kiosk", "kitchen", "me", "payroll", "ops", "assets"})
EVENT_STREAM = "text/event-stream"


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
    token: str | None  # None: a screen asked for without one
    renewed: Session | None  # a browser's session, renewed on the way: its new cookie


def _route(request: web.Request) -> tuple[Replicas | None, bool]:
    """The replicas that serve the request's path, and whether it needs a token: a screen
    does not (the web service sends whoever comes without one to sign in)."""
    prefix = request.path.split("/", 2)[1]
    if prefix in SCREEN_PREFIXES or request.path == "/":
        return request.app[SCREENS], False
    return request.app[ROUTES].get(prefix), True


async def _admit(request: web.Request, token_needed: bool = True) -> Admitted:
    """The token the request goes on with (a bearer token, or a browser's session), or
    ApiError: none when one is needed, a bad one, a cross-site change, too many requests."""
    token, renewed = bearer_token(request), None
    if token is None:
        signin = request.app[SIGNIN]
        token, renewed = await signin.token(request)
        if token is None:
            if token_needed:
                raise Unauthenticated(NO_TOKEN)
            return Admitted(None, None)
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


def _forwarded(request: web.Request, token: str | None) -> dict[str, str]:
    """The request's headers as a service gets them: no identity a client made up, no
    cookie (the session stays at the gateway), and the token the gateway admitted (none
    for a screen asked for without one)."""
    headers = {
        k: v
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP
        and k.lower() not in IDENTITY_HEADERS
        and not k.lower().startswith(IDENTITY_PREFIXES)
        and k.lower() not in ("cookie", "authorization")
    }
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    # A person's choice of language is the one cookie that crosses: it says nothing of who
    # they are, and the screens answer in it.
    language = request.cookies.get(LANGUAGE_COOKIE)
    if language is not None and language.isalpha() and len(language) <= 8:
        headers["Cookie"] = f"{LANGUAGE_COOKIE}={language}"
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
    replicas, token_needed = _route(request)
    if replicas is None:
        return _json(404, "NO_ROUTE", f"no service serves /{prefix}", cid)
    try:
        admitted = await _admit(request, token_needed)
    except ApiError as refused:
        return _refusal(refused, cid)
    headers = _forwarded(request, admitted.token)
    headers[correlation.HEADER] = cid
    headers["X-Forwarded-For"] = request.remote or ""
    headers["X-Forwarded-Host"] = request.host
    body = await request.read() if request.body_exists else None
    started = time.perf_counter()
    service = replicas.service
    for upstream in replicas.in_turn():
        try:
            response, content = await _forward(request, upstream, headers, body)
        except TimeoutError:
            log.warning("%s %s: %s timed out", request.method, request.path, upstream)
            return _json(504, "GATEWAY_TIMEOUT", f"{service} did not answer in time", cid)
        except aiohttp.ClientError as exc:
            log.warning("%s %s: %s unreachable (%s)", request.method, request.path, upstream, exc)
            replicas.unreachable(upstream)
            if _may_resend(request, exc):
                continue
            break
        answer = CIMultiDict(
            (k, v) for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP
        )
        answer[correlation.HEADER] = cid
        if content is None:
            stream = web.StreamResponse(status=response.status, headers=answer)
            _renew_cookie(request, stream, admitted)
            return await relay(request, response, stream, request.app[STREAMS])
        log.debug(
            "%s %s -> %d in %.1f ms",
            request.method,
            request.path_qs,
            response.status,
            (time.perf_counter() - started) * 1000,
        )
        reply = web.Response(status=response.status, body=content, headers=answer)
        _renew_cookie(request, reply, admitted)
        return reply
    return _json(
        503, "SERVICE_UNAVAILABLE", f"{service} is unavailable", cid, **{"Retry-After": "1"}
    )


def _renew_cookie(request: web.Request, reply: web.StreamResponse, admitted: Admitted) -> None:
    if admitted.renewed is not None:
        request.app[SIGNIN].keep(reply, admitted.renewed)


async def _forward(
    request: web.Request, upstream: str, headers: dict[str, str], body: bytes | None
) -> tuple[aiohttp.ClientResponse, bytes | None]:
    """The service's answer, read whole when it says its length; else (a stream) left open
    for the caller to relay and close.

    A request for server-sent events waits the upstream timeout for the connection and the
    answer's headers only: the session's total timeout would cut the stream.
    """
    http = request.app[SESSION]
    events = EVENT_STREAM in request.headers.get("Accept", "")
    limit = request.app[UPSTREAM_TIMEOUT] if events else None
    async with asyncio.timeout(limit):
        response = await http.request(
            request.method,
            upstream + request.path_qs,
            headers=headers,
            data=body,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=None, connect=limit) if events else http.timeout,
        )
        if _streamed(request, response):
            return response, None
        try:
            return response, await response.read()
        finally:
            response.release()


def _streamed(request: web.Request, response: aiohttp.ClientResponse) -> bool:
    """Whether the answer's end is known only when the service ends it (no Content-Length:
    chunked, or server-sent events), as opposed to an answer with no body at all."""
    return (
        response.content_length is None
        and request.method != "HEAD"
        and response.status not in (204, 304)
    )


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
    app[SCREENS] = Replicas("web", settings.screens())
    app[STREAMS] = OpenStreams()
    app[UPSTREAM_TIMEOUT] = settings.upstream_timeout_seconds
    app[DRAINING] = []
    app[ACCESS] = Access.of(settings)
    tokens = TokenClient(settings.auth_issuer, settings.auth_token_url)
    app[SIGNIN] = SignIn(settings, app[ACCESS], tokens)
    app[LIMITS] = RateLimits(
        settings.rate_per_device, settings.rate_per_user, settings.rate_burst_seconds
    )

    async def session(app: web.Application):  # type: ignore[no-untyped-def]
        timeout = aiohttp.ClientTimeout(total=settings.upstream_timeout_seconds)
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=UPSTREAM_KEEPALIVE_SECONDS)
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
    app.on_shutdown.append(_end_streams)
    app.router.add_get("/health/live", live)
    app.router.add_get("/health/ready", ready)
    signin = app[SIGNIN]
    app.router.add_get("/auth/login", _answering(signin.login))
    app.router.add_get("/auth/callback", _answering(signin.callback))
    app.router.add_get("/auth/me", _answering(signin.me))
    app.router.add_post("/auth/logout", _answering(signin.logout))
    app.router.add_post("/auth/device", _answering(signin.device))
    app.router.add_route("*", "/{tail:.*}", proxy)
    return app


async def _check_replicas(app: web.Application, period: float) -> None:
    every = [*app[ROUTES].values(), app[SCREENS]]
    while True:
        await asyncio.gather(
            *(r.check(app[SESSION], period * 2) for r in every), return_exceptions=True
        )
        await asyncio.sleep(period)


async def _end_streams(app: web.Application) -> None:
    """Stopping (after the shutdown delay): end the open streams, which would otherwise keep
    the gateway up until aiohttp's shutdown timeout; their clients reconnect elsewhere."""
    ended = app[STREAMS].close_all()
    if ended:
        log.info("ended %d open stream(s)", ended)


def serve(settings: GatewaySettings | None = None) -> None:
    settings = settings or GatewaySettings.load()
    service_logging.configure("gateway", settings.log_level)
    uvloop.run(_serve(settings))
    log.info("gateway stopped")


async def _serve(settings: GatewaySettings) -> None:
    """Serve until SIGTERM or SIGINT; then report not ready for the shutdown delay (so that
    whoever balances over gateways stops sending), then end the open streams and finish the
    requests in hand."""
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
