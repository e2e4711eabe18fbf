"""Who is asking: the roles of the contract, and the principal an access token stands for.

A principal's roles are the values of the token's roles claim (``roles`` by default; a
dotted path such as ``realm_access.roles`` for Keycloak) and, for devices and services that
sign in with client credentials (which carry no user claims), the granted scopes that name
a role. Which scopes a client may be granted is the provider's configuration, like a user's
roles. An employee's card number is read from a claim of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    KIOSK = "kiosk"
    EMPLOYEE = "employee"
    KITCHEN = "kitchen"
    PAYROLL = "payroll"
    ADMIN = "admin"
    # Hall's own client: reserves and releases portions in the kitchen, nothing else.
    RESERVE_PORTIONS = "kitchen.reserve"


@dataclass(frozen=True)
class Principal:
    subject: str
    client_id: str | None
    roles: frozenset[Role]
    card_no: str | None
    audiences: frozenset[str]

    def has_any(self, roles: Collection[Role]) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def may_see_card(self, card_no: str | None) -> bool:
        """Whether this principal may read what belongs to the holder of ``card_no``.

        Staff with the role to read everyone's (``payroll`` for payments, ``admin``) are
        let through by the route itself; this is the employee's own-card rule.
        """
        return self.card_no is not None and card_no == self.card_no


@dataclass(frozen=True)
class ClaimNames:
    roles: str = "roles"
    card_no: str = "attributes.employee_card_no"


def principal(claims: Mapping[str, Any], names: ClaimNames) -> Principal:
    """The principal of a verified token's claims."""
    granted = set(_strings(_at(claims, names.roles)))
    scope = claims.get("scope", claims.get("scp"))
    granted.update(scope.split() if isinstance(scope, str) else _strings(scope))
    roles = frozenset(Role(r) for r in granted if r in _ROLE_VALUES)
    card = _at(claims, names.card_no)
    audience = claims.get("aud")
    client_id = claims.get("client_id", claims.get("azp"))
    return Principal(
        subject=str(claims["sub"]),
        client_id=str(client_id) if client_id is not None else None,
        roles=roles,
        card_no=str(card) if isinstance(card, str | int) and str(card) else None,
        audiences=frozenset([audience] if isinstance(audience, str) else _strings(audience)),
    )


_ROLE_VALUES = frozenset(r.value for r in Role)


def _at(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []
