"""Rendering the screens: templates, the language, and who is looking.

The gateway forwards a signed-in browser's token as a bearer token (from its session
cookie, or a kiosk's device session); a request without one is someone not signed in,
who is sent to sign in. Each screen is for certain roles: someone else signed in is told
so, in their language, with a way to sign out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jwt
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from jinja2_fragments import render_block

from erestaurant.platform.access import Principal, Role
from erestaurant.platform.security import Access, IdentityUnavailable, Unauthenticated
from erestaurant.web import i18n
from erestaurant.web.settings import WebSettings

# Scripts and styles come from this site only; nothing inline (htmx is told not to add
# its indicator style), and no page of ours may be framed by another site.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


# What every screen route may answer besides its page or fragment (in the OpenAPI).
SCREEN_ANSWERS: dict[int | str, dict[str, Any]] = {
    204: {"description": "Not signed in, asked by htmx: HX-Redirect names the sign-in"},
    303: {"description": "Not signed in: to the sign-in (a kiosk: to its device setup)"},
    403: {"description": "Signed in without the screen's role: a page that says so"},
}


@dataclass(frozen=True)
class Viewer:
    """Who looks at a screen, in which language."""

    who: Principal | None
    token: str | None
    language: str
    expires_at: float  # when the token expires (a live stream ends then)

    @property
    def t(self) -> i18n.Translator:
        return i18n.Translator(self.language)


class SignInNeeded(Exception):
    def __init__(self, path: str, device: bool) -> None:
        self.path, self.device = path, device


class NotForYou(Exception):
    def __init__(self, viewer: Viewer, roles: tuple[Role, ...]) -> None:
        self.viewer, self.roles = viewer, roles


class Pages:
    def __init__(self, settings: WebSettings, access: Access) -> None:
        self.settings = settings
        self.access = access
        self.zone = ZoneInfo(settings.timezone)
        self.env = Environment(
            loader=PackageLoader("erestaurant.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["local_time"] = self.local_time
        self.env.filters["won"] = lambda amount: f"{int(amount):,}"

    def local_time(self, iso: str | None, pattern: str = "%H:%M") -> str:
        """An ISO-8601 UTC time as the cafeteria's clock shows it."""
        if not iso:
            return ""
        return (
            datetime.fromisoformat(iso.replace("Z", "+00:00"))
            .astimezone(self.zone)
            .strftime(pattern)
        )

    async def viewer(self, request: Request) -> Viewer:
        language = i18n.chosen(
            request.query_params.get("lang") or request.cookies.get(i18n.COOKIE),
            request.headers.get("Accept-Language"),
        )
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return Viewer(None, None, language, 0.0)
        token = token.strip()
        try:
            who = await self.access.principal(token)
        except (Unauthenticated, IdentityUnavailable):
            return Viewer(None, None, language, 0.0)
        expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
        return Viewer(who, token, language, float(expires or time.time() + 300))

    async def screen(self, request: Request, *roles: Role, device: bool = False) -> Viewer:
        """The viewer of a screen for ``roles`` (an admin may see every screen)."""
        viewer = await self.viewer(request)
        if viewer.who is None:
            raise SignInNeeded(request.url.path, device)
        if not viewer.who.has_any({*roles, Role.ADMIN}):
            raise NotForYou(viewer, roles)
        return viewer

    def render(
        self,
        request: Request,
        viewer: Viewer,
        template: str,
        *,
        block: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """The page (or one block of it, for htmx) in the viewer's language; ``values`` and
        ``context`` are the template's variables."""
        context = {**(values or {}), **context}
        values = {
            "t": viewer.t,
            "lang": viewer.language,
            "who": viewer.who,
            "path": request.url.path,
            "settings": self.settings,
            **context,
        }
        if block is None:
            html = self.env.get_template(template).render(values)
        else:
            html = render_block(self.env, template, block, values)
        response = HTMLResponse(
            html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})}
        )
        if request.query_params.get("lang") in i18n.LANGUAGES:
            response.set_cookie(
                i18n.COOKIE,
                viewer.language,
                max_age=365 * 24 * 3600,
                samesite="lax",
                httponly=False,
            )
        return response

    def sign_in(self, request: Request, needed: SignInNeeded) -> Response:
        """To the sign-in: a kiosk's device setup, or the provider's page for a person."""
        if request.headers.get("HX-Request"):
            # A fragment (or a live stream) of a page: back to the page itself afterwards.
            page = "/" + needed.path.strip("/").split("/", 1)[0]
            target = "/kiosk/setup" if needed.device else f"/auth/login?next={quote(page)}"
            return Response(status_code=204, headers={"HX-Redirect": target})
        target = "/kiosk/setup" if needed.device else f"/auth/login?next={quote(needed.path)}"
        return Response(status_code=303, headers={"Location": target})

    async def not_for_you(self, request: Request, refused: NotForYou) -> HTMLResponse:
        return self.render(
            request,
            refused.viewer,
            "not_for_you.html",
            status=403,
            roles=[r.value for r in refused.roles],
        )
