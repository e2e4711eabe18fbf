"""Hall's synchronous calls to kitchen (the Req/Resp checkpoint): reserve and cancel.

Both calls are idempotent per order id, so a call that timed out or could not connect is
tried again (``retries`` times). A circuit breaker (purgatory) wraps each call: after
``failures`` calls in a row that the kitchen did not answer, it opens, and hall answers 503
at once for ``cooldown`` seconds instead of making kiosks wait on a kitchen that is down;
then one trial call goes through, and the circuit closes again if the kitchen answers. A
refusal (sold out) or a busy kitchen (surge protection) is an answer, not a failure.

Each call carries hall's own access token (client credentials, for the kitchen's
audience), kept until it nearly expires; a 401 gets one fresh token and one more try.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import aiohttp
from purgatory import AsyncCircuitBreakerFactory, ContextChanged
from purgatory.domain.model import OpenedState

from erestaurant.platform import correlation
from erestaurant.platform.oauth_client import ProviderUnavailable, TokenRefused
from erestaurant.platform.settings import replica_urls

# An access token for the kitchen: the one in hand, or a new one when asked for fresh.
TokenSource = Callable[[bool], Awaitable[str]]

log = logging.getLogger(__name__)

# What hall asks of the kitchen: the call an error came from (its answer says what it means).
KitchenCall = Literal["reserve", "cancel"]


class KitchenRefused(Exception):
    """The kitchen answered no: ``code`` is its error code (SOLD_OUT, NOT_ON_MENU, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class KitchenUnavailable(Exception):
    """The kitchen did not answer ``call`` in time, answered with a server error, or its
    circuit is open; ``retry_after`` is when asking again makes sense, in seconds."""

    def __init__(self, message: str, retry_after: int = 2, *, call: KitchenCall) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.call = call


class KitchenBusy(KitchenUnavailable):
    """The kitchen is at capacity and takes no new orders for now (surge protection)."""


class Unauthorized(KitchenUnavailable):
    """The kitchen refused hall's token (expired early, or a key the kitchen has not seen)."""


@dataclass(frozen=True)
class Reserved:
    order_id: str
    menu_id: int
    menu_name: str
    qty: int
    amount: int


class Kitchen(Protocol):
    """Hall's calls to the kitchen: a refusal raises KitchenRefused, a kitchen that cannot
    answer KitchenUnavailable (KitchenBusy: at capacity)."""

    async def reserve(self, order_id: str, menu_id: int, qty: int) -> Reserved: ...

    async def cancel(self, order_id: str) -> None: ...


class KitchenCircuit:
    """The breaker around the kitchen, and its state for health, metrics and logs."""

    NAME = "kitchen"

    def __init__(self, failures: int, cooldown_seconds: float) -> None:
        self.cooldown = cooldown_seconds
        self.state = "closed"
        self.opened_at: float | None = None
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=failures,
            default_ttl=cooldown_seconds,
            exclude=[KitchenRefused, KitchenBusy],
        )
        self._breakers.add_listener(self._changed)

    def _changed(self, name: str, kind: str, event: object) -> None:
        if (
            kind == "state_changed"
            and isinstance(event, ContextChanged)
            and event.state != self.state
        ):
            log.warning("%s circuit %s -> %s", name, self.state, event.state)
            self.state, self.opened_at = event.state, event.opened_at

    @contextlib.asynccontextmanager
    async def guard(self, call: KitchenCall) -> AsyncIterator[None]:
        breaker = await self._breakers.get_breaker(self.NAME)
        try:
            async with breaker:
                yield
        except OpenedState as opened:
            wait = max(1, math.ceil(opened.opened_at + self.cooldown - time.time()))
            raise KitchenUnavailable(
                "the kitchen's circuit is open", retry_after=wait, call=call
            ) from None


class KitchenClient:
    def __init__(
        self,
        base_url: str,
        timeout_seconds: float,
        retries: int,
        circuit: KitchenCircuit,
        token: TokenSource,
    ) -> None:
        self._token = token
        # Several kitchen replicas: calls take turns, and a retry goes to the next one.
        self._replicas = replica_urls(base_url)
        self._turn = itertools.count()
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._retries = retries
        self.circuit = circuit
        self._session: aiohttp.ClientSession | None = None

    async def reserve(self, order_id: str, menu_id: int, qty: int) -> Reserved:
        body = await self._call(
            "reserve",
            "/kitchens/reservations",
            {"orderId": order_id, "menuId": menu_id, "qty": qty},
        )
        return Reserved(
            order_id=body["orderId"],
            menu_id=body["menuId"],
            menu_name=body["menuName"],
            qty=body["qty"],
            amount=body["amount"],
        )

    async def cancel(self, order_id: str) -> None:
        await self._call("cancel", f"/kitchens/reservations/{order_id}/cancel", None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(
        self, call: KitchenCall, path: str, payload: dict[str, Any] | None
    ) -> dict[str, Any]:
        first = next(self._turn)
        # Got before the breaker: a provider that is down says nothing about the kitchen.
        token = await self._access_token(call, False)
        async with self.circuit.guard(call):
            for attempt in range(self._retries + 1):
                base_url = self._replicas[(first + attempt) % len(self._replicas)]
                try:
                    return await self._post(call, base_url + path, payload, token)
                except Unauthorized:
                    token = await self._access_token(call, True)
                    return await self._post(call, base_url + path, payload, token)
                except KitchenBusy:
                    raise
                except KitchenUnavailable:
                    if attempt == self._retries:
                        raise
                    await asyncio.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _access_token(self, call: KitchenCall, fresh: bool) -> str:
        try:
            return await self._token(fresh)
        except (ProviderUnavailable, TokenRefused) as exc:
            log.warning("no token for the kitchen: %s", exc)
            raise KitchenUnavailable(
                f"hall could not sign in to the kitchen: {exc}", call=call
            ) from exc

    async def _post(
        self, call: KitchenCall, url: str, payload: dict[str, Any] | None, token: str
    ) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {correlation.HEADER: correlation.current(), "Authorization": f"Bearer {token}"}
        try:
            async with self._session.post(url, json=payload, headers=headers) as resp:
                body: dict[str, Any] = await resp.json(content_type=None)
                status, retry_after = resp.status, resp.headers.get("Retry-After", "2")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise KitchenUnavailable(
                f"kitchen did not answer: {exc.__class__.__name__}", call=call
            ) from exc
        if status == 503 and body.get("error") == "KITCHEN_BUSY":
            raise KitchenBusy(str(body.get("message", "")), _seconds(retry_after), call=call)
        if status >= 500:
            raise KitchenUnavailable(f"kitchen answered {status}", call=call)
        if status in (401, 403):
            message = f"kitchen refused hall's token: {body.get('message', status)}"
            raise Unauthorized(message, call=call)
        if status >= 400:
            raise KitchenRefused(str(body.get("error", status)), str(body.get("message", "")))
        return body


def _seconds(value: str) -> int:
    try:
        return max(1, int(value))
    except ValueError:
        return 2
