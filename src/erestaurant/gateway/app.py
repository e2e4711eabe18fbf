"""The gateway: a thin aiohttp reverse proxy.

It adds the correlation id when the caller sent none and returns it on every answer. A
service that cannot be reached is answered 503 with Retry-After (a kiosk retries), a
service that does not answer in time 504, always with a JSON body.
"""

from __future__ import annotations

import logging
import time

import aiohttp
import orjson
import uvloop
from aiohttp import web

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


def _json(status: int, code: str, message: str, cid: str, **headers: str) -> web.Response:
    return web.Response(
        status=status,
        body=orjson.dumps({"error": code, "message": message}),
        content_type="application/json",
        headers={correlation.HEADER: cid, **headers},
    )


async def proxy(request: web.Request) -> web.StreamResponse:
    cid = request.headers.get(correlation.HEADER, "")[:128] or correlation.new_id()
    correlation.correlation_id.set(cid)
    prefix = request.path.split("/", 2)[1]
    upstream = request.app[ROUTES].get(prefix)
    if upstream is None:
        return _json(404, "NO_ROUTE", f"no service serves /{prefix}", cid)
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers[correlation.HEADER] = cid
    headers["X-Forwarded-For"] = request.remote or ""
    headers["X-Forwarded-Host"] = request.host
    started = time.perf_counter()
    try:
        async with request.app[SESSION].request(
            request.method,
            upstream + request.path_qs,
            headers=headers,
            data=await request.read() if request.body_exists else None,
            allow_redirects=False,
        ) as upstream_response:
            body = await upstream_response.read()
            answer = {
                k: v for k, v in upstream_response.headers.items() if k.lower() not in HOP_BY_HOP
            }
            status = upstream_response.status
    except TimeoutError:
        log.warning("%s %s: %s timed out", request.method, request.path, prefix)
        return _json(504, "GATEWAY_TIMEOUT", f"{prefix} did not answer in time", cid)
    except aiohttp.ClientError as exc:
        log.warning("%s %s: %s unreachable (%s)", request.method, request.path, prefix, exc)
        return _json(
            503, "SERVICE_UNAVAILABLE", f"{prefix} is unavailable", cid, **{"Retry-After": "1"}
        )
    answer[correlation.HEADER] = cid
    log.debug(
        "%s %s -> %d in %.1f ms",
        request.method,
        request.path_qs,
        status,
        (time.perf_counter() - started) * 1000,
    )
    return web.Response(status=status, body=body, headers=answer)


async def live(_: web.Request) -> web.Response:
    return web.json_response({"status": "UP"})


def create_app(settings: GatewaySettings) -> web.Application:
    app = web.Application()
    app[ROUTES] = {prefix: url.rstrip("/") for prefix, url in settings.routes().items()}

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
            yield

    app.cleanup_ctx.append(session)
    app.router.add_get("/health/live", live)
    app.router.add_get("/health/ready", live)
    app.router.add_route("*", "/{tail:.*}", proxy)
    return app


def serve(settings: GatewaySettings | None = None) -> None:
    settings = settings or GatewaySettings.load()
    service_logging.configure("gateway", settings.log_level)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=lambda _: log.info("gateway serving on %s:%d", settings.host, settings.port),
        shutdown_timeout=10,
        loop=uvloop.new_event_loop(),
    )
    log.info("gateway stopped")
