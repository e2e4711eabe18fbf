"""``erestaurant faults``: the fault matrix from the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from erestaurant import profile
from erestaurant.faults.matrix import Result, report, run_fault
from erestaurant.faults.nemesis import FAULTS


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "faults",
        help="run orders under faults on real processes and check that nothing is lost",
        description="Each fault runs on a fresh system of its own: "
        + "; ".join(f"{name}: {cls().description}" for name, cls in FAULTS.items()),
    )
    parser.add_argument("--orders", type=int, default=300, help="orders per fault (default 300)")
    parser.add_argument(
        "--fault", nargs="+", choices=[*FAULTS, "all"], default=["all"], help="which faults"
    )
    parser.add_argument(
        "--pace",
        type=float,
        nargs=2,
        default=(5.0, 15.0),
        metavar=("MIN", "MAX"),
        help="seconds between two strikes, drawn between MIN and MAX (default 5 15)",
    )
    parser.add_argument("--settle", type=float, default=300.0, help="longest wait to settle, s")
    parser.add_argument("--data-dir", type=Path, help="where the systems keep their data")
    parser.add_argument(
        "--profile",
        type=Path,
        help=(
            "run on the servers a profile names (e.g. profiles/production.env), each fault on"
            " databases and a Redis key prefix of its own, dropped if it held"
        ),
    )
    parser.add_argument("--report", type=Path, help="also write the report as JSON here")


def run(args: argparse.Namespace) -> int:
    names = list(FAULTS) if "all" in args.fault else args.fault
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="erestaurant-faults-"))
    lent = profile.read(args.profile) if args.profile else None
    results: list[Result] = []
    for name in names:
        print(f"== {name}: {FAULTS[name]().description} ({args.orders} orders)", flush=True)
        result = asyncio.run(
            run_fault(name, args.orders, root, tuple(args.pace), args.settle, profile=lent)
        )
        results.append(result)
        print(report([result]), flush=True)
    print("== summary\n" + report(results))
    if args.report:
        args.report.write_text(json.dumps([r.to_dict() for r in results], indent=2))
    return 0 if all(r.ok for r in results) else 1
