"""A service's replicas as a caller sees them (the gateway, the screens): which answer ready,
and whose turn it is.

The caller asks every replica /health/ready on a short period and sends requests only to
those that said yes, in turn. A replica that refuses a connection is taken out at once,
until it answers ready again. If none is ready the caller tries them all anyway: a
service whose broker is down still answers most requests.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

import aiohttp

log = logging.getLogger(__name__)


class Replicas:
    def __init__(self, service: str, urls: list[str]) -> None:
        if not urls:
            raise ValueError(f"{service}: no replica URL")
        self.service = service
        self.urls = urls
        # Until the first check, every replica is given the benefit of the doubt.
        self.ready = dict.fromkeys(urls, True)
        self._turn = itertools.count()
        self._checked = False  # the first check's findings are no news

    def in_turn(self) -> list[str]:
        """Every replica, ready ones first, starting with the next one's turn."""
        start = next(self._turn) % len(self.urls)
        order = self.urls[start:] + self.urls[:start]
        return [u for u in order if self.ready[u]] + [u for u in order if not self.ready[u]]

    def unreachable(self, url: str) -> None:
        self._mark(url, False)

    def _mark(self, url: str, ready: bool) -> None:
        if self.ready[url] != ready and self._checked:
            log.info("%s replica %s %s", self.service, url, "ready" if ready else "not ready")
        self.ready[url] = ready

    async def check(self, http: aiohttp.ClientSession, within: float) -> None:
        answers = await asyncio.gather(
            *(_is_ready(http, url, within) for url in self.urls), return_exceptions=True
        )
        for url, ready in zip(self.urls, answers, strict=True):
            self._mark(url, ready is True)
        self._checked = True


async def _is_ready(http: aiohttp.ClientSession, url: str, within: float) -> bool:
    try:
        async with http.get(
            f"{url}/health/ready", timeout=aiohttp.ClientTimeout(total=within)
        ) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
