"""Kiosks at the local provider: one client per kiosk, added and revoked while it runs.

A kiosk added here is a client of the running provider (its management API, behind
ERESTAURANT_IDENTITY_MANAGEMENT_SECRET) with a secret of its own and the `kiosk` scope
only. Revoking it deletes the client, so it gets no new token; the tokens it already holds
stay good until they expire, unless its id is also in ERESTAURANT_AUTH_REVOKED_CLIENTS
(docs/security.md). The seeded kiosks are part of the provider's configuration, not
runtime clients: they are revoked by that setting alone.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from erestaurant.identity.local import KIOSK_SCOPE, KIOSKS
from erestaurant.identity.management import Management

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class KioskRefused(ValueError):
    """The provider, or the rules here, said no: the message says why."""


@dataclass(frozen=True)
class Kiosk:
    client_id: str
    secret: str | None  # only when just added: the provider never shows it again
    seeded: bool


class KioskAdmin:
    def __init__(self, management: Management) -> None:
        self._management = management

    async def add(self, client_id: str) -> Kiosk:
        if not NAME.match(client_id):
            raise KioskRefused(f"{client_id!r}: lower-case letters, digits and dashes only")
        if client_id in {k.client_id for k in KIOSKS}:
            raise KioskRefused(f"{client_id} is a seeded kiosk already")
        secret = secrets.token_urlsafe(24)
        entry = {
            "client_id": client_id,
            "client_secret": secret,
            "description": "a kiosk in the cafeteria",
            "allowed_scopes": [KIOSK_SCOPE],
        }
        status, body = await self._management.call("POST", "/clients", entry)
        if status != 201:
            raise KioskRefused(f"the provider would not add {client_id}: {body}")
        return Kiosk(client_id, secret, seeded=False)

    async def revoke(self, client_id: str) -> None:
        if client_id in {k.client_id for k in KIOSKS}:
            raise KioskRefused(
                f"{client_id} is seeded in the provider's configuration: refuse its tokens with"
                " ERESTAURANT_AUTH_REVOKED_CLIENTS"
            )
        status, body = await self._management.call("DELETE", f"/clients/{client_id}")
        if status == 404:
            raise KioskRefused(f"no kiosk {client_id} was added to the provider")
        if status != 200:
            raise KioskRefused(f"the provider would not revoke {client_id}: {body}")

    async def list(self) -> list[Kiosk]:
        _, body = await self._management.call("GET", "/clients")
        added = [
            Kiosk(str(c["client_id"]), None, seeded=False)
            for c in body.get("clients", [])
            if KIOSK_SCOPE in c.get("allowed_scopes", [])
        ]
        return [Kiosk(k.client_id, None, seeded=True) for k in KIOSKS] + added
