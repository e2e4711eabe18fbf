"""My orders: an employee's own orders, each step moving live, and this month's total.

The list is read from the workercenter's view (CQRS), which may lag the events by a
moment; the live stream brings each step as it happens, and the page keeps the furthest
step it has seen of each order, so a lagging read never moves an order back.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from erestaurant.platform.access import Role
from erestaurant.web.pages import Viewer
from erestaurant.web.screens import Screens, screen_router

# A page opened is first told of its orders' steps of the last minute: the view it read may
# not have caught up with an order placed a moment before.
RECENT_SECONDS = 60.0


def step_of(row: dict[str, Any]) -> str:
    """The furthest step the view knows of an order."""
    if row.get("orderStatus") == "CANCELLED":
        return "cancelled"
    if row.get("paymentStatus") == "DEDUCTED":
        return "deducted"
    if row.get("orderStatus") == "COMPLETED" or row.get("cookStatus") == "COOKED":
        return "ready"
    if row.get("cookStatus") == "COOKING":
        return "cooking"
    return "placed"


def cancellable(row: dict[str, Any]) -> bool:
    return row.get("orderStatus") == "ORDERED" and row.get("cookStatus") in (None, "RECEIVED")


def router(screens: Screens) -> APIRouter:
    api = screen_router("/me", "my orders")
    pages, backends = screens.pages, screens.backends

    async def orders(viewer: Viewer) -> dict[str, Any]:
        token = viewer.token or ""
        # Two services, asked at once.
        rows, paid = await asyncio.gather(
            backends.call("GET", "/workercenters/mypages", token, params={"limit": "50"}),
            backends.call("GET", "/payments/payments", token),
        )
        month = datetime.now(pages.zone).strftime("%Y-%m")
        total = sum(
            int(p.get("amount") or 0)
            for p in paid.rows
            if p.get("payPeriod") == month and p.get("status") == "DEDUCTED"
        )
        return {
            "orders": [{**r, "step": step_of(r), "cancellable": cancellable(r)} for r in rows.rows],
            "month": month,
            "month_total": total,
            "offline": not rows.ok,
            "total_offline": not paid.ok,
        }

    async def orders_part(request: Request, viewer: Viewer, problem: str | None) -> HTMLResponse:
        """My orders' part of the page (after a cancel, and why it failed, if it did)."""
        return pages.render(
            request, viewer, "me.html", block="orders", problem=problem, **(await orders(viewer))
        )

    @api.get("", summary="My orders")
    async def page(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.EMPLOYEE)
        return pages.render(request, viewer, "me.html", **(await orders(viewer)))

    @api.get("/orders", summary="My orders (a fragment)")
    async def order_list(request: Request) -> HTMLResponse:
        return await orders_part(request, await pages.screen(request, Role.EMPLOYEE), None)

    @api.post("/orders/{order_id}/cancel", summary="Cancel my order (a fragment: my orders)")
    async def cancel(
        request: Request, order_id: Annotated[str, Path(max_length=64, pattern=r"^[\w-]+$")]
    ) -> HTMLResponse:
        viewer = await pages.screen(request, Role.EMPLOYEE)
        cancelled = await backends.call(
            "POST", f"/halls/orders/{order_id}/cancel", viewer.token or ""
        )
        return await orders_part(
            request, viewer, cancelled.problem("me.not_cancelled", {409: "me.too_late"})
        )

    @api.get("/stream", summary="Live: my orders' steps (server-sent events)")
    async def stream(request: Request) -> Response:
        viewer = await pages.screen(request, Role.EMPLOYEE)
        card = viewer.who.card_no if viewer.who else None
        return screens.stream(
            request,
            viewer,
            lambda n: n.topic in ("order", "payments") and card is not None and n.card == card,
            recent_seconds=RECENT_SECONDS,
        )

    return api
