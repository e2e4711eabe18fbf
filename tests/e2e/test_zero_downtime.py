"""A rolling restart of every service under load: no request fails, no order is lost.

Two replicas of each service run behind the gateway. While kiosks place orders and
employees read their pages without pause, each replica of each service in turn gets
SIGTERM, is started again by the runner, and must be ready before the next one goes. The
test counts every answer the kiosks and readers got: any that is not a success is a
failed request.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from erestaurant.faults.system import UNLIMITED, LocalSystem, running
from erestaurant.platform.access import Role
from erestaurant.services import WITH_DATABASE
from tests.e2e.conftest import eventually, wait_ready
from tests.signin import SignedIn

pytestmark = pytest.mark.e2e

ROLLING_ENV = {
    **UNLIMITED,
    "ERESTAURANT_REPLICAS": "2",
    # The kitchen's surge protection would answer 503 to a backlog no cook works off here.
    "KITCHEN_MAX_OPEN_ORDERS": "100000",
}
KIOSKS = 3
READERS = 2


@dataclass
class Tally:
    answers: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)

    def record(self, what: str, response: httpx.Response | Exception, ok: tuple[int, ...]) -> bool:
        if isinstance(response, Exception):
            self.failures.append(f"{what}: {response!r}")
            return False
        self.answers[f"{what} {response.status_code}"] += 1
        if response.status_code not in ok:
            self.failures.append(f"{what}: {response.status_code} {response.text[:200]}")
            return False
        return True


async def _kiosk(
    http: httpx.AsyncClient, card: str, menu_id: int, tally: Tally, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            response: httpx.Response | Exception = await http.post(
                "/halls/orders",
                json={"employeeCardNo": card, "menuId": menu_id},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
        except httpx.HTTPError as exc:
            response = exc
        if tally.record("order", response, (201,)):
            assert isinstance(response, httpx.Response)
            tally.orders.append(response.json()["orderId"])
        await asyncio.sleep(0.1)


async def _reader(http: httpx.AsyncClient, card: str, tally: Tally, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            response: httpx.Response | Exception = await http.get(
                "/workercenters/mypages", params={"employeeCardNo": card, "limit": 20}
            )
        except httpx.HTTPError as exc:
            response = exc
        tally.record("read", response, (200,))
        await asyncio.sleep(0.05)


async def _restart_one_at_a_time(system: LocalSystem) -> list[str]:
    restarted = []
    for service in WITH_DATABASE:
        for replica in (service, f"{service}-2"):
            before = system.signal(replica, signal.SIGTERM)
            await asyncio.to_thread(
                eventually, lambda r=replica: system.pid(r), lambda pid, b=before: pid != b, 60
            )
            url = await asyncio.to_thread(_replica_url, system, replica)
            await asyncio.to_thread(wait_ready, url, 60)
            # The gateway checks its replicas every 0.5 s: let it see this one back.
            await asyncio.sleep(1.5)
            restarted.append(replica)
    return restarted


def _replica_url(system: LocalSystem, replica: str) -> str:
    """The replica's address, from the table `up` prints when it is up."""
    [url] = [
        words[1]
        for words in (line.split() for line in system.logs().splitlines())
        if len(words) > 1 and words[0] == replica and words[1].startswith("http://")
    ]
    return url


async def test_every_service_restarted_replica_by_replica_under_load_fails_nothing(
    tmp_path: Path,
) -> None:
    with running(tmp_path, ROLLING_ENV) as system:
        admin = SignedIn(system.issuer, Role.ADMIN)
        async with httpx.AsyncClient(auth=admin, base_url=system.gateway, timeout=30) as http:
            card = f"E{uuid.uuid4().hex[:8]}"
            r = await http.post("/payments/employees", json={"employeeCardNo": card, "name": "Han"})
            assert r.status_code == 201, r.text
            menu = await http.post(
                "/kitchens/menus", json={"name": "Bibimbap", "price": 6500, "dailyPortions": 100000}
            )
            menu_id = menu.json()["menuId"]
            await asyncio.to_thread(
                eventually,
                lambda: (
                    httpx.post(
                        f"{system.gateway}/halls/orders",
                        json={"employeeCardNo": card, "menuId": menu_id},
                        auth=admin,
                    ).status_code
                ),
                (201).__eq__,
            )
            tally, stop = Tally(), asyncio.Event()
            load = [
                *(
                    asyncio.create_task(_kiosk(http, card, menu_id, tally, stop))
                    for _ in range(KIOSKS)
                ),
                *(asyncio.create_task(_reader(http, card, tally, stop)) for _ in range(READERS)),
            ]
            try:
                restarted = await _restart_one_at_a_time(system)
            finally:
                stop.set()
                await asyncio.gather(*load)

        assert restarted == [r for s in WITH_DATABASE for r in (s, f"{s}-2")]
        assert tally.failures == [], f"{len(tally.failures)} failed: {tally.failures[:10]}"
        print(f"\nrolling restart of {len(restarted)} replicas: {dict(tally.answers)}")
        assert tally.answers["order 201"] > 100
        assert tally.answers["read 200"] > 100

        await asyncio.to_thread(_nothing_lost, system, tally.orders)


def _nothing_lost(system: LocalSystem, orders: list[str]) -> None:
    """Hall has every acknowledged order, and the view shows that the kitchen opened its
    ticket and payment holds its deduction pending."""
    admin = SignedIn(system.issuer, Role.ADMIN)
    with httpx.Client(auth=admin, base_url=system.gateway, timeout=30) as http:
        for order_id in orders:
            assert http.get(f"/halls/orders/{order_id}").status_code == 200
            row = eventually(
                functools.partial(_page, http, order_id),
                lambda r: r.get("cookStatus") == "RECEIVED" and r.get("paymentStatus") == "PENDING",
                60,
            )
            assert row["orderStatus"] == "ORDERED"


def _page(http: httpx.Client, order_id: str) -> dict[str, Any]:
    page: dict[str, Any] = http.get(f"/workercenters/mypages/{order_id}").json()
    return page
