"""Signing people in from a browser: OpenID Connect's authorization code flow with PKCE,
run by the gateway, and the session cookie that follows.

A browser never holds a token where a script can read it, and never sees one in a URL:
the gateway keeps the tokens in a session cookie it encrypts itself (httpOnly, SameSite=Lax,
Secure behind https), and puts the access token on each request it forwards, as a bearer
token, which the services check as they check any other. A request that changes something
and rides on the cookie must come from the gateway's own origin (its Origin header), so
that another site cannot make a signed-in browser act (CSRF).

    GET  /auth/login?next=/path   to the provider's sign-in page, then back to /path
    GET  /auth/callback           where the provider sends the browser back with a code
    GET  /auth/me                 who the session (or a bearer token) belongs to
    POST /auth/logout             the session cookie is dropped
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken

from erestaurant.gateway.settings import GatewaySettings
from erestaurant.platform.access import Principal
from erestaurant.platform.errors import ApiError, with_code
from erestaurant.platform.oauth_client import ProviderUnavailable, TokenClient, TokenRefused
from erestaurant.platform.security import (
    Access,
    Forbidden,
    IdentityUnavailable,
    Unauthenticated,
)

SESSION_COOKIE = "erestaurant_session"
SIGNIN_COOKIE = "erestaurant_signin"
SIGNIN_SECONDS = 600
# A session's access token is renewed (with its refresh token) this long before it expires.
RENEW_BEFORE_SECONDS = 30
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SCOPE = "openid profile email offline_access"


@dataclass
class Session:
    access_token: str
    refresh_token: str | None
    expires_at: float


class SignIn:
    def __init__(self, settings: GatewaySettings, access: Access, tokens: TokenClient) -> None:
        self.settings = settings
        self.access = access
        self.tokens = tokens
        key = hashlib.sha256(settings.session_key.get_secret_value().encode()).digest()
        self._box = Fernet(base64.urlsafe_b64encode(key))
        public = urlsplit(settings.public_url)
        self.origin = f"{public.scheme}://{public.netloc}"
        self.secure = public.scheme == "https"
        self.redirect_uri = f"{settings.public_url.rstrip('/')}/auth/callback"

    # -- the routes ----------------------------------------------------------------------------

    async def login(self, request: web.Request) -> web.Response:
        state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        try:
            endpoint = str((await self.tokens.discover())["authorization_endpoint"])
        except (ProviderUnavailable, KeyError) as exc:
            raise IdentityUnavailable(
                f"the identity provider cannot be reached: {exc}", retry_after=5
            ) from None
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": SCOPE,
                "state": state,
                "nonce": secrets.token_urlsafe(16),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        pending = {"s": state, "v": verifier, "n": _local_path(request.query.get("next"))}
        answer = web.HTTPFound(f"{endpoint}?{query}")
        self._set(answer, SIGNIN_COOKIE, pending, SIGNIN_SECONDS, path="/auth")
        return answer

    async def callback(self, request: web.Request) -> web.Response:
        pending = self._open(request.cookies.get(SIGNIN_COOKIE), SIGNIN_SECONDS)
        if "error" in request.query:
            raise SignInFailed(f"the provider said: {request.query['error']}")
        if pending is None or not secrets.compare_digest(
            str(pending.get("s")), request.query.get("state", "")
        ):
            raise SignInFailed("this sign-in was not started here, or took too long: start again")
        code = request.query.get("code")
        if not code:
            raise SignInFailed("the provider sent no code")
        answer = await self._exchange(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": str(pending["v"]),
            }
        )
        session = _session(answer)
        await self.access.principal(session.access_token)  # a token the services will take
        back = web.HTTPFound(str(pending.get("n") or "/auth/me"))
        self.keep(back, session)
        back.del_cookie(SIGNIN_COOKIE, path="/auth")
        return back

    async def me(self, request: web.Request) -> web.Response:
        token, renewed = bearer_token(request), None
        if token is None:
            token, renewed = await self.token(request)
        if token is None:
            raise Unauthenticated("not signed in: /auth/login")
        who = await self.access.principal(token)
        answer = web.json_response(_describe(who))
        if renewed is not None:
            self.keep(answer, renewed)
        return answer

    async def logout(self, request: web.Request) -> web.Response:
        self.check_origin(request)
        answer = web.json_response({"signedOut": True})
        answer.del_cookie(SESSION_COOKIE, path="/")
        return answer

    # -- what the proxy asks -------------------------------------------------------------------

    async def token(self, request: web.Request) -> tuple[str | None, Session | None]:
        """The session's access token, if the request rides on a session cookie, and the
        renewed session to send back if it had to be renewed."""
        opened = self._open(request.cookies.get(SESSION_COOKIE), None)
        if opened is None:
            return None, None
        session = Session(opened["a"], opened.get("r"), float(opened["e"]))
        if session.expires_at - RENEW_BEFORE_SECONDS > time.time():
            return session.access_token, None
        if session.refresh_token is None:
            return None, None
        try:
            answer = await self._exchange(
                {"grant_type": "refresh_token", "refresh_token": session.refresh_token}
            )
        except SignInFailed:
            return None, None  # the provider ended the session: sign in again
        renewed = _session(answer, session.refresh_token)
        return renewed.access_token, renewed

    def check_origin(self, request: web.Request) -> None:
        """A change made with the session cookie must come from a page of ours."""
        if request.method not in UNSAFE_METHODS:
            return
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        if origin == self.origin or (origin is None and site == "same-origin"):
            return
        raise Forbidden("a change with the session cookie must come from the cafeteria's pages")

    # -- the cookies -----------------------------------------------------------------------------

    def keep(self, response: web.StreamResponse, session: Session) -> None:
        """Send the (renewed) session back as its cookie."""
        value = {"a": session.access_token, "r": session.refresh_token, "e": session.expires_at}
        self._set(response, SESSION_COOKIE, value, None, path="/")

    def _set(
        self,
        response: web.StreamResponse,
        name: str,
        value: dict[str, Any],
        max_age: int | None,
        path: str,
    ) -> None:
        response.set_cookie(
            name,
            self._box.encrypt(orjson.dumps(value)).decode(),
            max_age=max_age,
            path=path,
            httponly=True,
            secure=self.secure,
            samesite="Lax",
        )

    def _open(self, sealed: str | None, max_age: int | None) -> dict[str, Any] | None:
        if not sealed:
            return None
        try:
            value = orjson.loads(self._box.decrypt(sealed.encode(), ttl=max_age))
        except (InvalidToken, ValueError):
            return None  # another key, tampered with, or too old: as if there were none
        return value if isinstance(value, dict) else None

    async def _exchange(self, form: dict[str, str]) -> dict[str, Any]:
        secret = self.settings.client_secret.get_secret_value()
        try:
            return await self.tokens.exchange(self.settings.client_id, secret, form)
        except TokenRefused as exc:
            raise SignInFailed(f"the provider refused: {exc}") from None
        except ProviderUnavailable as exc:
            raise IdentityUnavailable(
                f"the identity provider cannot be reached: {exc}", retry_after=5
            ) from None


SignInFailed = with_code(ApiError, "SIGN_IN_FAILED")  # 400


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _session(answer: dict[str, Any], refresh_token: str | None = None) -> Session:
    access = answer.get("access_token")
    if not isinstance(access, str):
        raise SignInFailed("the provider answered without an access token")
    return Session(
        access,
        answer.get("refresh_token") or refresh_token,
        time.time() + float(answer.get("expires_in", 300)),
    )


def _describe(who: Principal) -> dict[str, Any]:
    return {
        "subject": who.subject,
        "roles": sorted(who.roles),
        "employeeCardNo": who.card_no,
        "clientId": who.client_id,
    }


def _local_path(wanted: str | None) -> str | None:
    """Where to go after signing in: a path of this site only (never another site)."""
    if not wanted or not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted:
        return None
    return wanted


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
