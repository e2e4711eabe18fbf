"""Hall's synchronous calls to kitchen (the Req/Resp checkpoint): reserve and cancel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from erestaurant.platform import correlation


class KitchenRefused(Exception):
    """The kitchen answered no: ``code`` is its error code (SOLD_OUT, NOT_ON_MENU, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class KitchenUnavailable(Exception):
    """The kitchen did not answer in time, or answered with a server error."""


@dataclass(frozen=True)
class Reserved:
    order_id: str
    menu_id: int
    menu_name: str
    qty: int
    amount: int


class Kitchen(Protocol):
    async def reserve(self, order_id: str, menu_id: int, qty: int) -> Reserved: ...

    async def cancel(self, order_id: str) -> None: ...


class KitchenClient:
    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def reserve(self, order_id: str, menu_id: int, qty: int) -> Reserved:
        body = await self._post(
            "/kitchens/reservations", {"orderId": order_id, "menuId": menu_id, "qty": qty}
        )
        return Reserved(
            order_id=body["orderId"],
            menu_id=body["menuId"],
            menu_name=body["menuName"],
            qty=body["qty"],
            amount=body["amount"],
        )

    async def cancel(self, order_id: str) -> None:
        await self._post(f"/kitchens/reservations/{order_id}/cancel", None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, path: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {correlation.HEADER: correlation.current()}
        try:
            async with self._session.post(
                self._base_url + path, json=payload, headers=headers
            ) as resp:
                body: dict[str, Any] = await resp.json(content_type=None)
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise KitchenUnavailable(f"kitchen did not answer: {exc.__class__.__name__}") from exc
        if status >= 500:
            raise KitchenUnavailable(f"kitchen answered {status}")
        if status >= 400:
            raise KitchenRefused(str(body.get("error", status)), str(body.get("message", "")))
        return body
