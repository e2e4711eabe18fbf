"""Every service is an OAuth2 resource server: each route names the roles it lets in.

``Access.allow(Role.KITCHEN)`` is a FastAPI dependency that answers 401 (no token, or one
that does not verify) or 403 (a good token without the role), and otherwise hands the
route the ``Principal``. ``admin`` may do whatever a person may; the routes only a service
calls (hall's reservations in the kitchen) are ``Access.service``, with an audience of
their own, and admit no person. The gateway checks tokens too, but a service never trusts
that it did: a request that reaches a service directly is checked the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from erestaurant.platform.access import ClaimNames, Principal, Role, principal
from erestaurant.platform.errors import ApiError, NotFound, Unavailable, Unprocessable
from erestaurant.platform.settings import AuthenticatedSettings
from erestaurant.platform.tokens import InvalidToken, KeysUnavailable, TokenVerifier

bearer = HTTPBearer(
    auto_error=False,
    description="An access token from the cafeteria's identity provider (`erestaurant token`).",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class Unauthenticated(ApiError, status=401, code="UNAUTHENTICATED"):
    """No access token, or one that does not verify (or is not meant for this)."""

    def __init__(self, message: str) -> None:
        # RFC 6750, 3: the challenge says which scheme and, for a bad token, what is wrong.
        error = "" if message == NO_TOKEN else ', error="invalid_token"'
        super().__init__(
            message, headers={"WWW-Authenticate": f'Bearer realm="erestaurant"{error}'}
        )


class Forbidden(ApiError, status=403, code="FORBIDDEN"):
    """A good token without the role this needs."""


class IdentityUnavailable(Unavailable, code="IDENTITY_UNAVAILABLE"):
    """The identity provider's keys are out of reach: no token can be checked for now."""


NO_TOKEN = "this needs an access token (Authorization: Bearer ...)"


class Access:
    def __init__(
        self,
        verifier: TokenVerifier,
        audience: str,
        names: ClaimNames,
        revoked_clients: Collection[str] = (),
    ) -> None:
        self.verifier = verifier
        self.audience = audience
        self.names = names
        self.revoked_clients = frozenset(revoked_clients)

    @classmethod
    def of(cls, settings: AuthenticatedSettings, *extra_audiences: str) -> Access:
        verifier = TokenVerifier(
            settings.auth_issuer,
            {settings.auth_audience, *extra_audiences},
            settings.auth_jwks_url,
            settings.auth_leeway_seconds,
        )
        return cls(verifier, settings.auth_audience, settings.claim_names, settings.revoked_clients)

    async def principal(self, token: str) -> Principal:
        """The principal of a bearer token, or Unauthenticated / IdentityUnavailable."""
        try:
            claims = await self.verifier.verify(token)
        except InvalidToken as exc:
            raise Unauthenticated(str(exc)) from None
        except KeysUnavailable as exc:
            raise IdentityUnavailable(str(exc), retry_after=5) from None
        who = principal(claims, self.names)
        if who.client_id in self.revoked_clients:
            raise Unauthenticated(f"client {who.client_id} has been revoked")
        return who

    def allow(self, *roles: Role) -> Any:
        """Let in a person (or kiosk) with one of ``roles``, or an admin."""
        return self._requiring({*roles, Role.ADMIN}, self.audience)

    def service(self, role: Role, audience: str) -> Any:
        """Let in only a service client granted ``role`` in a token for ``audience``."""
        return self._requiring({role}, audience)

    def _requiring(self, roles: set[Role], audience: str) -> Any:
        async def dependency(credentials: Credentials) -> Principal:
            if credentials is None:
                raise Unauthenticated(NO_TOKEN)
            who = await self.principal(credentials.credentials)
            if audience not in who.audiences:
                raise Unauthenticated("the token is not meant for this resource (audience)")
            if not who.has_any(roles):
                needed = ", ".join(sorted(roles))
                raise Forbidden(f"this needs one of the roles: {needed}")
            return who

        return Depends(dependency)

    async def close(self) -> None:
        await self.verifier.close()


# How many records a list answers at most, when the caller says.
Limit = Annotated[int, Query(ge=1, le=1000)]


def card_query(records: str) -> Any:
    """The ``employeeCardNo`` query parameter of a list of an employee's ``records``: whose
    to read, through card_to_read (left out: the caller's own)."""
    return Query(
        None,
        alias="employeeCardNo",
        min_length=1,
        max_length=32,
        description=f"Whose {records}; an employee's own if left out.",
    )


def card_to_read(who: Principal, asked: str | None, *staff: Role) -> str:
    """Whose records to read: the card asked for, if ``who`` is staff that may read anyone's
    (or admin) or it is their own; their own card if none was asked for. Another employee's
    card is answered as if it had nothing (NotFound), so that no one learns whether it
    exists."""
    if asked is None:
        if who.card_no is None:
            raise Unprocessable("say whose records: employeeCardNo", code="CARD_REQUIRED")
        return who.card_no
    if who.is_admin or who.has_any(staff) or who.may_see_card(asked):
        return asked
    raise NotFound(f"no records for card {asked}")
