"""The bench's report: JSON for machines, Markdown for docs/performance.md, a PNG plot."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from erestaurant.bench import floor
from erestaurant.bench.stats import Samples, percentile
from erestaurant.runner.nats import nats_server_binary


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    version = subprocess.run(
        [str(nats_server_binary()), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "nats_server": version,
    }


def write(report: dict[str, Any], series: list[tuple[str, Samples]], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path, png_path = out / "bench.json", out / "bench.md", out / "bench.png"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    md_path.write_text(markdown(report))
    plot(series, png_path)
    return [json_path, md_path, png_path]


def _target_rows(report: dict[str, Any]) -> list[str]:
    rows = []
    for target in report["targets"]:
        mark = "met" if target["met"] else "**missed**"
        rows.append(
            f"| {target['what']} | {target['wanted']} | {target['measured']} |"
            f" {target.get('against', '')} | {mark} |"
        )
    return rows


def _token_rows(p: dict[str, Any]) -> list[str]:
    t = p.get("token_check_us")
    if not t:
        return []
    return [
        "Checking access tokens (CPU of one process, RS256): a signature check"
        f" {t['signature']:,.1f} us, a token already checked {t['cached']:,.2f} us. An order"
        f" is checked three times (gateway, hall, kitchen): {t['per_order']:,.2f} us with the"
        f" tokens kiosks and hall reuse, {t['per_order_first']:,.1f} us if every token were new.",
        "",
    ]


def _floor_rows(report: dict[str, Any]) -> list[str]:
    p, f = report["primitives"], report.get("floor")
    if not f:
        return []
    js, plain, env = p["jetstream"], p["plain_sqlite"], p["envelope_us"]
    parts = f["parts_us"]
    return [
        "CPU of each primitive, in microseconds: a hello-world request"
        f" {p['hello_world']['server_cpu_us']} served and {p['hello_world']['client_cpu_us']}"
        " sent (aiohttp, as the gateway and hall send theirs); client and server together, a"
        " JetStream publish"
        f" {js['publish_cpu_us']}, a delivery and its ack {js['consume_cpu_us']}; on the plain"
        " sqlite3 driver a service's transaction (inbox row, change, outbox row, commit)"
        f" {plain['transaction_us']} and a read by key {plain['read_by_key_us']}; an"
        f" envelope encoded {env['encode']} and decoded {env['decode']} as the services do,"
        f" {env['encode_floor']} and {env['decode_floor']} as bytes with no schema.",
        "",
        f"**The floor**: what one order cannot do without, summed from those (see"
        f" `bench/floor.py`): {parts['http']:,.0f} us of HTTP ({floor.HTTP_REQUESTS} requests"
        f" served, {floor.HTTP_SENT_BY_THE_SYSTEM} sent), {parts['publishes']:,.0f} of"
        f" publishes ({floor.PUBLISHES}), {parts['deliveries']:,.0f} of deliveries"
        f" ({floor.DELIVERIES}), {parts['transactions']:,.0f} of transactions"
        f" ({floor.TRANSACTIONS}) and"
        f" {parts['envelopes']:,.0f} of envelopes: {f['ms_per_order']} ms of CPU an order, so"
        f" at most {f['orders_per_second']:,.0f} orders a second on"
        f" {report['machine']['cpus']} cores.",
        "",
    ]


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    p = report["primitives"]
    lines = [
        f"Measured {report['when']} with `erestaurant bench{report['arguments']}`, on {m['cpus']}"
        f" CPUs ({m['cpu']}), Python {m['python']}, {m['nats_server']}, {m['system']}.",
        "",
        "### Targets",
        "",
        "| target | wanted | measured | against the primitives of this run | |",
        "|---|---|---|---|---|",
        *_target_rows(report),
        "",
        "### Primitives, in the same run",
        "",
        "| primitive | per second |",
        "|---|---:|",
        f"| hello-world endpoint, same server stack ({p['hello_world']['callers']} callers)"
        f" | {p['hello_world']['per_second']:,.0f} |",
        "| JetStream publish_async, file store, with Nats-Msg-Id"
        f" | {p['jetstream']['publish_per_second']:,} |",
        f"| JetStream pull consume, one ack each | {p['jetstream']['consume_per_second']:,} |",
        "| SQLite commits, one row each, the services' engine"
        f" | {p['sqlite_commits_per_second']:,.0f} |",
        "",
        *_floor_rows(report),
        *_token_rows(p),
        "### The saga",
        "",
        "Open-loop order load through the gateway, the kitchen played by the bench. Each"
        " order is timed from when it was due, so a late send counts as latency; a step's"
        " rate counts the orders accepted within it, and its window closes when every order"
        " it placed was deducted, messaged and completed and every consumer (the view's among"
        " them) had handled every event. A step is sustained when at least 95% of the wanted"
        " rate was accepted, nothing failed, acceptance p99 stayed under 100 ms and the window"
        f" closed within {report['lag_wait_s']:g} s of the step's end; the steps halfway"
        " between the last that held and the first that did not are held longer, for their p99.",
        "",
        "| orders/s wanted | held s | accepted/s | failed | p50 ms | p95 ms | p99 ms"
        " | deducted p50 s | deducted p99 s | last event p99 s | sustained |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for step in report["search"]:
        o = step["orders"]
        lines.append(
            f"| {step['rate']:g} | {step['seconds']:g} | {o['per_second']} | {o['failed']} |"
            f" {o['p50_ms']} | {o['p95_ms']} | {o['p99_ms']} | {step['lag_p50_s']} |"
            f" {step['lag_p99_s']} | {step['finish_p99_s']} |"
            f" {'yes' if step['sustained'] else 'no'} |"
        )
    lines += _cpu_rows(report)
    mixed = report["mixed"]
    hop = report["gateway_hop"]
    catch = report["payment_catch_up"]
    lines += [
        "",
        f"Orders and reads together, orders at {mixed['rate']}/s; each read is one employee's"
        f" page of up to {mixed['page_limit']} orders ({mixed['page_rows']} on average when the"
        " reads began): order p99"
        f" {mixed['orders_alone']['p99_ms']} ms alone and {mixed['orders_with_reads']['p99_ms']}"
        f" ms with {mixed['readers']} readers ({mixed['p99_change_percent']:+.0f}%); reads"
        f" {mixed['reads']['per_second']}/s, p99 {mixed['reads']['p99_ms']} ms.",
        "",
        f"The gateway hop, the same read of one order by {hop['callers']} callers: direct"
        f" {hop['direct']['per_second']}/s (p99 {hop['direct']['p99_ms']} ms), through the"
        f" gateway {hop['through_gateway']['per_second']}/s (p99"
        f" {hop['through_gateway']['p99_ms']} ms): {hop['kept_percent']:.0f}% kept.",
        "",
        f"Payment's catch-up: {catch['orders']} orders placed and cooked while payment was"
        f" frozen; after the thaw it deducted {catch['deducted']} in {catch['seconds']} s:"
        f" {catch['events_per_second']} events/s (two events an order).",
        "",
    ]
    return "\n".join(lines)


def _cpu_rows(report: dict[str, Any]) -> list[str]:
    """Where the CPU went at each step: milliseconds of CPU per order, by process."""
    steps = report["search"]
    if not steps:
        return []
    names = list(steps[0]["cpu"]["by_process_ms_per_order"])
    system = {name: report["idle_cores"][name] for name in names}
    lines = [
        "",
        "CPU per order at each step: user + system time of each process over the step's"
        " window, less what the process uses idle over the same time, divided by the"
        " orders. Idle, the system used"
        f" {sum(system.values()):.3f} cores ("
        + ", ".join(f"{name} {cores:.3f}" for name, cores in sorted(system.items()))
        + "). The bench's own load and cooks are a column apart, not in the total.",
        "",
        "| orders/s wanted | cores busy | CPU ms per order | with idle | "
        + " | ".join(names)
        + " | bench |",
        "|---:|---:|---:|---:|" + "---:|" * (len(names) + 1),
    ]
    for step in steps:
        used = step["cpu"]
        by_process = used["by_process_ms_per_order"]
        lines.append(
            f"| {step['rate']:g} | {used['cores']} | {used['ms_per_order']} |"
            f" {used['gross_ms_per_order']} | "
            + " | ".join(str(by_process.get(name, 0.0)) for name in names)
            + f" | {used['apart_ms_per_order'].get('bench', 0.0)} |"
        )
    return lines


def plot(series: list[tuple[str, Samples]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
    offset = 0.0
    for label, samples in series:
        # Whole seconds only: a last, partial second would plot as a fall in throughput.
        seconds = max(1, round(samples.seconds))
        counts = [0] * seconds
        latencies: list[list[float]] = [[] for _ in range(seconds)]
        for started, latency, ok in zip(samples.started, samples.latency, samples.ok, strict=True):
            second = int(started)
            if ok and second < seconds:
                counts[second] += 1
                latencies[second].append(latency * 1000)
        xs = [offset + s for s in range(seconds)]
        top.plot(xs, counts, label=label)
        p99 = [percentile(v, 99) for v in latencies]
        bottom.plot(xs, p99, label=label)
        offset += seconds + 1
    top.set_ylabel("accepted per second")
    bottom.set_ylabel("acceptance p99 (ms)")
    bottom.set_xlabel("seconds (steps of the load, one after another)")
    bottom.set_yscale("log")
    top.legend(fontsize="small", ncol=4)
    top.set_title("e-restaurant: orders through the gateway")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
