"""Getting access tokens from the provider's token endpoint (RFC 6749), for those that call
the API: hall calling the kitchen, and the tools (faults, bench, demo, `erestaurant token`).

A token is kept until shortly before it expires, so a caller asks the provider once per
token lifetime, not once per request.
"""

from __future__ import annotations

import asyncio
import base64
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

# A token is renewed this long before it expires, so that it never lapses in flight.
RENEW_BEFORE_SECONDS = 30.0
TIMEOUT_SECONDS = 5.0


class TokenRefused(Exception):
    """The provider said no (wrong secret, a scope the client may not have, ...)."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or did not answer usefully."""


@dataclass(frozen=True)
class Grant:
    """What to ask the token endpoint for, with which client's credentials."""

    client_id: str
    client_secret: str
    form: tuple[tuple[str, str], ...]

    @classmethod
    def client_credentials(
        cls, client_id: str, secret: str, scope: str, resource: str | None = None
    ) -> Grant:
        form = [("grant_type", "client_credentials"), ("scope", scope)]
        if resource:
            form.append(("resource", resource))
        return cls(client_id, secret, tuple(form))

    @classmethod
    def password(
        cls, client_id: str, secret: str, username: str, password: str, scope: str = "openid"
    ) -> Grant:
        form = (
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
            ("scope", scope),
        )
        return cls(client_id, secret, form)


class TokenClient:
    def __init__(self, issuer: str, token_url: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self._token_url = token_url
        self._session: aiohttp.ClientSession | None = None
        self._tokens: dict[Grant, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def token(self, grant: Grant, *, fresh: bool = False) -> str:
        """An access token for ``grant``: the one in hand unless it is about to expire, or
        ``fresh`` (the API refused the one in hand)."""
        async with self._lock:
            held = self._tokens.get(grant)
            if held is not None and not fresh and held[1] > time.monotonic():
                return held[0]
            body = await self._post(grant)
            token = body.get("access_token")
            if not isinstance(token, str):
                raise ProviderUnavailable("the token endpoint answered no access_token")
            lifetime = float(body.get("expires_in", 300))
            self._tokens[grant] = (token, time.monotonic() + lifetime - RENEW_BEFORE_SECONDS)
            return token

    async def discover(self) -> Mapping[str, Any]:
        """The provider's OpenID discovery document."""
        return await self._get_json(f"{self.issuer}/.well-known/openid-configuration")

    async def token_url(self) -> str:
        if self._token_url is None:
            self._token_url = str((await self.discover())["token_endpoint"])
        return self._token_url

    async def _post(self, grant: Grant) -> dict[str, Any]:
        return await self.exchange(grant.client_id, grant.client_secret, dict(grant.form))

    async def exchange(self, client_id: str, secret: str, form: dict[str, str]) -> dict[str, Any]:
        """One call of the token endpoint with this client's credentials, kept nowhere (an
        authorization code, a refresh token); the provider's answer."""
        url = await self.token_url()
        headers = {"Authorization": _basic(client_id, secret)}
        try:
            async with self._http().post(url, data=form, headers=headers) as response:
                body = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"{url}: {exc.__class__.__name__}: {exc}") from exc
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"{url} answered {status} without a JSON object")
        if status in (400, 401, 403):
            detail = body.get("error_description") or body.get("error") or status
            raise TokenRefused(f"{client_id}: {detail}")
        if status != 200:
            raise ProviderUnavailable(f"{url} answered {status}")
        return body

    async def _get_json(self, url: str) -> Mapping[str, Any]:
        try:
            async with self._http().get(url) as response:
                response.raise_for_status()
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"{url}: {exc.__class__.__name__}: {exc}") from exc
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"{url} did not answer a JSON object")
        return body

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _basic(client_id: str, secret: str) -> str:
    """Client authentication with HTTP Basic (RFC 6749, 2.3.1: each part form-encoded)."""
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")
