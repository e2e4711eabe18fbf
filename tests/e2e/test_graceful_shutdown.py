"""SIGTERM: a service stops taking requests, finishes those in hand, and exits cleanly."""

from __future__ import annotations

import asyncio
import re
import signal
from collections import Counter

import httpx
import pytest

from erestaurant.platform.access import Role
from erestaurant.services import NAMES
from tests.e2e.conftest import System, eventually, wait_ready

pytestmark = pytest.mark.e2e


async def test_orders_in_flight_when_hall_stops_are_answered_and_kept(system: System) -> None:
    card = system.register()
    menu = system.menu(portions=100)
    system.order(card, menu["menuId"])  # hall knows the card
    body = {"employeeCardNo": card, "menuId": menu["menuId"]}
    async with httpx.AsyncClient(
        auth=system.auth(Role.KIOSK), base_url=system.gateway, timeout=20
    ) as http:
        flying = [
            asyncio.create_task(
                http.post("/halls/orders", json=body, headers={"Idempotency-Key": f"in-flight-{n}"})
            )
            for n in range(30)
        ]
        await asyncio.sleep(0.05)
        system.local.signal("hall", signal.SIGTERM)
        answers = await asyncio.gather(*flying)
    codes = [a.status_code for a in answers]
    assert set(codes) <= {201, 503}, codes  # answered, or refused at the door: never broken
    assert 201 in codes
    wait_ready(system.urls["hall"])
    for answer in answers:
        if answer.status_code == 201:
            kept = system.http.get(f"/halls/orders/{answer.json()['orderId']}")
            assert kept.status_code == 200


def _exits(system: System, service: str) -> Counter[str]:
    """The exit codes of ``service``'s first process, as the runner logged them so far."""
    return Counter(re.findall(rf": {re.escape(service)} exited \(code (-?\d+)\)", system.logs()))


@pytest.mark.parametrize("service", NAMES)
def test_a_service_exits_cleanly_on_sigterm(system: System, service: str) -> None:
    wait_ready(system.urls[service])
    stops_before = system.logs().count(f"{service} stopped")
    exits_before = _exits(system, service)
    before = system.local.signal(service, signal.SIGTERM)
    eventually(lambda: system.local.pid(service), lambda pid: pid != before, 30)
    # The system is shared: what other tests did to this service is in the log before.
    exits = _exits(system, service) - exits_before
    # One exit: 0, or uvicorn's SIGTERM raised again once its clean shutdown is done; never
    # -9, the kill of a process too slow to stop.
    assert sum(exits.values()) == 1, exits
    assert exits["0"] + exits["-15"] == 1, exits
    assert system.logs().count(f"{service} stopped") == stops_before + 1
    wait_ready(system.urls[service])
