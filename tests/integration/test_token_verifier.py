"""The token verifier against a real HTTP issuer whose keys the test rotates: keys are
cached, a key id it has not seen makes it fetch again (but not at every request), and an
issuer out of reach is told apart from a bad token."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from erestaurant.platform import tokens
from erestaurant.platform.tokens import InvalidToken, KeysUnavailable, TokenVerifier

pytestmark = pytest.mark.integration


@dataclass
class Issuer:
    """An issuer that publishes the keys the test gives it, and counts the fetches."""

    url: str = ""
    keys: dict[str, Any] = field(default_factory=dict)
    fetches: int = 0

    async def discovery(self, _: web.Request) -> web.Response:
        return web.json_response({"issuer": self.url, "jwks_uri": f"{self.url}/jwks"})

    async def jwks(self, _: web.Request) -> web.Response:
        self.fetches += 1
        published = []
        for kid, key in self.keys.items():
            data = jwt.algorithms.get_default_algorithms()[key[0]].to_jwk(
                key[1].public_key(), as_dict=True
            )
            published.append({**data, "kid": kid, "use": "sig", "alg": key[0]})
        return web.json_response({"keys": published})

    def sign(self, kid: str, **claims: Any) -> str:
        algorithm, private = self.keys[kid]
        now = int(time.time())
        body = {
            "iss": self.url,
            "aud": "erestaurant",
            "sub": "kiosk-1",
            "iat": now,
            "exp": now + 60,
        }
        return jwt.encode({**body, **claims}, private, algorithm, {"kid": kid})


def _rsa() -> tuple[str, Any]:
    return "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def issuer() -> AsyncIterator[Issuer]:
    issuer = Issuer(keys={"k1": _rsa()})
    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", issuer.discovery)
    app.router.add_get("/jwks", issuer.jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    issuer.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield issuer
    await runner.cleanup()


async def test_keys_are_fetched_once_and_a_rotated_in_key_is_found(issuer: Issuer) -> None:
    verifier = TokenVerifier(issuer.url, {"erestaurant"})
    try:
        for n in range(5):
            claims = await verifier.verify(issuer.sign("k1", jti=str(n)))
            assert claims["sub"] == "kiosk-1"
        assert issuer.fetches == 1
        issuer.keys["k2"] = ("ES256", ec.generate_private_key(ec.SECP256R1()))
        verifier._fetched_at -= tokens.REFETCH_SECONDS  # the provider rotated a while ago
        assert (await verifier.verify(issuer.sign("k2")))["sub"] == "kiosk-1"
        assert issuer.fetches == 2
    finally:
        await verifier.close()


async def test_made_up_key_ids_do_not_make_every_request_a_fetch(issuer: Issuer) -> None:
    verifier = TokenVerifier(issuer.url, {"erestaurant"})
    try:
        await verifier.verify(issuer.sign("k1"))
        forged = jwt.encode(
            {"iss": issuer.url, "aud": "erestaurant", "sub": "x", "iat": 0, "exp": 2**31},
            _rsa()[1],
            "RS256",
            {"kid": "made-up"},
        )
        for _ in range(20):
            with pytest.raises(InvalidToken, match="has not published key 'made-up'"):
                await verifier.verify(forged)
        assert issuer.fetches == 1  # within REFETCH_SECONDS of the first fetch
    finally:
        await verifier.close()


async def test_a_verified_token_is_remembered_but_still_expires(issuer: Issuer) -> None:
    verifier = TokenVerifier(issuer.url, {"erestaurant"}, leeway_seconds=0)
    try:
        token = issuer.sign("k1", exp=int(time.time()) + 1)
        await verifier.verify(token)
        await asyncio.sleep(1.1)
        with pytest.raises(InvalidToken, match="expired"):
            await verifier.verify(token)
    finally:
        await verifier.close()


async def test_an_issuer_out_of_reach_is_not_a_bad_token(issuer: Issuer) -> None:
    verifier = TokenVerifier("http://127.0.0.1:1", {"erestaurant"})
    try:
        for _ in range(3):
            with pytest.raises(KeysUnavailable):
                await verifier.verify(issuer.sign("k1"))
    finally:
        await verifier.close()
