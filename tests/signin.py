"""Signing in to the system's identity provider from the tests, as a person or a kiosk.

``SignedIn`` is an httpx auth for sync and async clients alike: it signs in through the
real provider (the same code as `erestaurant token`), keeps the token until shortly before
it expires, and on a 401 signs in again once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import AsyncGenerator, Coroutine, Generator

import httpx
import jwt

from erestaurant.hall.settings import HallSettings
from erestaurant.identity import signin
from erestaurant.platform.access import Role
from erestaurant.platform.oauth_client import Grant, TokenClient

RENEW_BEFORE_SECONDS = 60
_HALL = HallSettings.model_fields
# Hall's own client, as the local provider is seeded with it: tokens for the kitchen only.
HALL_GRANT = Grant.client_credentials(
    str(_HALL["client_id"].default),
    _HALL["client_secret"].default.get_secret_value(),
    Role.RESERVE_PORTIONS.value,
    str(_HALL["auth_kitchen_audience"].default),
)


def _in_thread(work: Coroutine[object, object, str]) -> str:
    """Run ``work`` to its end whether or not an event loop runs in this thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def token(issuer: str, role: Role, card: str | None = None, kiosk: str | None = None) -> str:
    """A token from the provider for one of its demo accounts or kiosks."""
    return _in_thread(signin.token(role, issuer, card=card, kiosk=kiosk))


def grant_token(issuer: str, grant: Grant) -> str:
    """A token for ``grant`` (a client's own credentials) from the provider."""

    async def get() -> str:
        client = TokenClient(issuer)
        try:
            return await client.token(grant)
        finally:
            await client.close()

    return _in_thread(get())


class SignedIn(httpx.Auth):
    def __init__(
        self, issuer: str, role: Role, card: str | None = None, kiosk: str | None = None
    ) -> None:
        self.issuer, self.role, self.card, self.kiosk = issuer, role, card, kiosk
        self._token: str | None = None
        self._renew_at = 0.0

    def token(self, fresh: bool = False) -> str:
        if fresh or self._token is None or time.time() > self._renew_at:
            self._token = token(self.issuer, self.role, self.card, self.kiosk)
            expires = jwt.decode(self._token, options={"verify_signature": False})["exp"]
            self._renew_at = float(expires) - RENEW_BEFORE_SECONDS
        return self._token

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.token(fresh=True)}"
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self.sync_auth_flow(request)
        response = yield next(flow)
        try:
            yield flow.send(response)
        except StopIteration:
            return
