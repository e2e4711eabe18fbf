"""The operations screen's drills, in the development environment only: freeze, thaw or
kill a process through the runner's control API, and flood hall with orders, so that a
person can watch the circuit breaker open, orders go on while payment is down, the surge
protection pause and resume, the backlog drain and a killed process come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from erestaurant.web.backends import Backends
from erestaurant.web.settings import WebSettings

log = logging.getLogger(__name__)

ACTIONS = ("freeze", "thaw", "kill")
FLOOD_ORDERS = 300
FLOOD_PER_SECOND = 60.0


@dataclass
class Flood:
    """A burst of orders as from many kiosks at once, and what hall answered."""

    started_at: float = 0.0
    finished_at: float = 0.0
    sent: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    running: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "sent": self.sent,
            "answers": dict(sorted(self.answers.items())),
            "seconds": round((self.finished_at or time.monotonic()) - self.started_at, 1)
            if self.started_at
            else 0,
        }


class Drills:
    def __init__(self, settings: WebSettings, backends: Backends) -> None:
        self.enabled = settings.controls
        self._url = (settings.control_url or "").rstrip("/")
        token = settings.control_token.get_secret_value() if settings.control_token else ""
        self._headers = {"Authorization": f"Bearer {token}"}
        self._backends = backends
        self.flood = Flood()
        self._task: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def _control(
        self, method: str, path: str, *, seconds: float
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """The runner's control API's answer to ``method`` ``path``, waited on ``seconds``."""
        async with self._backends.http().request(
            method,
            f"{self._url}{path}",
            headers=self._headers,
            timeout=aiohttp.ClientTimeout(total=seconds),
        ) as answer:
            yield answer

    async def processes(self) -> list[dict[str, Any]] | None:
        """The runner's processes, or None when the control API does not answer."""
        if not self.enabled:
            return None
        try:
            async with self._control("GET", "/processes", seconds=2) as answer:
                body = await answer.json(content_type=None)
                return body if answer.status == 200 and isinstance(body, list) else None
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None

    async def act(self, name: str, action: str) -> str | None:
        """Freeze, thaw or kill ``name``; what went wrong, if anything (a message key)."""
        if not self.enabled or action not in ACTIONS:
            return "ops.drills_off"
        try:
            async with self._control("POST", f"/processes/{name}/{action}", seconds=10) as answer:
                return None if answer.status == 200 else "ops.drill_refused"
        except (aiohttp.ClientError, TimeoutError):
            return "ops.drill_unreachable"

    def start_flood(self, token: str, card: str, menu_id: int) -> str | None:
        if not self.enabled:
            return "ops.drills_off"
        if self._task is not None and not self._task.done():
            return "ops.flood_running"
        self.flood = Flood(started_at=time.monotonic(), running=True)
        self._task = asyncio.create_task(self._flood(token, card, menu_id))
        return None

    async def _flood(self, token: str, card: str, menu_id: int) -> None:
        flood, gap = self.flood, 1.0 / FLOOD_PER_SECOND
        pending: set[asyncio.Task[None]] = set()

        async def one() -> None:
            answer = await self._backends.call(
                "POST",
                "/halls/orders",
                token,
                json={"employeeCardNo": card, "menuId": menu_id, "qty": 1},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            flood.answers[answer.code or str(answer.status)] += 1

        try:
            for _ in range(FLOOD_ORDERS):
                task = asyncio.create_task(one())
                pending.add(task)
                task.add_done_callback(pending.discard)
                flood.sent += 1
                await asyncio.sleep(gap)
            await asyncio.gather(*pending, return_exceptions=True)
        finally:
            flood.running = False
            flood.finished_at = time.monotonic()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
