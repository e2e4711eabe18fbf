"""The services behind the screens, called with the signed-in person's own token.

The screens are a client of the public API and nothing more: each call carries the bearer
token the gateway forwarded, so every service checks who asks exactly as it does for a
kiosk or a script, and a screen can do only what its user may. Calls go straight to the
services (not back through the gateway), so a person's rate at the gateway counts their
clicks once, and a replica that refuses a connection is skipped as the gateway skips it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from erestaurant.platform import correlation
from erestaurant.platform.replicas import Replicas
from erestaurant.web.settings import WebSettings

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Answer:
    """What a service answered: status, headers and the decoded JSON body (or None)."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def rows(self) -> list[dict[str, Any]]:
        """A list answer's objects (none for a refusal, or an answer of another shape)."""
        body = self.body if isinstance(self.body, list) else []
        return [row for row in body if isinstance(row, dict)]

    @property
    def code(self) -> str | None:
        """The machine-readable error code of a refusal (UNKNOWN_CARD, SOLD_OUT...)."""
        return self.body.get("error") if isinstance(self.body, dict) else None

    def problem(self, otherwise: str, by_status: Mapping[int, str] | None = None) -> str | None:
        """What a screen says of this answer (a message key): nothing when it succeeded, else
        the key ``by_status`` holds for its status, or ``otherwise``."""
        return None if self.ok else (by_status or {}).get(self.status, otherwise)

    @property
    def retry_after(self) -> int | None:
        value = self.headers.get("Retry-After")
        return int(value) if value is not None and value.isdigit() else None


def unavailable(service: str) -> Answer:
    return Answer(
        503,
        {"error": "SERVICE_UNAVAILABLE", "message": f"{service} cannot be reached"},
        {"Retry-After": "2"},
    )


class Backends:
    def __init__(self, settings: WebSettings) -> None:
        self.services = {
            prefix: Replicas(prefix, urls) for prefix, urls in settings.routes().items()
        }
        self._timeout = aiohttp.ClientTimeout(total=settings.upstream_timeout_seconds)
        self._http: aiohttp.ClientSession | None = None

    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=self._timeout, connector=aiohttp.TCPConnector(limit=0)
            )
        return self._http

    async def call(
        self,
        method: str,
        path: str,
        token: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """``method path`` at the service whose prefix the path starts with."""
        service = path.split("/", 2)[1]
        replicas = self.services[service]
        sent = {
            "Authorization": f"Bearer {token}",
            correlation.HEADER: correlation.correlation_id.get() or correlation.new_id(),
            **(headers or {}),
        }
        data = orjson.dumps(json) if json is not None else None
        if data is not None:
            sent["Content-Type"] = "application/json"
        for upstream in replicas.in_turn():
            try:
                async with self.http().request(
                    method, upstream + path, params=params, data=data, headers=sent
                ) as response:
                    raw = await response.read()
                    return Answer(response.status, _decoded(raw), dict(response.headers))
            except aiohttp.ClientConnectorError:
                replicas.unreachable(upstream)
                continue  # it never reached the service: another replica may take it
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("%s %s at %s: %s", method, path, upstream, exc)
                if method in SAFE_METHODS or "Idempotency-Key" in sent:
                    continue
                break
        return unavailable(service)

    async def check(self) -> None:
        """Ask every replica whether it is ready (the screens prefer ready ones)."""
        await asyncio.gather(
            *(r.check(self.http(), 2.0) for r in self.services.values()),
            return_exceptions=True,
        )

    async def close(self) -> None:
        if self._http is not None:
            with contextlib.suppress(Exception):
                await self._http.close()


def _decoded(raw: bytes) -> Any:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None
