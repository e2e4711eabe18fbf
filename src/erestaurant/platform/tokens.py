"""Checking an OAuth2 access token: its signature against the issuer's published keys, and
its issuer, audience and lifetime (RFC 9068 and RFC 8725, with PyJWT).

The keys come from the issuer's JWKS (its ``jwks_uri``, found through OpenID discovery
unless given). They are cached; a token signed with a key id the cache does not have makes
the verifier fetch the set again, at most once every ``REFETCH_SECONDS``, so that a key the
provider rotated in is found at once while tokens with made-up key ids cannot make every
request a fetch. Only asymmetric algorithms are accepted, the one the key itself is for:
``alg: none``, and an HMAC signed with the public key as its secret, are refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Collection, Mapping
from typing import Any

import aiohttp
import jwt
from jwt import PyJWK

log = logging.getLogger(__name__)

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
REFETCH_SECONDS = 10.0
RETRY_SECONDS = 1.0
FETCH_TIMEOUT_SECONDS = 5.0
# Verified tokens kept so that a kiosk's many requests with one token cost one signature
# check; each use still checks the expiry.
CACHE_SIZE = 4096


class InvalidToken(Exception):
    """The token is not one this service accepts; the message says why (safe to show)."""


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched: no token can be checked for now."""


class TokenVerifier:
    def __init__(
        self,
        issuer: str,
        audiences: Collection[str],
        jwks_url: str | None = None,
        leeway_seconds: float = 30.0,
    ) -> None:
        self.issuer = issuer
        self.audiences = frozenset(audiences)
        self._jwks_url = jwks_url
        self._leeway = leeway_seconds
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = -REFETCH_SECONDS
        self._fetching: asyncio.Lock | None = None
        self._session: aiohttp.ClientSession | None = None
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once signature, issuer, audience and times hold."""
        cached = self._verified.get(token)
        if cached is not None:
            if cached["exp"] + self._leeway < time.time():
                del self._verified[token]
                raise InvalidToken("the token has expired")
            return cached
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise InvalidToken("not a JWT") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ASYMMETRIC:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        key = await self._key(kid if isinstance(kid, str) else None)
        if key.algorithm_name != algorithm:
            raise InvalidToken(f"key {kid} is for {key.algorithm_name}, not {algorithm}")
        claims = self._decode(token, key)
        self._remember(token, claims)
        return claims

    def _decode(self, token: str, key: PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[key.algorithm_name],
                audience=list(self.audiences),
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("the token is not meant for this service (audience)") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token comes from another issuer") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("the token is not valid yet") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"the token has no {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the token is malformed: {exc.__class__.__name__}") from None
        return claims

    def forget(self) -> None:
        """Drop the verified tokens (each is checked in full again); the keys stay."""
        self._verified.clear()

    def _remember(self, token: str, claims: dict[str, Any]) -> None:
        self._verified[token] = claims
        if len(self._verified) > CACHE_SIZE:
            self._verified.popitem(last=False)

    async def _key(self, kid: str | None) -> PyJWK:
        if kid is None:
            raise InvalidToken("the token names no key (kid)")
        key = self._keys.get(kid)
        if key is not None:
            return key
        if time.monotonic() - self._fetched_at >= REFETCH_SECONDS:
            await self._refresh()
        key = self._keys.get(kid)
        if key is None and not self._keys:
            raise KeysUnavailable("the issuer's keys have not been fetched yet")
        if key is None:
            raise InvalidToken(f"the issuer has not published key {kid!r}")
        return key

    async def _refresh(self) -> None:
        if self._fetching is None:
            self._fetching = asyncio.Lock()
        async with self._fetching:
            if time.monotonic() - self._fetched_at < REFETCH_SECONDS:
                return  # another request just fetched them
            try:
                document = await self._get(await self._jwks_uri())
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                # Tried again in a second, not at every request: while the provider is
                # down, requests are answered 503 at once instead of each waiting on it.
                self._fetched_at = time.monotonic() - REFETCH_SECONDS + RETRY_SECONDS
                raise KeysUnavailable(f"the issuer's keys could not be fetched: {exc}") from exc
            self._fetched_at = time.monotonic()
            self._keys = _usable_keys(document)
            log.info("fetched %d signing key(s) of %s", len(self._keys), self.issuer)

    async def _jwks_uri(self) -> str:
        if self._jwks_url is None:
            discovery = await self._get(
                self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            )
            self._jwks_url = str(discovery["jwks_uri"])
        return self._jwks_url

    async def _get(self, url: str) -> Mapping[str, Any]:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
            self._session = aiohttp.ClientSession(timeout=timeout)
        async with self._session.get(url) as response:
            response.raise_for_status()
            body = await response.json(content_type=None)
        if not isinstance(body, dict):
            raise ValueError(f"{url} did not answer a JSON object")
        return body

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _usable_keys(document: Mapping[str, Any]) -> dict[str, PyJWK]:
    """The signing keys of a JWKS by key id; keys for encryption or of unknown kinds skipped."""
    keys: dict[str, PyJWK] = {}
    for data in document.get("keys", []):
        if not isinstance(data, dict) or data.get("use", "sig") != "sig" or "kid" not in data:
            continue
        try:
            key = PyJWK(data)
        except jwt.PyJWTError as exc:
            log.warning("skipping key %s of the issuer: %s", data.get("kid"), exc)
            continue
        if key.algorithm_name in ASYMMETRIC:
            keys[str(data["kid"])] = key
    return keys
