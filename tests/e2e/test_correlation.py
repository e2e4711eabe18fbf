"""One correlation id follows a request: on the answer, on every event and log line it causes."""

from __future__ import annotations

import json
import uuid

import nats
import pytest
from nats.js.api import DeliverPolicy

from tests.e2e.conftest import System, eventually

pytestmark = pytest.mark.e2e


async def _envelopes_of(system: System, order_id: str) -> list[dict[str, object]]:
    nc = await nats.connect(system.nats_url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(
            "erestaurant.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        found = []
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except TimeoutError:
                break
            envelope = json.loads(msg.data)
            if envelope["payload"].get("orderId") == order_id:
                assert msg.headers is not None
                assert msg.headers["Nats-Msg-Id"] == envelope["eventId"]
                found.append(envelope)
        await sub.unsubscribe()
        return found
    finally:
        await nc.close()


def test_the_correlation_id_is_echoed_or_made_at_the_gateway(system: System) -> None:
    given = system.http.get("/kitchens/menus", headers={"X-Correlation-ID": "kiosk-3-req-77"})
    assert given.headers["X-Correlation-ID"] == "kiosk-3-req-77"
    made = system.http.get("/kitchens/menus")
    assert len(made.headers["X-Correlation-ID"]) >= 16
    refused = system.http.post("/halls/orders", json={}, headers={"X-Correlation-ID": "bad-1"})
    assert refused.headers["X-Correlation-ID"] == "bad-1"


async def test_events_and_logs_carry_the_id_of_the_request_that_caused_them(system: System) -> None:
    http = system.http
    card = system.register()
    menu = system.menu()
    tap = f"tap-{uuid.uuid4().hex[:8]}"
    placed = system.order(card, menu["menuId"], headers={"X-Correlation-ID": tap})
    order_id = placed.json()["orderId"]
    cook_id = system.cook(order_id)
    http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"})
    done = f"cooked-{uuid.uuid4().hex[:8]}"
    http.patch(
        f"/kitchens/cooks/{cook_id}", json={"status": "COOKED"}, headers={"X-Correlation-ID": done}
    )
    eventually(
        lambda: http.get(f"/workercenters/mypages/{order_id}").json(),
        lambda r: r.get("notified") is True and r.get("paymentStatus") == "DEDUCTED",
    )

    envelopes = {e["eventType"]: e for e in await _envelopes_of(system, order_id)}
    assert {
        "OrderPlaced",
        "CookReceived",
        "CookStarted",
        "Cooked",
        "OrderCompleted",
        "PaymentDeducted",
        "MealReadyMessageSent",
    } <= set(envelopes)
    assert envelopes["OrderPlaced"]["correlationId"] == tap
    assert envelopes["CookReceived"]["correlationId"] == tap
    assert envelopes["CookReceived"]["causationId"] == envelopes["OrderPlaced"]["eventId"]
    for caused_by_cooking in (
        "Cooked",
        "OrderCompleted",
        "PaymentDeducted",
        "MealReadyMessageSent",
    ):
        assert envelopes[caused_by_cooking]["correlationId"] == done
    assert envelopes["OrderCompleted"]["causationId"] == envelopes["Cooked"]["eventId"]
    assert (
        envelopes["MealReadyMessageSent"]["causationId"] == envelopes["OrderCompleted"]["eventId"]
    )
    for envelope in envelopes.values():
        assert set(envelope) == {
            "eventId",
            "eventType",
            "occurredAt",
            "correlationId",
            "causationId",
            "version",
            "payload",
        }
        assert envelope["version"] == 1

    logs = system.logs().splitlines()
    assert any(f"hall [cid={tap}]" in line and order_id in line for line in logs)
    for service in ("payment", "hall", "notification"):
        assert any(f"{service} [cid={done}]" in line and order_id in line for line in logs), service
