"""``erestaurant bench``: start the system, load it, measure the primitives, write a report."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from erestaurant.bench import cpu, floor, primitives, report, saga
from erestaurant.bench.stats import Samples, percentile
from erestaurant.faults.system import UNLIMITED, LocalSystem, running
from erestaurant.identity.signin import KIOSK
from erestaurant.platform.oauth_client import TokenClient
from erestaurant.platform.settings import CannotStart
from erestaurant.services import NAMES

RATES = (10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 700)
# Every process logs at WARNING: a log line per order would be measured with the order.
BENCH_ENV = {
    **UNLIMITED,
    "ERESTAURANT_LOG_LEVEL": "WARNING",
    # The kitchen is played as fast as orders come; its surge protection is not measured.
    "KITCHEN_MAX_OPEN_ORDERS": "1000000",
    # Payment is frozen on purpose to build a backlog: the runner must not heal it.
    "ERESTAURANT_LIVENESS_FAILURES": "1000000",
}
P99_TARGET_MS = 100.0
LAG_WAIT_SECONDS = 10.0
# A failed step may leave a backlog; the next step starts when it is worked off.
DRAIN_SECONDS = 120.0
IDLE_SECONDS = 10.0
# Near the knee, rates halfway between the last sustained and the first failed, each held
# long enough for its p99 to rest on the 20 slowest of at least this many orders.
KNEE_STEPS = 2
KNEE_ORDERS = 2_000


def add_command(commands: Any) -> None:
    bench = commands.add_parser(
        "bench", help="measure the saga and its primitives; write a report (JSON, Markdown, PNG)"
    )
    bench.add_argument("--out", type=Path, default=Path("bench-report"), help="report folder")
    bench.add_argument(
        "--seconds", type=float, default=15.0, help="how long each step of the load lasts"
    )
    bench.add_argument(
        "--rates",
        default=",".join(map(str, RATES)),
        help="the order rates (per second) the search tries, in order",
    )
    bench.add_argument("--quick", action="store_true", help="short steps (3 s): a smoke run")
    bench.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the system under test, e.g. ERESTAURANT_NATS_SYNC_INTERVAL=2m"
        " (to measure what a setting is worth); may be repeated",
    )


class Progress:
    """One line on stderr: which stage, how far along."""

    def __init__(self, stages: int) -> None:
        self.stages, self.done = stages, 0

    def __call__(self, what: str) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // self.stages
        bar = "#" * filled + "-" * (width - filled)
        print(f"\r[{bar}] {self.done}/{self.stages} {what:<50}", end="", file=sys.stderr)

    def finish(self) -> None:
        """The search may stop early: the bar ends full all the same."""
        self.done = self.stages - 1
        self("done")
        print(file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    seconds = 3.0 if args.quick else args.seconds
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    arguments = " --quick" if args.quick else f" --seconds {args.seconds:g} --rates {args.rates}"
    env = dict(BENCH_ENV)
    for setting in args.set:
        name, sep, value = setting.partition("=")
        if not sep or not name:
            raise CannotStart(f"--set {setting!r}: expected NAME=VALUE")
        env[name] = value
        arguments += f" --set {setting}"
    with (
        tempfile.TemporaryDirectory(prefix="erestaurant-bench-") as root,
        running(Path(root), env) as system,
    ):
        result, series = asyncio.run(_measure(system, rates, seconds))
    result["arguments"] = arguments
    for path in report.write(result, series, args.out):
        print(path)
    return 0


async def _measure(
    system: LocalSystem, rates: list[float], seconds: float
) -> tuple[dict[str, Any], list[tuple[str, Samples]]]:
    refine = seconds >= 10
    progress = Progress(len(rates) + 9 + (KNEE_STEPS if refine else 0))
    connector = aiohttp.TCPConnector(limit=0)
    tokens = TokenClient(system.issuer)
    async with aiohttp.ClientSession(connector=connector) as http:
        cafe = saga.Cafeteria(system, http, tokens)
        progress("employees, a menu, hall warmed up")
        await cafe.open()

        progress("primitives: hello world")
        hello, hello_cpu = await primitives.hello_world(http, 32, seconds)
        progress("primitives: JetStream, SQLite, envelopes")
        many = 20_000 if seconds >= 10 else 5_000
        js = await primitives.jetstream(system.nats_url, system.pid("nats"), many)
        commits = await primitives.commits(system.data_dir, 3_000 if seconds >= 10 else 1_000)
        plain = primitives.plain_sqlite(system.data_dir, many // 4)
        envelopes = primitives.envelopes(many // 4)
        tokens_checked = await primitives.token_checks(
            system.issuer, await tokens.token(KIOSK), 2_000 if seconds >= 10 else 500
        )

        # Before the saga's loads, so that neither side of the comparison meets their backlog.
        progress("the gateway hop")
        direct, through = await saga.gateway_hop(cafe, 32, seconds)

        # The bench shares the machine: its own load and cooks are measured, and set apart.
        pids = {name: system.pid(name) for name in ("nats", "identity", *NAMES)}
        pids["bench"] = os.getpid()
        async with cafe.watching():
            progress("an idle baseline")
            baseline = await _idle_baseline(cafe, pids, IDLE_SECONDS if refine else 3.0)
            search = Search(cafe, pids, baseline, progress)
            async with cafe.cooking():
                # Not measured: the first seconds open connections and fill caches everywhere.
                progress("warming up")
                _, warm = await saga.orders_at(cafe, rates[0], min(5.0, seconds))
                await cafe.all_finished(warm, LAG_WAIT_SECONDS)
                await search.coarse(rates, seconds)
                if refine:
                    await search.knee(seconds)
                sustained = search.sustained
                # At the highest sustained rate the machine has no room left by definition:
                # the reads are measured beside orders at half of it.
                mixed_rate = min(100.0, sustained / 2) or rates[0]

                progress(f"orders at {mixed_rate:.0f}/s with reads")
                page_rows = await cafe.page_rows()
                alone, _ = await saga.orders_at(cafe, mixed_rate, seconds)
                with_reads, reads = await saga.orders_with_reads(cafe, mixed_rate, 8, seconds)

                progress("payment's catch-up")
                # Acceptance does not wait on payment, so the backlog may be placed briskly.
                catch_up = await saga.payment_catch_up(
                    cafe,
                    backlog=int(max(200, min(100.0, sustained) * seconds)),
                    rate=max(20.0, min(100.0, sustained)),
                )
        progress.finish()
    await tokens.close()
    steps, series = search.steps, search.series

    change = (
        (with_reads.percentile_ms(99) / alone.percentile_ms(99) - 1) * 100
        if alone.percentile_ms(99) > 0
        else 0.0
    )
    kept = through.rate() / direct.rate() * 100 if direct.rate() > 0 else 0.0
    result: dict[str, Any] = {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(),
        "step_seconds": seconds,
        "lag_wait_s": LAG_WAIT_SECONDS,
        "primitives": {
            "hello_world": {
                "callers": 32,
                **hello.summary(),
                **hello_cpu,
            },
            "jetstream": js,
            "sqlite_commits_per_second": round(commits),
            "plain_sqlite": plain,
            "envelope_us": envelopes,
            "token_check_us": tokens_checked,
        },
        "idle_cores": {name: round(cores, 4) for name, cores in baseline.items()},
        "search": steps,
        "sustained_orders_per_second": sustained,
        "mixed": {
            "rate": mixed_rate,
            "readers": 8,
            "page_limit": saga.PAGE_LIMIT,
            "page_rows": round(page_rows, 1),
            "orders_alone": alone.summary(),
            "orders_with_reads": with_reads.summary(),
            "reads": reads.summary(),
            "p99_change_percent": round(change, 1),
        },
        "gateway_hop": {
            "callers": 32,
            "direct": direct.summary(),
            "through_gateway": through.summary(),
            "kept_percent": round(kept, 1),
        },
        "payment_catch_up": catch_up,
    }
    the_floor = floor.per_order(result["primitives"])
    cpus = os.cpu_count() or 1
    the_floor["orders_per_second"] = floor.orders_per_second(the_floor["ms_per_order"], cpus)
    result["floor"] = the_floor
    result["targets"] = _targets(result, reads, change, kept)
    return result, series


async def _idle_baseline(
    cafe: saga.Cafeteria, pids: dict[str, int], seconds: float
) -> dict[str, float]:
    """Cores each process uses with nothing to do, once what came before is handled."""
    await cafe.all_finished([], DRAIN_SECONDS)
    await asyncio.sleep(1.0)
    before = cpu.snapshot(pids)
    await asyncio.sleep(seconds)
    return cpu.idle(before, cpu.snapshot(pids), seconds)


class Search:
    """The search for the highest sustained rate: a coarse pass up the rates until a step
    fails, then steps halfway between the last that held and the first that did not."""

    def __init__(
        self,
        cafe: saga.Cafeteria,
        pids: dict[str, int],
        baseline: dict[str, float],
        progress: Progress,
    ) -> None:
        self.cafe, self.pids, self.baseline, self.progress = cafe, pids, baseline, progress
        self.steps: list[dict[str, Any]] = []
        self.series: list[tuple[str, Samples]] = []
        # Every order the steps placed: a step starts once the last one's backlog is gone.
        self.placed: list[str] = []

    @property
    def sustained(self) -> float:
        return max((s["rate"] for s in self.steps if s["sustained"]), default=0.0)

    async def coarse(self, rates: list[float], seconds: float) -> None:
        for rate in rates:
            if not (await self.step(rate, seconds))["sustained"]:
                return

    async def knee(self, seconds: float) -> None:
        failed = [s["rate"] for s in self.steps if not s["sustained"]]
        if not failed or not self.sustained:
            return
        low, high = self.sustained, min(failed)
        for _ in range(KNEE_STEPS):
            rate = float(round((low + high) / 2))
            if rate in (low, high):
                return
            await self.cafe.all_finished(self.placed, DRAIN_SECONDS)
            if (await self.step(rate, max(seconds, KNEE_ORDERS / rate)))["sustained"]:
                low = rate
            else:
                high = rate

    async def step(self, rate: float, seconds: float) -> dict[str, Any]:
        """Orders at ``rate`` for ``seconds``; its window closes when every order it placed
        has had its last event and every consumer has handled it."""
        self.progress(f"orders at {rate:.0f}/s for {seconds:.0f} s")
        before, started = cpu.snapshot(self.pids), time.perf_counter()
        samples, orders = await saga.orders_at(self.cafe, rate, seconds)
        self.placed += orders
        finished = await self.cafe.all_finished(orders, LAG_WAIT_SECONDS)
        window = time.perf_counter() - started
        used = cpu.per_order(before, cpu.snapshot(self.pids), len(orders), window, self.baseline)
        lag, last = self.cafe.saga_lag(orders), self.cafe.finish_lag(orders)
        step = {
            "rate": rate,
            "seconds": round(seconds, 1),
            "orders": samples.summary(),
            "all_finished": finished,
            "window_s": round(window, 2),
            "lag_p50_s": round(percentile(lag, 50), 3),
            "lag_p99_s": round(percentile(lag, 99), 3),
            "finish_p50_s": round(percentile(last, 50), 3),
            "finish_p99_s": round(percentile(last, 99), 3),
            "cpu": used,
        }
        step["sustained"] = (
            samples.failed == 0
            and samples.rate() >= 0.95 * rate
            and samples.percentile_ms(99) < P99_TARGET_MS
            and finished
        )
        self.steps.append(step)
        self.series.append((f"{rate:.0f}/s", samples))
        return step


def _targets(
    result: dict[str, Any], reads: Samples, change: float, kept: float
) -> list[dict[str, Any]]:
    """Each target, what was measured, and that figure against the primitives measured in
    the same run: the floor for orders, the hello world for reads, JetStream for
    catch-up."""
    the_floor, p = result["floor"], result["primitives"]
    sustained = result["sustained_orders_per_second"]
    held = [s for s in result["search"] if s["sustained"]]
    # A step at 300/s is reported even if it did not hold; it meets a target only if it did.
    at_300 = next((s for s in result["search"] if s["rate"] == 300), None)
    held_300 = bool(at_300 and at_300["sustained"])
    # Where 300/s was not tried, CPU per order is stated at the highest rate that held.
    cpu_step = at_300 or max(held, key=lambda s: s["rate"], default=None)
    cpu_ms = cpu_step["cpu"]["ms_per_order"] if cpu_step else 0.0
    catch_up = result["payment_catch_up"]["events_per_second"]
    return [
        _target(
            "orders/s sustained end to end, acceptance p99 < 100 ms",
            ">= 500",
            sustained,
            sustained >= 500,
            _share(sustained, the_floor["orders_per_second"], "of the floor's"),
        ),
        _target(
            "CPU per order, all processes, at 300 orders/s",
            "<= 3 ms",
            f"{cpu_ms} ms at {cpu_step['rate']:g}/s" if cpu_step else "not reached",
            held_300 and cpu_ms <= 3.0,
            f"{cpu_ms / the_floor['ms_per_order']:.0f}x the floor's {the_floor['ms_per_order']} ms"
            if cpu_ms
            else "",
        ),
        _target(
            "saga lag p99 at 300 orders/s",
            "< 1 s",
            f"{at_300['lag_p99_s']} s" if at_300 else "not reached",
            held_300 and at_300 is not None and at_300["lag_p99_s"] < 1.0,
        ),
        _target(
            "view reads/s through the gateway while orders flow",
            ">= 2,000",
            reads.summary()["per_second"],
            reads.rate() >= 2000,
            _share(reads.rate(), p["hello_world"]["per_second"], "of the hello world's"),
        ),
        _target("order p99 change under that read load", "< 10%", f"{change:+.0f}%", change < 10),
        _target("gateway throughput kept, of direct", ">= 70%", f"{kept:.0f}%", kept >= 70),
        _target(
            "payment catch-up on a backlog",
            ">= 5,000 events/s",
            catch_up,
            catch_up >= 5000,
            _share(catch_up, p["jetstream"]["consume_per_second"], "of JetStream's consume"),
        ),
    ]


def _share(measured: float, primitive: float, of: str) -> str:
    return f"{measured / primitive:.1%} {of} {primitive:,.0f}/s" if primitive > 0 else ""


def _target(
    what: str, wanted: str, measured: object, met: bool, against: str = ""
) -> dict[str, Any]:
    return {"what": what, "wanted": wanted, "measured": measured, "against": against, "met": met}
