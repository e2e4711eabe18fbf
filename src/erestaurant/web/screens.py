"""What every screen shares: its page, its live stream, and the answers of its services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from erestaurant.platform.runtime import Runtime
from erestaurant.web import live
from erestaurant.web.backends import Backends
from erestaurant.web.pages import SCREEN_ANSWERS, Pages, Viewer
from erestaurant.web.settings import WebSettings


def screen_router(prefix: str, tag: str) -> APIRouter:
    """A screen's routes: under ``prefix``, listed under ``tag``, answering HTML."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        responses=SCREEN_ANSWERS,
        default_response_class=HTMLResponse,
    )


@dataclass(frozen=True)
class Screens:
    """The parts a screen's routes are built from (one per process)."""

    settings: WebSettings
    runtime: Runtime
    pages: Pages
    backends: Backends
    hub: live.Hub

    def stream(
        self,
        request: Request,
        viewer: Viewer,
        wanted: Callable[[live.Notice], bool],
        recent_seconds: float = 0.0,
    ) -> StreamingResponse:
        """The screen's server-sent events; excluded from request-latency figures by being
        a stream (it ends when the token expires, at shutdown, or when the browser goes)."""
        events = live.stream(
            self.hub,
            wanted,
            request.headers.get("Last-Event-ID"),
            until=viewer.expires_at,
            heartbeat=self.settings.stream_heartbeat_seconds,
            stopping=lambda: self.runtime.shutting_down,
            recent_seconds=recent_seconds,
        )
        return StreamingResponse(
            events,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
