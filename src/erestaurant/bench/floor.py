"""The floor: the CPU one order cannot do without, summed from primitives measured in the
same run, and so the most orders a second the machine could carry.

An order, whatever the implementation, is: three HTTP requests to be accepted (kiosk to
gateway, gateway to hall, hall's reservation in the kitchen) and two for the cooks' status
changes, five served, two of them sent by the system itself (the kiosks' and the cooks'
clients are not the system's); seven events published (placed, received, started,
cooked, deducted, messaged, completed) and thirteen deliveries acknowledged (each event to
each service that follows it); and a committed transaction for each of the four writes by
request and each of the thirteen handlings, holding its inbox or outbox row; each event
encoded once and decoded on every delivery. Each primitive is timed at its cheapest: the
hello-world endpoint of the services' stack, the NATS client and server with nothing
between them, the plain sqlite3 driver, orjson without a schema. Anything an order costs
above their sum is the implementation's; the sum itself is what the machine's cores allow.
"""

from __future__ import annotations

from typing import Any

HTTP_REQUESTS = 5
HTTP_SENT_BY_THE_SYSTEM = 2
PUBLISHES = 7
DELIVERIES = 13
TRANSACTIONS = 4 + DELIVERIES


def per_order(primitives: dict[str, Any]) -> dict[str, Any]:
    """The floor's parts in microseconds of CPU, their sum in milliseconds, and the orders a
    second that sum allows on ``cpus`` cores."""
    hello = primitives["hello_world"]
    js = primitives["jetstream"]
    transaction = primitives["plain_sqlite"]["transaction_us"]
    envelope = primitives["envelope_us"]
    parts = {
        "http": HTTP_REQUESTS * hello["server_cpu_us"]
        + HTTP_SENT_BY_THE_SYSTEM * hello["client_cpu_us"],
        "publishes": PUBLISHES * js["publish_cpu_us"],
        "deliveries": DELIVERIES * js["consume_cpu_us"],
        "transactions": TRANSACTIONS * transaction,
        "envelopes": PUBLISHES * envelope["encode_floor"] + DELIVERIES * envelope["decode_floor"],
    }
    total_ms = sum(parts.values()) / 1000
    return {
        "parts_us": {name: round(us, 1) for name, us in parts.items()},
        "ms_per_order": round(total_ms, 3),
    }


def orders_per_second(ms_per_order: float, cpus: int) -> float:
    """What ``cpus`` cores carry at ``ms_per_order`` of CPU an order."""
    return round(cpus * 1000 / ms_per_order, 1) if ms_per_order > 0 else 0.0
