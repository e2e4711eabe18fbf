"""Load: open loop (requests at a fixed rate, whether or not earlier ones came back, as
kiosks do) and closed loop (a fixed number of callers, each waiting for its answer)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from erestaurant.bench.stats import Samples

# One request: True if it succeeded.
Request = Callable[[], Awaitable[bool]]


async def _timed(request: Request, samples: Samples, t0: float, due: float) -> None:
    """Time ``request`` from ``due``, the moment it was meant to leave: if the bench itself
    was late to send it, that wait is latency a kiosk would have seen too."""
    try:
        ok = await request()
    except Exception:
        ok = False
    samples.add(due - t0, time.perf_counter() - due, ok)


async def open_loop(request: Request, rate: float, seconds: float) -> Samples:
    """Send ``rate`` requests a second for ``seconds``, on schedule: a slow answer does
    not hold the next request back, and each is timed from when it was due, so latency
    includes queueing (no coordinated omission). The rate counts what was answered within
    the ``seconds``, not the answers that trail after."""
    samples, pending = Samples(), set()
    t0 = time.perf_counter()
    total = int(rate * seconds)
    for n in range(total):
        due = t0 + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_timed(request, samples, t0, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending)
    samples.seconds = seconds
    return samples


async def closed_loop(request: Request, callers: int, seconds: float) -> Samples:
    """``callers`` callers, each sending its next request as soon as the last came back."""
    samples = Samples()
    t0 = time.perf_counter()
    deadline = t0 + seconds

    async def caller() -> None:
        while time.perf_counter() < deadline:
            await _timed(request, samples, t0, time.perf_counter())

    await asyncio.gather(*(caller() for _ in range(callers)))
    samples.seconds = seconds
    return samples
