"""The circuit breaker, surge protection and the reservation time-to-live, on real processes.

Each test starts a system of its own with small settings (those of `erestaurant demo`) and
plays the demo's scenario; it checks what the scenario saw, never how long it took.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from erestaurant import demo
from erestaurant.faults.system import running

pytestmark = pytest.mark.e2e


async def test_the_circuit_opens_on_a_stopped_kitchen_and_closes_when_it_answers(
    tmp_path: Path,
) -> None:
    with running(tmp_path, demo.BREAKER_ENV) as system:
        seen = await demo.breaker(system, print)
    assert {a.status for a in seen.while_frozen} == {503}
    assert all(a.retry_after for a in seen.while_frozen)
    assert seen.failures_to_open == 3  # HALL_BREAKER_FAILURES
    for failure in seen.while_frozen[:3]:
        assert "kitchen did not answer" in failure.body["message"]
    for fast in seen.while_frozen[3:]:
        assert "circuit is open" in fast.body["message"]  # answered without asking the kitchen
        assert int(fast.retry_after or 0) <= 3  # the cool-down left
    assert seen.circuit_while_frozen == "opened"
    assert seen.circuit_after == "closed"
    assert "kitchen circuit closed -> opened" in system.logs()
    assert "kitchen circuit half-opened -> closed" in system.logs()


async def test_a_flood_is_refused_past_capacity_and_ordering_resumes_by_itself(
    tmp_path: Path,
) -> None:
    with running(tmp_path, demo.SURGE_ENV) as system:
        seen = await demo.surge(system, print, flood=80)
    assert set(seen.answers) <= {"201 ORDERED", "503 KITCHEN_BUSY"}  # no 500, nothing else
    accepted, refused = seen.answers["201 ORDERED"], seen.answers["503 KITCHEN_BUSY"]
    assert accepted + refused == 80
    assert 1 <= accepted <= 19  # 20 open orders at most, the first order included
    assert refused > 0
    assert seen.retry_afters == {"2"}
    assert seen.admission_during == "PAUSED"
    assert seen.refused_orders_found == 0  # nothing half-made
    assert seen.reserved == seen.accepted_portions
    assert seen.resumed.status == 201
    assert seen.admission_after == "OPEN"
    assert "new orders paused" in system.logs()
    assert "orders resumed" in system.logs()


async def test_portions_held_for_an_order_hall_never_committed_go_back(tmp_path: Path) -> None:
    with running(tmp_path, demo.TTL_ENV) as system:
        seen = await demo.reservation_ttl(system, print)
        assert "failpoint hall.after_reserve: crashing now" in system.logs()
        assert "reservation of order" in system.logs()
    assert seen.answer.status == 503  # hall died mid-request: the gateway says so
    assert seen.held_after_crash == 1
