"""The whole system, started the way the README starts it, on ports of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

SERVICES = ("hall", "kitchen", "payment", "workercenter", "notification", "gateway")
T = TypeVar("T")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class System:
    gateway: str
    urls: dict[str, str]
    nats_url: str
    log_file: Path
    http: httpx.Client

    def logs(self) -> str:
        return self.log_file.read_text(errors="replace")

    def register(self, name: str = "Kim Minji") -> str:
        """A new employee whose card hall already knows (the card travels by event)."""
        card = f"E{uuid.uuid4().hex[:8]}"
        r = self.http.post("/payments/employees", json={"employeeCardNo": card, "name": name})
        assert r.status_code == 201, r.text
        return card

    def menu(self, name: str = "Bibimbap", price: int = 6500, portions: int = 50) -> dict[str, Any]:
        r = self.http.post(
            "/kitchens/menus", json={"name": name, "price": price, "dailyPortions": portions}
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    def order(self, card: str, menu_id: int, qty: int = 1, **headers: str) -> httpx.Response:
        """Order, retrying while hall has not yet heard of a card registered a moment ago."""
        body = {"employeeCardNo": card, "menuId": menu_id, "qty": qty}
        return eventually(
            lambda: self.http.post("/halls/orders", json=body, headers=headers),
            lambda r: r.json().get("error") != "UNKNOWN_CARD",
        )

    def cook(self, order_id: str) -> int:
        """The cook id of an order's ticket, once the kitchen has opened it."""
        tickets = eventually(
            lambda: self.http.get("/kitchens/cooks").json(),
            lambda ts: any(t["orderId"] == order_id for t in ts),
        )
        return int(next(t["cookId"] for t in tickets if t["orderId"] == order_id))


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
def running_system(root: Path) -> Iterator[System]:
    """`erestaurant up` on free ports with its data in ``root``; stopped as by Ctrl-C."""
    ports = dict(zip((*SERVICES, "nats"), _free_ports(len(SERVICES) + 1), strict=True))
    ours = ("ERESTAURANT_", *(s.upper() + "_" for s in SERVICES))
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update({f"{name.upper()}_PORT": str(ports[name]) for name in SERVICES})
    runs = len(list(root.glob("up*.log")))
    log_file = root / ("up.log" if runs == 0 else f"up-{runs + 1}.log")
    command = [sys.executable, "-m", "erestaurant", "up", "--data-dir", str(root / "data")]
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--nats-port", str(ports["nats"])],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    urls = {name: f"http://127.0.0.1:{ports[name]}" for name in SERVICES}
    try:
        eventually(
            lambda: process.poll() is not None or "e-restaurant is up" in _read(log_file),
            bool,
            60,
        )
        assert process.poll() is None, _read(log_file)
        with httpx.Client(base_url=urls["gateway"], timeout=10) as http:
            yield System(urls["gateway"], urls, f"nats://127.0.0.1:{ports['nats']}", log_file, http)
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C
        try:
            code = process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert code == 0, _read(log_file)[-5000:]
    assert "Traceback" not in _read(log_file), _read(log_file)[-5000:]


def _read(path: Path) -> str:
    return path.read_text(errors="replace")


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("erestaurant")) as running:
        yield running
