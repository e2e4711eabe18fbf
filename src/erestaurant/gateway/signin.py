"""Signing people in from a browser: OpenID Connect's authorization code flow with PKCE,
run by the gateway, and the session cookie that follows. A kiosk's browser signs in as its
device instead, with the kiosk's own client credentials.

A browser never holds a token where a script can read it, and never sees one in a URL:
the gateway keeps the tokens in a session cookie it encrypts itself (httpOnly, SameSite=Lax,
Secure behind https), and puts the access token on each request it forwards, as a bearer
token, which the services check as they check any other. A request that changes something
and rides on the cookie must come from the gateway's own origin (its Origin header), so
that another site cannot make a signed-in browser act (CSRF).

    GET  /auth/login?next=/path   to the provider's sign-in page, then back to /path
    GET  /auth/callback           where the provider sends the browser back with a code
    GET  /auth/me                 who the session (or a bearer token) belongs to
    POST /auth/logout             the session cookie is dropped (then to `next`, if given)
    POST /auth/device             a kiosk signs in with its client id and secret (a form)

A kiosk's session holds its client credentials too, sealed in the cookie like the tokens:
a client-credentials grant has no refresh token, so the gateway renews a kiosk's token by
the same grant again, and a kiosk set up once stays signed in (30 days, renewed with use)
until its client is revoked at the provider.
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
from erestaurant.platform.access import Principal, Role
from erestaurant.platform.errors import ApiError
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
# A kiosk's session outlives browser restarts: the kiosk is set up once, not every morning.
DEVICE_SESSION_SECONDS = 30 * 24 * 3600
DEVICE_GRANT = {"grant_type": "client_credentials", "scope": Role.KIOSK.value}
# The kiosk's pages of the web service: where a kiosk goes, and where its setup is redone.
KIOSK_HOME = "/kiosk"
KIOSK_SETUP = "/kiosk/setup"


@dataclass(frozen=True)
class Device:
    """A kiosk's own client at the provider, with which its token is renewed."""

    client_id: str
    client_secret: str


@dataclass
class Session:
    access_token: str
    refresh_token: str | None
    expires_at: float
    device: Device | None = None  # a kiosk's session: renewed by its client credentials


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
        """Drop the session; a page's form (with `next`) is sent on, a script answered."""
        self.check_origin(request)
        wanted = request.query.get("next") or (await request.post()).get("next")
        if wanted is None:
            answer = web.json_response({"signedOut": True})
        else:
            answer = _see_other(_local_path(str(wanted)) or "/")
        answer.del_cookie(SESSION_COOKIE, path="/")
        return answer

    async def device(self, request: web.Request) -> web.Response:
        """A kiosk signs in with its client credentials, typed once at its setup page; the
        session cookie keeps them (sealed) to renew its token. Refusals go back to the page."""
        self.check_origin(request)  # another site must not sign a browser in (login CSRF)
        form = await request.post()
        device = Device(str(form.get("client_id", "")), str(form.get("client_secret", "")))
        try:
            session = await self._device_session(device)
        except IdentityUnavailable:
            return _see_other(f"{KIOSK_SETUP}?error=unavailable")
        if session is None:
            return _see_other(f"{KIOSK_SETUP}?error=refused")
        answer = _see_other(_local_path(str(form.get("next", ""))) or KIOSK_HOME)
        self.keep(answer, session)
        return answer

    # -- what the proxy asks -------------------------------------------------------------------

    async def token(self, request: web.Request) -> tuple[str | None, Session | None]:
        """The session's access token, if the request rides on a session cookie, and the
        renewed session to send back if it had to be renewed."""
        opened = self._open(request.cookies.get(SESSION_COOKIE), None)
        if opened is None:
            return None, None
        session = _opened(opened)
        if session.expires_at - RENEW_BEFORE_SECONDS > time.time():
            return session.access_token, None
        renewed = await self._renew(session)
        return (None, None) if renewed is None else (renewed.access_token, renewed)

    async def _renew(self, session: Session) -> Session | None:
        """A new token for a session about to expire, or None: sign in again. A person's is
        renewed by the refresh token; a kiosk's by its client credentials (a client
        credentials grant has no refresh token)."""
        if session.device is not None:
            return await self._device_session(session.device)
        if session.refresh_token is None:
            return None
        try:
            answer = await self._exchange(
                {"grant_type": "refresh_token", "refresh_token": session.refresh_token}
            )
        except SignInFailed:
            return None  # the provider ended the session: sign in again
        return _session(answer, session.refresh_token)

    async def _device_session(self, device: Device) -> Session | None:
        """A kiosk's session from its credentials; None if the provider refuses them or the
        token is not a kiosk's for the cafeteria (a person's client must not be a kiosk)."""
        if not device.client_id or not device.client_secret:
            return None
        try:
            answer = await self._exchange(DEVICE_GRANT, device)
            session = _session(answer, device=device)
            who = await self.access.principal(session.access_token)
        except (SignInFailed, Unauthenticated):
            return None
        if Role.KIOSK not in who.roles or self.access.audience not in who.audiences:
            return None
        return session

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
        value: dict[str, Any] = {
            "a": session.access_token,
            "r": session.refresh_token,
            "e": session.expires_at,
        }
        max_age = None  # a person's session ends with the browser
        if session.device is not None:
            value["c"], value["s"] = session.device.client_id, session.device.client_secret
            max_age = DEVICE_SESSION_SECONDS
        self._set(response, SESSION_COOKIE, value, max_age, path="/")

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

    async def _exchange(self, form: dict[str, str], device: Device | None = None) -> dict[str, Any]:
        """The token endpoint's answer, asked with the gateway's client or a kiosk's."""
        if device is None:
            client_id, secret = self.settings.client_id, self.settings.client_secret
            device = Device(client_id, secret.get_secret_value())
        try:
            return await self.tokens.exchange(device.client_id, device.client_secret, form)
        except TokenRefused as exc:
            raise SignInFailed(f"the provider refused: {exc}") from None
        except ProviderUnavailable as exc:
            raise IdentityUnavailable(
                f"the identity provider cannot be reached: {exc}", retry_after=5
            ) from None


class SignInFailed(ApiError, code="SIGN_IN_FAILED"):
    """The sign-in did not come through (answered 400): the person starts it again."""


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _session(
    answer: dict[str, Any], refresh_token: str | None = None, device: Device | None = None
) -> Session:
    access = answer.get("access_token")
    if not isinstance(access, str):
        raise SignInFailed("the provider answered without an access token")
    return Session(
        access,
        answer.get("refresh_token") or refresh_token,
        time.time() + float(answer.get("expires_in", 300)),
        device,
    )


def _opened(value: dict[str, Any]) -> Session:
    """The session a cookie held (with its kiosk's credentials, if it is a kiosk's)."""
    device = None
    if isinstance(value.get("c"), str) and isinstance(value.get("s"), str):
        device = Device(value["c"], value["s"])
    return Session(value["a"], value.get("r"), float(value["e"]), device)


def _see_other(location: str) -> web.Response:
    """After a form's post, the page to go to (303: the browser asks for it with GET)."""
    return web.Response(status=303, headers={"Location": location})


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
