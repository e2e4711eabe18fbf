"""Signing in to the local provider as its demo accounts and kiosks, the way scripts and
tools do: `erestaurant token`, the fault harness, the bench, the demos and the tests.

People sign in with the password grant through the tools' own client; kiosks with their
client credentials. An employee asked for by a card the seed does not have is added to the
running provider (through its management API) and signed in as.
"""

from __future__ import annotations

import secrets

from erestaurant.identity.local import (
    ACCOUNTS,
    CLI_CLIENT,
    DEV_CLI_SECRET,
    KIOSK_SCOPE,
    KIOSKS,
    Account,
    LocalIdentitySettings,
    account_for,
    user_entry,
)
from erestaurant.identity.management import Management
from erestaurant.platform.access import Role
from erestaurant.platform.oauth_client import Grant, ProviderUnavailable, TokenClient


class UnknownKiosk(ValueError):
    pass


def kiosk_grant(client_id: str | None = None) -> Grant:
    """Client credentials of a seeded kiosk (the first if none is named)."""
    kiosk = next((k for k in KIOSKS if client_id in (None, k.client_id)), None)
    if kiosk is None:
        known = ", ".join(k.client_id for k in KIOSKS)
        raise UnknownKiosk(f"no kiosk {client_id!r} in the local provider (it has {known})")
    return Grant.client_credentials(kiosk.client_id, kiosk.secret, KIOSK_SCOPE)


def account_grant(account: Account) -> Grant:
    return Grant.password(CLI_CLIENT, DEV_CLI_SECRET, account.username, account.password)


# How the tools (faults, bench, demos) sign in as whoever does each thing in the cafeteria.
KIOSK = kiosk_grant()
KITCHEN = account_grant(account_for(Role.KITCHEN))
PAYROLL = account_grant(account_for(Role.PAYROLL))
ADMIN = account_grant(account_for(Role.ADMIN))


async def grant_for(
    role: Role,
    issuer: str,
    *,
    card: str | None = None,
    kiosk: str | None = None,
    settings: LocalIdentitySettings | None = None,
) -> Grant:
    """How to sign in as ``role`` (an employee with ``card``, if given)."""
    if role is Role.KIOSK:
        return kiosk_grant(kiosk)
    if role is Role.EMPLOYEE and card is not None:
        seeded = next((a for a in ACCOUNTS if a.card_no == card), None)
        if seeded is None:
            seeded = await add_employee(issuer, card, settings or LocalIdentitySettings.load())
        return account_grant(seeded)
    if role is Role.RESERVE_PORTIONS:
        raise ValueError("kitchen.reserve is hall's own client, not an account to sign in as")
    return account_grant(account_for(role))


async def add_employee(issuer: str, card: str, settings: LocalIdentitySettings) -> Account:
    """An employee with ``card`` in the running provider (replaced if there was one)."""
    account = Account(f"card-{card}", secrets.token_urlsafe(16), Role.EMPLOYEE, card, card)
    management = Management(issuer, settings)
    await management.call("DELETE", f"/users/{account.username}")  # 404 when there was none
    status, body = await management.call(
        "POST", "/users", {"username": account.username, **user_entry(account)}
    )
    if status != 201:
        raise ProviderUnavailable(f"the provider would not add {account.username}: {body}")
    return account


async def token(
    role: Role, issuer: str, *, card: str | None = None, kiosk: str | None = None
) -> str:
    """One access token for ``role`` from the provider at ``issuer``."""
    client = TokenClient(issuer)
    try:
        return await client.token(await grant_for(role, issuer, card=card, kiosk=kiosk))
    finally:
        await client.close()
