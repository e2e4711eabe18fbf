"""The bench's load shapes and its arithmetic."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from erestaurant.bench import cpu, floor, primitives
from erestaurant.bench.client import closed_loop, open_loop
from erestaurant.bench.stats import Samples, percentile


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([], 99) == 0.0


def test_failures_count_but_do_not_make_latency() -> None:
    samples = Samples(seconds=2.0)
    samples.add(0.0, 0.010, True)
    samples.add(0.1, 5.000, False)
    samples.add(0.2, 0.030, True)
    summary = samples.summary()
    assert (summary["requests"], summary["failed"], summary["per_second"]) == (3, 1, 1.0)
    assert summary["p99_ms"] == 30.0


class InFlight:
    """A request that takes a while, counting how many are under way at once."""

    def __init__(self, seconds: float, ok: bool = True) -> None:
        self.seconds, self.ok = seconds, ok
        self.now = self.most = self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(self.seconds)
            return self.ok
        finally:
            self.now -= 1


async def test_an_open_loop_does_not_wait_for_slow_answers() -> None:
    slow = InFlight(0.2)
    samples = await open_loop(slow, rate=50, seconds=0.4)
    assert slow.calls == len(samples.ok) == 20
    # Each request took longer than the gap between two: they were under way together.
    assert slow.most > 1


async def test_an_open_loop_times_each_request_from_when_it_was_due() -> None:
    calls = 0

    async def first_one_stalls_the_sender() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            time.sleep(0.06)  # noqa: ASYNC251 - on purpose: the next requests leave late
        return True

    samples = await open_loop(first_one_stalls_the_sender, rate=100, seconds=0.1)
    due_at_10ms = min(range(len(samples.started)), key=lambda i: abs(samples.started[i] - 0.01))
    second = samples.latency[due_at_10ms]
    # Due at 10 ms, sent after the 60 ms stall: a kiosk would have waited those 50 ms.
    assert second >= 0.045


async def test_an_open_loop_s_rate_counts_only_what_was_answered_in_its_time() -> None:
    samples = await open_loop(InFlight(0.3), rate=50, seconds=0.4)
    assert samples.succeeded == 20
    # Only what was due in the first 0.1 s came back within the 0.4 s.
    assert 0 < samples.within < samples.succeeded
    assert samples.rate() == samples.within / 0.4


async def test_a_closed_loop_keeps_its_callers_and_no_more() -> None:
    request = InFlight(0.01)
    samples = await closed_loop(request, callers=3, seconds=0.1)
    assert request.most == 3
    assert samples.succeeded == request.calls


async def test_a_request_that_raises_is_a_failure() -> None:
    async def broken() -> bool:
        raise ConnectionError("refused")

    samples = await closed_loop(broken, callers=1, seconds=0.01)
    assert samples.failed == len(samples.ok) > 0


def test_cpu_per_order_divides_each_process_s_time_by_the_orders() -> None:
    before = {"hall": 1.0, "kitchen": 2.0}
    after = {"hall": 1.5, "kitchen": 3.0}
    used = cpu.per_order(before, after, orders=100, wall_seconds=2.0)
    assert used == {
        "cores": 0.75,
        "ms_per_order": 15.0,
        "gross_ms_per_order": 15.0,
        "idle_ms_per_order": 0.0,
        "by_process_ms_per_order": {"kitchen": 10.0, "hall": 5.0},
        "apart_ms_per_order": {},
    }
    assert cpu.per_order(before, after, orders=0, wall_seconds=0.0)["ms_per_order"] == 0.0


def test_cpu_per_order_takes_off_the_idle_baseline_and_sets_the_bench_apart() -> None:
    before = {"hall": 1.0, "kitchen": 2.0, "bench": 0.0}
    after = {"hall": 1.5, "kitchen": 3.0, "bench": 4.0}
    # Idle, hall burns 0.1 of a core (its polls): 0.2 s of the 2 s is not the orders'.
    baseline = cpu.idle({"hall": 0.0, "kitchen": 0.0}, {"hall": 1.0, "kitchen": 0.0}, 10.0)
    used = cpu.per_order(before, after, orders=100, wall_seconds=2.0, baseline=baseline)
    assert used["gross_ms_per_order"] == 15.0
    assert used["idle_ms_per_order"] == 2.0
    assert used["ms_per_order"] == 13.0
    assert used["by_process_ms_per_order"] == {"kitchen": 10.0, "hall": 3.0}
    assert used["apart_ms_per_order"] == {"bench": 40.0}
    assert used["cores"] == 0.75  # the system's, the bench not counted


def test_cpu_seconds_of_a_process_grow_as_it_works() -> None:
    first = cpu.cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    assert cpu.cpu_seconds(os.getpid()) >= first + 0.1


def test_the_floor_sums_what_one_order_needs_of_each_primitive() -> None:
    measured = {
        "hello_world": {"server_cpu_us": 80.0, "client_cpu_us": 50.0},
        "jetstream": {"publish_cpu_us": 10.0, "consume_cpu_us": 20.0},
        "plain_sqlite": {"transaction_us": 30.0},
        "envelope_us": {"encode_floor": 1.0, "decode_floor": 2.0},
    }
    the_floor = floor.per_order(measured)
    assert the_floor["parts_us"] == {
        "http": 500.0,  # 5 served at 80, 2 sent at 50
        "publishes": 70.0,
        "deliveries": 260.0,
        "transactions": 510.0,
        "envelopes": 7.0 + 26.0,
    }
    assert the_floor["ms_per_order"] == 1.373
    assert floor.orders_per_second(the_floor["ms_per_order"], cpus=2) == 1456.7


def test_the_plain_driver_and_the_envelopes_are_timed_for_real(tmp_path: Path) -> None:
    plain = primitives.plain_sqlite(tmp_path, 200)
    assert plain["transaction_us"] > plain["read_by_key_us"] > 0
    assert list(tmp_path.iterdir()) == []  # its database is gone
    envelopes = primitives.envelopes(200)
    # The services' checks cost more than the bytes alone.
    assert envelopes["decode"] > envelopes["decode_floor"] > 0
    assert envelopes["encode"] > envelopes["encode_floor"] > 0
