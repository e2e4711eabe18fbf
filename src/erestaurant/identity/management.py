"""The local provider's management API (its runtime users and clients), behind its secret."""

from __future__ import annotations

from typing import Any

import aiohttp

from erestaurant.identity.local import LocalIdentitySettings
from erestaurant.platform.oauth_client import ProviderUnavailable


class Management:
    def __init__(self, issuer: str, settings: LocalIdentitySettings | None = None) -> None:
        settings = settings or LocalIdentitySettings.load()
        self._runtime = f"{issuer.rstrip('/')}/api/runtime"
        self._headers = {"X-Management-Secret": settings.management_secret.get_secret_value()}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """``method`` on ``/api/runtime<path>``: the status and the JSON answer."""
        url = self._runtime + path
        try:
            async with (
                aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=10), headers=self._headers
                ) as http,
                http.request(method, url, json=body) as response,
            ):
                return response.status, await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"{url}: {exc.__class__.__name__}: {exc}") from exc
