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


def per_order(
    before: Mapping[str, float], after: Mapping[str, float], orders: int, wall_seconds: float
) -> dict[str, object]:
    """Cores used over the load and CPU milliseconds per order, for each process and in
    all."""
    used = {name: after[name] - before[name] for name in before}
    total = sum(used.values())
    return {
        "cores": round(total / wall_seconds, 2) if wall_seconds > 0 else 0.0,
        "ms_per_order": round(total / orders * 1000, 2) if orders else 0.0,
        "by_process_ms_per_order": {
            name: round(seconds / orders * 1000, 2) if orders else 0.0
            for name, seconds in sorted(used.items(), key=lambda item: -item[1])
        },
    }
