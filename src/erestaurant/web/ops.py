"""Operations: the system map, for an administrator and for a learner watching the
patterns work. Each service's replicas with what their readiness says (the kitchen circuit
in hall's, the surge admission in kitchen's), each consumer's lag on the stream, the dead
letters with a replay button, and the events as they pass.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

import aiohttp
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from erestaurant.platform import deadletter
from erestaurant.platform.access import Role
from erestaurant.services import WITH_DATABASE
from erestaurant.web.drills import ACTIONS, Drills
from erestaurant.web.screens import Screens, screen_router

# Each service with a database of its own follows the stream as a durable consumer of its name.
CONSUMERS = WITH_DATABASE


def router(screens: Screens, drills: Drills) -> APIRouter:
    api = screen_router("/ops", "operations")
    pages, backends, broker = screens.pages, screens.backends, screens.runtime.broker

    async def replica(url: str) -> dict[str, Any]:
        try:
            async with backends.http().get(
                f"{url}/health/ready", timeout=aiohttp.ClientTimeout(total=1.5)
            ) as answer:
                body = await answer.json(content_type=None)
                return {"url": url, "ready": answer.status == 200, "health": body}
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return {"url": url, "ready": False, "health": None, "unreachable": True}

    async def lag(consumer: str) -> dict[str, Any]:
        try:
            info = await broker.js.consumer_info(broker.stream, consumer)
        except Exception:  # not created yet, or the broker is away: shown as unknown
            return {"consumer": consumer, "pending": None, "unacked": None}
        return {
            "consumer": consumer,
            "pending": info.num_pending,
            "unacked": info.num_ack_pending,
            "redelivered": info.num_redelivered,
        }

    async def system() -> dict[str, Any]:
        services = []
        for name, replicas in backends.services.items():
            found = await asyncio.gather(*(replica(url) for url in replicas.urls))
            services.append({"name": name, "replicas": found})
        lags = await asyncio.gather(*(lag(c) for c in CONSUMERS)) if broker.connected else []
        letters: list[deadletter.DeadLetter] = []
        with contextlib.suppress(Exception):
            if broker.connected:
                letters = await asyncio.wait_for(deadletter.list_all(broker.js, broker.stream), 5)
        return {
            "drills": drills.enabled,
            "processes": await drills.processes(),
            "flood": drills.flood.summary(),
            "services": services,
            "lags": lags,
            "letters": letters,
            "broker_up": broker.connected,
            "heard": screens.hub.heard,
            "screens_open": screens.hub.listening_now,
        }

    @api.get("", summary="The system map")
    async def page(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.ADMIN)
        return pages.render(request, viewer, "ops.html", **(await system()))

    @api.get("/map", summary="The system map (a fragment)")
    async def map_part(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.ADMIN)
        return pages.render(request, viewer, "ops.html", block="map", **(await system()))

    @api.post("/deadletters/replay", summary="Replay a dead letter (a fragment: the map)")
    async def replay(request: Request, sequence: Annotated[str, Form()] = "") -> HTMLResponse:
        viewer = await pages.screen(request, Role.ADMIN)
        problem: str | None = "ops.no_letter"
        if sequence.isdigit() and broker.connected:
            letters = await deadletter.list_all(broker.js, broker.stream)
            for letter in letters:
                if letter.sequence == int(sequence):
                    await deadletter.replay(broker.js, broker.stream, letter)
                    problem = None
        return pages.render(
            request, viewer, "ops.html", block="map", problem=problem, **(await system())
        )

    @api.post("/drills/{name}/{action}", summary="Freeze, thaw or kill a process (development)")
    async def drill(
        request: Request,
        name: Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9-]*$")],
        action: Annotated[str, Path(max_length=8)],
    ) -> HTMLResponse:
        viewer = await pages.screen(request, Role.ADMIN)
        problem = await drills.act(name, action) if action in ACTIONS else "ops.drill_refused"
        return pages.render(
            request, viewer, "ops.html", block="map", problem=problem, **(await system())
        )

    @api.post("/drills/flood", summary="Flood hall with orders (development)")
    async def flood(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.ADMIN)
        problem = await _start_flood(viewer.token or "")
        return pages.render(
            request, viewer, "ops.html", block="map", problem=problem, **(await system())
        )

    async def _start_flood(token: str) -> str | None:
        """Orders for the dish with the most portions left, by the first active employee."""
        menus = await backends.call("GET", "/kitchens/menus", token)
        people = await backends.call("GET", "/payments/employees", token)
        dishes = [m for m in menus.rows if m.get("remaining", 0) > 0]
        dish = max(dishes, key=lambda m: int(m["remaining"]), default=None)
        person = next((e for e in people.rows if e.get("active", True)), None)
        if dish is None or person is None:
            return "ops.flood_needs"
        return drills.start_flood(token, str(person["employeeCardNo"]), int(dish["menuId"]))

    @api.get("/stream", summary="Live: every event (server-sent events)")
    async def stream(request: Request) -> Response:
        viewer = await pages.screen(request, Role.ADMIN)
        return screens.stream(request, viewer, lambda n: n.topic == "events")

    return api
