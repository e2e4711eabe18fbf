"""A gateway of its own in front of the running services, with a low rate limit and a
revoked kiosk: what a runaway or stolen kiosk meets."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from erestaurant.platform.access import Role
from erestaurant.runner.wiring import free_ports
from tests.e2e.conftest import System, wait_ready

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def gateway(system: System, **settings: str) -> Iterator[str]:
    [port] = free_ports(1)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "ERESTAURANT_"))},
        "ERESTAURANT_AUTH_ISSUER": system.issuer,
        "GATEWAY_PORT": str(port),
        **{f"GATEWAY_{s.upper()}_URL": system.urls[s] for s in system.urls if s != "gateway"},
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "erestaurant", "serve", "gateway"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        yield url
    finally:
        process.terminate()
        process.wait(20)


def test_a_device_past_its_rate_waits_and_nobody_else_does(system: System) -> None:
    limited = {
        "GATEWAY_RATE_PER_DEVICE": "1",
        "GATEWAY_RATE_PER_USER": "1",
        "GATEWAY_RATE_BURST_SECONDS": "3",
    }
    with gateway(system, **limited) as url:
        kiosk = httpx.Client(base_url=url, auth=system.auth(Role.KIOSK), timeout=10)
        answers = [kiosk.get("/kitchens/menus") for _ in range(5)]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]  # the burst
        refused = answers[3]
        assert refused.status_code == 429
        assert refused.json()["error"] == "TOO_MANY_REQUESTS"
        assert int(refused.headers["Retry-After"]) >= 1
        # Another device and a person have buckets of their own.
        other = httpx.get(f"{url}/kitchens/menus", auth=system.auth(Role.KIOSK, kiosk="kiosk-2"))
        assert other.status_code == 200
        person = httpx.get(f"{url}/kitchens/menus", auth=system.auth(Role.KITCHEN))
        assert person.status_code == 200
        time.sleep(int(refused.headers["Retry-After"]))
        assert kiosk.get("/kitchens/menus").status_code == 200
        kiosk.close()


def test_a_revoked_kiosk_is_refused_at_once_with_a_token_that_has_not_expired(
    system: System,
) -> None:
    with gateway(system, ERESTAURANT_AUTH_REVOKED_CLIENTS="kiosk-2") as url:
        stolen = httpx.get(f"{url}/kitchens/menus", auth=system.auth(Role.KIOSK, kiosk="kiosk-2"))
        assert stolen.status_code == 401
        assert "revoked" in stolen.json()["message"]
        fine = httpx.get(f"{url}/kitchens/menus", auth=system.auth(Role.KIOSK, kiosk="kiosk-1"))
        assert fine.status_code == 200


def test_in_production_a_development_secret_stops_the_service_naming_it() -> None:
    env = {**os.environ, "ERESTAURANT_ENVIRONMENT": "production", "HALL_PORT": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "erestaurant", "serve", "hall"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 78
    assert "HALL_CLIENT_SECRET is left at its development default" in run.stderr
    assert "Traceback" not in run.stderr


def test_with_the_provider_out_of_reach_tokens_are_answered_503_at_once(system: System) -> None:
    [dead] = free_ports(1)
    with gateway(system, ERESTAURANT_AUTH_ISSUER=f"http://127.0.0.1:{dead}") as url:
        token = {"Authorization": f"Bearer {system.auth(Role.KIOSK).token()}"}
        for _ in range(3):
            answer = httpx.get(f"{url}/kitchens/menus", headers=token, timeout=10)
            assert answer.status_code == 503
            assert answer.json()["error"] == "IDENTITY_UNAVAILABLE"
            assert int(answer.headers["Retry-After"]) >= 1
