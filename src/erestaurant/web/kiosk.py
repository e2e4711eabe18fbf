"""The kiosk: a dish, a quantity, a tap of the ID card; the order number, or why not.

A kiosk is a device signed in with its own client (`/kiosk/setup`, then the gateway keeps
its session). The card reader types the card number and Enter into the card field, which
keeps the focus. Each order attempt carries one Idempotency-Key made in the browser, kept
through every retry of that attempt (after a pause, or while offline), so that a double
tap or a retry is one order.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from erestaurant.platform.access import Role
from erestaurant.web.screens import Screens, screen_router

KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")
CARD = re.compile(r"^[A-Za-z0-9-]{1,32}$")
MAX_QTY = 9
# What a refusal from hall means to the person at the kiosk (its code -> the message key).
REFUSALS = {
    "UNKNOWN_CARD": "kiosk.unknown_card",
    "CARD_DEACTIVATED": "kiosk.card_deactivated",
    "PIN_REQUIRED": "kiosk.pin_required",
    "PIN_NOT_SET": "kiosk.pin_not_set",
    "WRONG_PIN": "kiosk.wrong_pin",
    "PIN_LOCKED": "kiosk.pin_locked",
    "SOLD_OUT": "kiosk.sold_out",
    "NOT_ON_MENU": "kiosk.not_on_menu",
}


def router(screens: Screens) -> APIRouter:
    api = screen_router("/kiosk", "kiosk screen")
    pages = screens.pages

    @api.get("/setup", summary="Sign a kiosk device in (its client id and secret)")
    async def setup(request: Request) -> HTMLResponse:
        viewer = await pages.viewer(request)
        error = request.query_params.get("error")
        return pages.render(
            request,
            viewer,
            "kiosk_setup.html",
            error=error if error in ("refused", "unavailable") else None,
        )

    @api.get("", summary="The kiosk screen")
    async def page(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.KIOSK, device=True)
        menus = await screens.backends.call("GET", "/kitchens/menus", viewer.token or "")
        return pages.render(request, viewer, "kiosk.html", menus=menus.rows, max_qty=MAX_QTY)

    @api.get("/menu", summary="The menu tiles (a fragment)")
    async def menu(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.KIOSK, device=True)
        menus = await screens.backends.call("GET", "/kitchens/menus", viewer.token or "")
        return pages.render(
            request,
            viewer,
            "kiosk.html",
            block="tiles",
            menus=menus.rows,
            offline=not menus.ok,
        )

    @api.post("/orders", summary="Place the order (a fragment: the confirmation, or why not)")
    async def order(
        request: Request,
        card: Annotated[str, Form(alias="employeeCardNo")] = "",
        menu_id: Annotated[str, Form(alias="menuId")] = "",
        qty: Annotated[str, Form()] = "1",
        key: Annotated[str, Form()] = "",
        pin: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        viewer = await pages.screen(request, Role.KIOSK, device=True)
        card = card.strip()

        def answer(outcome: str, **context: object) -> HTMLResponse:
            values = {"outcome": outcome, **context}
            return pages.render(request, viewer, "kiosk.html", block="answer", values=values)

        if not CARD.match(card):
            return answer("refused", message="kiosk.card_unreadable")
        if not menu_id.isdigit():
            return answer("refused", message="kiosk.choose_first")
        if not qty.isdigit() or not 1 <= int(qty) <= MAX_QTY:
            return answer("refused", message="kiosk.bad_qty", max_qty=MAX_QTY)
        if not KEY.match(key):
            return answer("refused", message="kiosk.reload")
        body: dict[str, object] = {
            "employeeCardNo": card,
            "menuId": int(menu_id),
            "qty": int(qty),
        }
        if pin:
            body["pin"] = pin
        placed = await screens.backends.call(
            "POST", "/halls/orders", viewer.token or "", json=body, headers={"Idempotency-Key": key}
        )
        if placed.ok:
            return answer("placed", order=placed.body)
        if placed.status == 503:  # surge protection or the kitchen away: try again soon
            return answer("paused", retry_after=max(placed.retry_after or 2, 1))
        message = REFUSALS.get(placed.code or "", "kiosk.not_taken")
        return answer(
            "refused",
            message=message,
            code=placed.code,
            pin_asked=placed.code in ("PIN_REQUIRED", "WRONG_PIN"),
        )

    @api.get("/stream", summary="Live: portions changed (server-sent events)")
    async def stream(request: Request) -> Response:
        viewer = await pages.screen(request, Role.KIOSK, device=True)
        return screens.stream(request, viewer, lambda notice: notice.topic == "menus")

    return api
