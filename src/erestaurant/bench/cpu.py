"""CPU time each process of the system spent during a load: what an order costs, and
where.

On a machine the load saturates, throughput is the machine's cores divided by the CPU an
order costs, so this is the figure that says what limits the rate, process by process.
Read from /proc (Linux): user and system time, children excluded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces: the fields we want come after its closing ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def snapshot(pids: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds used so far, by process name."""
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def idle(
    before: Mapping[str, float], after: Mapping[str, float], seconds: float
) -> dict[str, float]:
    """Cores each process used while nothing was asked of it: its baseline."""
    return {name: max(0.0, after[name] - before[name]) / seconds for name in before}


def per_order(
    before: Mapping[str, float],
    after: Mapping[str, float],
    orders: int,
    wall_seconds: float,
    baseline: Mapping[str, float] | None = None,
    apart: frozenset[str] = frozenset({"bench"}),
) -> dict[str, object]:
    """CPU milliseconds per order, for each process of the system and in all, with what
    each would have used idle over the same time (``baseline``, cores) taken off: an order
    is charged what it caused, not what background checks and polls cost anyway. The
    processes named in ``apart`` (the bench's own load and cooks) are reported on their
    own and left out of the total: they are the kiosks and the kitchen, not the system."""
    baseline = baseline or {}

    def ms(seconds: float) -> float:
        return round(seconds / orders * 1000, 2) if orders else 0.0

    used = {name: max(0.0, after[name] - before[name]) for name in before}
    system = {name: seconds for name, seconds in used.items() if name not in apart}
    at_rest = {name: baseline.get(name, 0.0) * wall_seconds for name in system}
    net = {name: max(0.0, seconds - at_rest[name]) for name, seconds in system.items()}
    return {
        "cores": round(sum(system.values()) / wall_seconds, 2) if wall_seconds > 0 else 0.0,
        "ms_per_order": ms(sum(net.values())),
        "gross_ms_per_order": ms(sum(system.values())),
        "idle_ms_per_order": ms(sum(at_rest.values())),
        "by_process_ms_per_order": {
            name: ms(seconds) for name, seconds in sorted(net.items(), key=lambda kv: -kv[1])
        },
        "apart_ms_per_order": {name: ms(used[name]) for name in sorted(used) if name in apart},
    }
