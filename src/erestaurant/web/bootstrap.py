"""Wires the web screens together: one process serving every screen, with its live feed."""

from __future__ import annotations

from importlib import resources

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from erestaurant.platform.broker import SUBJECT_PREFIX
from erestaurant.platform.runtime import Runtime
from erestaurant.web import kiosk, kitchen, live, me, ops, payroll
from erestaurant.web.backends import Backends
from erestaurant.web.drills import Drills
from erestaurant.web.pages import NotForYou, Pages, SignInNeeded
from erestaurant.web.screens import Screens
from erestaurant.web.settings import WebSettings


def bootstrap(settings: WebSettings | None = None) -> Runtime:
    settings = settings or WebSettings.load()
    runtime = Runtime(settings, None)
    hub = live.Hub(settings.replay_events)
    backends = Backends(settings)
    pages = Pages(settings, runtime.access)
    screens = Screens(settings, runtime, pages, backends, hub)
    runtime.listen(f"{SUBJECT_PREFIX}.>", hub.hear)
    runtime.every("replica checks", 1.0, backends.check)
    runtime.on_stop(backends.close)
    runtime.on_stop(_closing(hub))
    runtime.describe("screensOpen", lambda: hub.listening_now)
    runtime.gauge(
        "erestaurant_web_streams_open",
        "Live streams (server-sent events) open to screens now.",
        lambda: hub.listening_now,
    )
    app = runtime.app
    drills = Drills(settings, backends)
    runtime.on_stop(drills.close)
    for screen in (kiosk, kitchen, me, payroll):
        app.include_router(screen.router(screens))
    app.include_router(ops.router(screens, drills))

    async def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        return pages.sign_in(request, exc)

    async def not_for_you(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotForYou)
        return await pages.not_for_you(request, exc)

    app.add_exception_handler(SignInNeeded, sign_in)
    app.add_exception_handler(NotForYou, not_for_you)

    @app.get("/", response_class=HTMLResponse, tags=["screens"], summary="The screens")
    async def home(request: Request) -> HTMLResponse:
        viewer = await pages.viewer(request)
        return pages.render(request, viewer, "home.html")

    static = resources.files("erestaurant.web").joinpath("static")
    app.mount("/assets", StaticFiles(directory=str(static)), name="assets")
    return runtime


def _closing(hub: live.Hub):  # type: ignore[no-untyped-def]
    async def close() -> None:
        hub.close()

    return close
