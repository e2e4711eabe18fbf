"""The screens' live streams through the gateway: a kitchen display hears a ticket as it is
opened, a reconnect with Last-Event-ID gets what it missed, and a web process told to stop
ends its open streams at once (a rolling restart never waits on a screen)."""

from __future__ import annotations

import signal
import time

import httpx
import pytest

from erestaurant.platform.access import Role
from tests.e2e.conftest import System, eventually, wait_ready
from tests.signin import token

pytestmark = pytest.mark.e2e


def events(lines: httpx.Response, until: str, seconds: float = 15) -> list[dict[str, str]]:
    """The server-sent events read off a stream until one whose data holds ``until``."""
    found: list[dict[str, str]] = []
    event: dict[str, str] = {}
    deadline = time.monotonic() + seconds
    for line in lines.iter_lines():
        if time.monotonic() > deadline:
            break
        if not line:
            if event:
                found.append(event)
                if until in event.get("data", "") or until == event.get("event"):
                    return found
            event = {}
            continue
        field, _, value = line.partition(": ")
        if field in ("id", "event", "data"):
            event[field] = value
    raise AssertionError(f"no event with {until!r} in time; heard {found}")


def kitchen_stream(system: System, last_event_id: str | None = None):  # type: ignore[no-untyped-def]
    headers = {
        "Authorization": f"Bearer {token(system.issuer, Role.KITCHEN)}",
        "Accept": "text/event-stream",
    }
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    return httpx.stream(
        "GET", f"{system.gateway}/kitchen/stream", headers=headers, timeout=httpx.Timeout(30)
    )


def test_the_kitchen_hears_a_ticket_and_a_reconnect_gets_what_it_missed(system: System) -> None:
    menu_id = system.menu()["menuId"]
    card = system.register()
    with kitchen_stream(system) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        first = system.order(card, menu_id).json()["orderId"]
        heard = events(stream, first)
    received = next(e for e in heard if first in e["data"] and e["event"] == "tickets")
    assert received["id"]
    # Away: two more orders are opened while no stream is open.
    missed = [system.order(card, menu_id).json()["orderId"] for _ in range(2)]
    for order_id in missed:
        system.cook(order_id)
    with kitchen_stream(system, received["id"]) as again:
        replayed = events(again, missed[-1])
    assert {o for o in missed if any(o in e["data"] for e in replayed)} == set(missed)
    assert not any(e.get("event") == "resync" for e in replayed)


def test_a_reconnect_from_an_unknown_event_is_told_to_resync(system: System) -> None:
    with kitchen_stream(system, "an-event-this-process-never-heard") as stream:
        assert events(stream, "resync")[-1]["event"] == "resync"


def test_a_stopping_web_process_ends_its_streams_at_once(system: System) -> None:
    web_ready(system)
    with kitchen_stream(system) as stream:
        started = time.monotonic()
        before = system.local.signal("web", signal.SIGTERM)
        heard = events(stream, "bye", seconds=10)
        took = time.monotonic() - started
    assert heard[-1]["event"] == "bye"
    assert took < 8, f"the stream took {took:.1f}s to end"
    eventually(lambda: system.local.pid("web"), lambda pid: pid != before, 30)
    assert "web exited (code -9)" not in system.logs()
    web_ready(system)  # back, for the tests after this one


def web_ready(system: System) -> None:
    wait_ready(system.urls["web"])
