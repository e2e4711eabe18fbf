"""A kiosk is added at the provider, orders, and is revoked: it gets no token any more."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx
import pytest

from erestaurant.identity.local import KIOSK_SCOPE
from erestaurant.platform.oauth_client import Grant, TokenRefused
from tests.e2e.conftest import System
from tests.signin import grant_token

pytestmark = pytest.mark.e2e


def _kiosks(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "erestaurant", "kiosks", *args],
        env={**os.environ, "ERESTAURANT_AUTH_ISSUER": system.issuer},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_kiosk_added_at_the_provider_orders_and_once_revoked_gets_no_token(
    system: System,
) -> None:
    name = f"kiosk-lobby-{uuid.uuid4().hex[:6]}"
    added = _kiosks(system, "add", name)
    assert added.returncode == 0, added.stderr
    secret = added.stdout.strip().splitlines()[-1]
    assert name in _kiosks(system, "list").stdout

    grant = Grant.client_credentials(name, secret, KIOSK_SCOPE)
    token = grant_token(system.issuer, grant)
    card = system.register()
    menu_id = system.menu()["menuId"]
    system.order(card, menu_id)  # hall knows the card
    placed = httpx.post(
        f"{system.gateway}/halls/orders",
        json={"employeeCardNo": card, "menuId": menu_id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert placed.status_code == 201, placed.text

    revoked = _kiosks(system, "revoke", name)
    assert revoked.returncode == 0, revoked.stderr
    with pytest.raises(TokenRefused):
        grant_token(system.issuer, grant)
    assert name not in _kiosks(system, "list").stdout
    seeded = _kiosks(system, "revoke", "kiosk-1")
    assert seeded.returncode == 1
    assert "ERESTAURANT_AUTH_REVOKED_CLIENTS" in seeded.stderr
