"""The kitchen display: tickets as they arrive, one tap (or a number key) to start and to
finish, each ticket's age, what is still to cook per dish, and the day's menu.

The display keeps no state of its own: a reload, or a reconnect after the network dropped,
reads the tickets afresh from the kitchen, so nothing it showed is lost or stale.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from erestaurant.platform.access import Role
from erestaurant.web.pages import Viewer
from erestaurant.web.screens import Screens, screen_router

CANCELLED_SHOWN = 8
NEXT_STATUS = {"RECEIVED": "COOKING", "COOKING": "COOKED"}
# Why the kitchen refused to move a ticket on (its answer's status -> the message key).
CHANGE_REFUSED = {409: "kitchen.already_changed", 404: "kitchen.no_ticket"}


def router(screens: Screens) -> APIRouter:
    api = screen_router("/kitchen", "kitchen display")
    pages, backends = screens.pages, screens.backends

    async def board(viewer: Viewer) -> dict[str, Any]:
        token = viewer.token or ""
        recently = {"status": "CANCELLED", "limit": str(CANCELLED_SHOWN), "newestFirst": "true"}
        waiting, cooking, cancelled = await asyncio.gather(
            backends.call("GET", "/kitchens/cooks", token, params={"status": "RECEIVED"}),
            backends.call("GET", "/kitchens/cooks", token, params={"status": "COOKING"}),
            backends.call("GET", "/kitchens/cooks", token, params=recently),
        )
        tickets = cooking.rows + waiting.rows
        tickets.sort(key=lambda t: t.get("cookId") or 0)
        to_cook: Counter[str] = Counter()
        for ticket in tickets:
            to_cook[str(ticket.get("menuName"))] += int(ticket.get("qty") or 0)
        return {
            "tickets": tickets,
            "to_cook": sorted(to_cook.items()),
            "cancelled": cancelled.rows,
            "offline": not (waiting.ok and cooking.ok),
        }

    async def menus(viewer: Viewer) -> dict[str, Any]:
        listed = await backends.call(
            "GET", "/kitchens/menus", viewer.token or "", params={"all": "true"}
        )
        return {"menus": listed.rows, "menus_offline": not listed.ok}

    async def menus_part(request: Request, viewer: Viewer, problem: str | None) -> HTMLResponse:
        """The menu's part of the display, after a change (and why it failed, if it did)."""
        return pages.render(
            request,
            viewer,
            "kitchen.html",
            block="menus",
            menu_problem=problem,
            **(await menus(viewer)),
        )

    @api.get("", summary="The kitchen display")
    async def page(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.KITCHEN)
        return pages.render(
            request, viewer, "kitchen.html", **(await board(viewer)), **(await menus(viewer))
        )

    @api.get("/board", summary="The tickets (a fragment)")
    async def tickets(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.KITCHEN)
        return pages.render(request, viewer, "kitchen.html", block="board", **(await board(viewer)))

    @api.post("/cooks/{cook_id}", summary="Start or finish a ticket (a fragment: the board)")
    async def advance(
        request: Request,
        cook_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        status: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        viewer = await pages.screen(request, Role.KITCHEN)
        problem: str | None = "kitchen.bad_status"
        if status in NEXT_STATUS.values():
            changed = await backends.call(
                "PATCH", f"/kitchens/cooks/{cook_id}", viewer.token or "", json={"status": status}
            )
            problem = changed.problem("kitchen.not_changed", CHANGE_REFUSED)
        return pages.render(
            request, viewer, "kitchen.html", block="board", problem=problem, **(await board(viewer))
        )

    @api.get("/menus", summary="The day's menu and portions (a fragment)")
    async def menu_list(request: Request) -> HTMLResponse:
        return await menus_part(request, await pages.screen(request, Role.KITCHEN), None)

    @api.post("/menus", summary="Put a new dish on the menu (a fragment: the menu)")
    async def add_menu(
        request: Request,
        name: Annotated[str, Form()] = "",
        price: Annotated[str, Form()] = "",
        portions: Annotated[str, Form(alias="dailyPortions")] = "",
    ) -> HTMLResponse:
        viewer = await pages.screen(request, Role.KITCHEN)
        menu_problem = None
        if not name.strip() or not price.isdigit() or not portions.isdigit():
            menu_problem = "kitchen.menu_incomplete"
        else:
            added = await backends.call(
                "POST",
                "/kitchens/menus",
                viewer.token or "",
                json={"name": name.strip(), "price": int(price), "dailyPortions": int(portions)},
            )
            menu_problem = added.problem("kitchen.menu_refused")
        return await menus_part(request, viewer, menu_problem)

    @api.post("/menus/{menu_id}", summary="Change a dish's portions, or take it off (a fragment)")
    async def change_menu(
        request: Request,
        menu_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        portions: Annotated[str, Form(alias="dailyPortions")] = "",
        on_menu: Annotated[str, Form(alias="onMenu")] = "",
    ) -> HTMLResponse:
        viewer = await pages.screen(request, Role.KITCHEN)
        change: dict[str, object] = {}
        if portions.isdigit():
            change["dailyPortions"] = int(portions)
        if on_menu in ("true", "false"):
            change["onMenu"] = on_menu == "true"
        menu_problem = None
        if not change:
            menu_problem = "kitchen.menu_incomplete"
        else:
            changed = await backends.call(
                "PATCH", f"/kitchens/menus/{menu_id}", viewer.token or "", json=change
            )
            if changed.code == "PORTIONS_BELOW_RESERVED":
                menu_problem = "kitchen.below_reserved"
            elif not changed.ok:
                menu_problem = "kitchen.menu_refused"
        return await menus_part(request, viewer, menu_problem)

    @api.get("/stream", summary="Live: tickets and portions changed (server-sent events)")
    async def stream(request: Request) -> Response:
        viewer = await pages.screen(request, Role.KITCHEN)
        return screens.stream(request, viewer, lambda n: n.topic in ("tickets", "menus"))

    return api
