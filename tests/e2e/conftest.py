"""The whole system, started the way the README starts it, on ports of its own.

Every test that takes ``system`` runs on both profiles: the default (SQLite files and a NATS
that `up` starts) and the production profile of profiles/production.env (hall and kitchen
on PostgreSQL, payment on MariaDB, the view on Redis, notification on SQLite, NATS as a
server of its own), with databases made for the run and dropped after it.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from erestaurant.faults.system import UNLIMITED, LocalSystem, running
from erestaurant.platform.access import Role
from erestaurant.services import NAMES
from tests import profiles
from tests.signin import SignedIn

T = TypeVar("T")


@dataclass
class System:
    """The running system as a kiosk, a cook and an employee see it: through the gateway.

    ``http`` is signed in as an admin, who may do what every person may; the helpers below
    act as the role that does each thing in the cafeteria.
    """

    local: LocalSystem
    http: httpx.Client
    kiosk: httpx.Client
    kitchen: httpx.Client
    payroll: httpx.Client

    @property
    def gateway(self) -> str:
        return self.local.gateway

    @property
    def urls(self) -> dict[str, str]:
        return {name: self.local.url(name) for name in NAMES}

    @property
    def nats_url(self) -> str:
        return self.local.nats_url

    @property
    def issuer(self) -> str:
        return self.local.issuer

    def logs(self) -> str:
        return self.local.logs()

    def auth(self, role: Role, card: str | None = None, kiosk: str | None = None) -> SignedIn:
        return SignedIn(self.issuer, role, card, kiosk)

    def client(
        self,
        role: Role | None,
        card: str | None = None,
        kiosk: str | None = None,
        base_url: str | None = None,
    ) -> httpx.Client:
        """A client signed in as ``role`` (None: no token), to the gateway unless told."""
        return httpx.Client(
            base_url=base_url or self.gateway,
            timeout=10,
            auth=None if role is None else self.auth(role, card, kiosk),
        )

    def register(self, name: str = "Kim Minji") -> str:
        """A new employee whose card hall already knows (the card travels by event)."""
        card = f"E{uuid.uuid4().hex[:8]}"
        r = self.payroll.post("/payments/employees", json={"employeeCardNo": card, "name": name})
        assert r.status_code == 201, r.text
        return card

    def menu(self, name: str = "Bibimbap", price: int = 6500, portions: int = 50) -> dict[str, Any]:
        r = self.kitchen.post(
            "/kitchens/menus", json={"name": name, "price": price, "dailyPortions": portions}
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    def order(
        self, card: str, menu_id: int, qty: int = 1, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """Order, retrying while hall has not yet heard of a card registered a moment ago."""
        body = {"employeeCardNo": card, "menuId": menu_id, "qty": qty}
        return eventually(
            lambda: self.kiosk.post("/halls/orders", json=body, headers=headers),
            lambda r: r.json().get("error") != "UNKNOWN_CARD",
        )

    def cook(self, order_id: str) -> int:
        """The cook id of an order's ticket, once the kitchen has opened it."""
        [ticket] = eventually(
            lambda: self.kitchen.get("/kitchens/cooks", params={"orderId": order_id}).json(),
            lambda ts: len(ts) == 1,
        )
        return int(ticket["cookId"])


def ready(url: str) -> bool:
    """Whether the process at ``url`` says it is ready (no answer, or a slow one: not ready)."""
    try:
        return httpx.get(f"{url}/health/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(url: str, seconds: float = 30.0, alive: Callable[[], bool] = lambda: True) -> None:
    """Until the process at ``url`` is ready; ``alive`` may stop the wait early by failing."""
    eventually(lambda: alive() and ready(url), bool, seconds)


def eventually(get: Callable[[], T], until: Callable[[T], bool], seconds: float = 15.0) -> T:
    """Poll until the condition holds; the last value is returned, and must satisfy it."""
    deadline = time.monotonic() + seconds
    while True:
        value = get()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {seconds}s; last value: {value!r}")
        time.sleep(0.05)


@contextlib.contextmanager
def running_system(
    root: Path, profile: str = "default", extra_env: dict[str, str] | None = None
) -> Iterator[System]:
    """`erestaurant up` on free ports with its data in ``root``; stopped as by Ctrl-C."""
    with contextlib.ExitStack() as stack:
        # The tests poll: the gateway's rate limits have a test of their own.
        env = {
            **UNLIMITED,
            **stack.enter_context(profiles.prepared(profile, root)),
            **(extra_env or {}),
        }
        local = stack.enter_context(running(root, env))

        def signed_in(role: Role) -> httpx.Client:
            auth = SignedIn(local.issuer, role)
            return stack.enter_context(httpx.Client(base_url=local.gateway, timeout=10, auth=auth))

        yield System(
            local,
            http=signed_in(Role.ADMIN),
            kiosk=signed_in(Role.KIOSK),
            kitchen=signed_in(Role.KITCHEN),
            payroll=signed_in(Role.PAYROLL),
        )


@pytest.fixture(scope="session", params=profiles.PROFILES)
def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    root = tmp_path_factory.mktemp(f"erestaurant-{request.param}")
    with running_system(root, request.param) as running:
        yield running
