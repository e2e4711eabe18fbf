"""The gateway: a thin aiohttp reverse proxy.

It adds the correlation id when the caller sent none and returns it on every answer. A
service that cannot be reached is answered 503 with Retry-After (a kiosk retries), a
service that does not answer in time 504, always with a JSON body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time

import aiohttp
import orjson
import uvloop
from aiohttp import web

from erestaurant.gateway.replicas import Replicas
from erestaurant.gateway.settings import GatewaySettings
from erestaurant.platform import correlation
from erestaurant.platform import logging as service_logging

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

SESSION = web.AppKey("session", aiohttp.ClientSession)
ROUTES = web.AppKey("routes", dict)
DRAINING = web.AppKey("draining", list)

# Methods that change nothing, so a request may go to another replica after any failure.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _json(status: int, code: str, message: str, cid: str, **headers: str) -> web.Response:
    return web.Response(
        status=status,
        body=orjson.dumps({"error": code, "message": message}),
        content_type="application/json",
        headers={correlation.HEADER: cid, **headers},
    )


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
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
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
        return web.Response(status=status, body=content, headers=answer)
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

    app.cleanup_ctx.append(session)
    app.router.add_get("/health/live", live)
    app.router.add_get("/health/ready", ready)
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
