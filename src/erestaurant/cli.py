"""The ``erestaurant`` command: run everything, or one service."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from erestaurant import deadletters, demo, services
from erestaurant.faults import command as faults_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="erestaurant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser(
        "up", help="start NATS and every service, restart any that dies, stop all on Ctrl-C"
    )
    up.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="databases and JetStream store (default: ERESTAURANT_DATA_DIR or ./data)",
    )
    up.add_argument(
        "--nats-port",
        type=int,
        default=None,
        help="port of the NATS server that 'up' starts (default: 4322)",
    )

    serve = commands.add_parser("serve", help="run one service in the foreground")
    serve.add_argument("service", choices=sorted(services.SETTINGS))

    deadletters.add_commands(commands)
    faults_command.add_command(commands)
    demo.add_command(commands)

    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo.run(args)
    if args.command == "faults":
        return faults_command.run(args)
    if args.command == "deadletters":
        return asyncio.run(deadletters.run(args))
    if args.command == "serve":
        services.serve(args.service)
        return 0
    from erestaurant.runner import Runner

    runner = Runner.from_environment(data_dir=args.data_dir, nats_port=args.nats_port)
    return asyncio.run(runner.run())


if __name__ == "__main__":
    sys.exit(main())
