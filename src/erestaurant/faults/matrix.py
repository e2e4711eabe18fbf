"""Runs each fault on a fresh system under load, lets it settle, and reports what held.

A run: start ``erestaurant up`` (with the fault's environment, and a profile's servers if
given: ``servers``), open the day (payroll accounts and menus), place the orders while the
fault strikes, stop the fault and heal, then read every service until all invariants hold
or the settle time is up. A run that held keeps nothing on the servers; one that failed
keeps its databases for a look.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from erestaurant.faults import servers, verify
from erestaurant.faults.kiosk import Kiosks, Record
from erestaurant.faults.nemesis import FAULTS, Fault
from erestaurant.faults.system import UNLIMITED, LocalSystem, running
from erestaurant.platform import deadletter

TIMEZONE = "Asia/Seoul"


@dataclass
class Result:
    fault: str
    description: str
    counts: dict[str, int]
    checks: list[verify.Check]
    actions: int
    skipped: int
    load_seconds: float
    settle_seconds: float
    server_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not self.server_errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "fault": self.fault,
            "description": self.description,
            **self.counts,
            "actions": self.actions,
            "strikes_skipped_target_down": self.skipped,
            "load_seconds": round(self.load_seconds, 1),
            "settle_seconds": round(self.settle_seconds, 1),
            "server_errors": self.server_errors[:20],
            "ok": self.ok,
            "invariants": [
                {
                    "name": c.name,
                    "checked": c.checked,
                    "failed": len(c.failures),
                    "examples": c.failures[:10],
                }
                for c in self.checks
            ],
        }


async def run_fault(
    name: str,
    orders: int,
    root: Path,
    pace: tuple[float, float],
    settle_seconds: float = 180.0,
    employees: int = 30,
    profile: Mapping[str, str] | None = None,
) -> Result:
    """One fault on a fresh system: on the default profile, or on ``profile``'s servers."""
    fault: Fault = FAULTS[name](pace=pace, orders=orders)
    own = servers.for_run(profile, f"faults_{uuid.uuid4().hex[:8]}_{name}") if profile else {}
    env = {**UNLIMITED, **own, **fault.env}
    with running(root / name, env, tracebacks_allowed=True) as system:
        kiosks = Kiosks(system.gateway, system.issuer)
        try:
            cards, menus = await kiosks.open_day(employees, orders)
            plans = kiosks.plans(orders, cards, menus)
            stop = asyncio.Event()
            striking = asyncio.create_task(fault.run(system, stop))
            started = time.monotonic()
            try:
                records = await kiosks.run(plans)
            finally:
                stop.set()
                await striking
                await fault.heal(system)
            load_seconds = time.monotonic() - started
            checks, snap, settle = await _settle(system, records, fault, settle_seconds)
        finally:
            await kiosks.close()
    result = Result(
        fault=name,
        description=fault.description,
        counts=verify.summary(snap, records),
        checks=checks,
        actions=fault.actions,
        skipped=fault.skipped,
        load_seconds=load_seconds,
        settle_seconds=settle,
        server_errors=kiosks.server_errors,
    )
    if result.ok and profile:
        await servers.clear(verify.service_settings(system.service_env()))
    return result


async def _settle(
    system: LocalSystem, records: list[Record], fault: Fault, limit: float
) -> tuple[list[verify.Check], verify.Snapshot, float]:
    """Read everything until every invariant holds, or the limit passes; the last reading."""
    settings = verify.service_settings(system.service_env())
    started = time.monotonic()
    while True:
        snap = await verify.snapshot(settings)
        poison = {
            seq: fault.poison[data]
            for seq, subject, data in snap.stream
            if data in fault.poison and not subject.startswith(deadletter.SUBJECT)
        }
        checks = verify.check(snap, records, poison, TIMEZONE)
        elapsed = time.monotonic() - started
        if all(c.ok for c in checks) or elapsed > limit:
            return checks, snap, elapsed
        await asyncio.sleep(2.0)


def report(results: list[Result]) -> str:
    head = (
        "| fault | attempted | acknowledged | completed | cancelled | refused | lost |"
        " double deductions | fault actions | load s | settle s | invariants |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    rows = "".join(
        f"| {r.fault} | {r.counts['attempted']} | {r.counts['acknowledged']} |"
        f" {r.counts['completed']} | {r.counts['cancelled']} | {r.counts['refused']} |"
        f" {r.counts['lost']} | {r.counts['double_deductions']} | {r.actions} |"
        f" {r.load_seconds:.0f} | {r.settle_seconds:.0f} |"
        f" {'all 8 held' if r.ok else 'FAILED'} |\n"
        for r in results
    )
    details = []
    for r in results:
        skipped = f" ({r.skipped} strikes skipped: their target was down)" if r.skipped else ""
        details.append(f"\n{r.fault}: {r.description}{skipped}")
        details.extend(f"  {c.line()}" for c in r.checks)
        details.extend(f"  server error: {e}" for e in r.server_errors[:5])
    return head + rows + "\n".join(details) + "\n"
