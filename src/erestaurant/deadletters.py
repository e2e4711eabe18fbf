"""``erestaurant deadletters``: list the events consumers set aside, and replay them."""

from __future__ import annotations

import argparse
import os

from erestaurant.platform import deadletter
from erestaurant.platform.broker import Broker
from erestaurant.platform.settings import DEFAULT_NATS_PORT


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("deadletters", help="list or replay events set aside by consumers")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every dead letter, oldest first")
    replay = actions.add_parser(
        "replay", help="publish dead letters again on their own subject (after the fix)"
    )
    for action in (listing, replay):
        action.add_argument("--consumer", help="only those of one consumer (hall, payment, ...)")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--sequence", type=int, nargs="+", help="the dead letters' sequence numbers")
    which.add_argument("--all", action="store_true", help="every dead letter (of --consumer)")


async def run(args: argparse.Namespace) -> int:
    url = os.environ.get("ERESTAURANT_NATS_URL", f"nats://127.0.0.1:{DEFAULT_NATS_PORT}")
    broker = Broker(url, os.environ.get("ERESTAURANT_STREAM", "ERESTAURANT"), "deadletters")
    await broker.connect()
    try:
        letters = await deadletter.list_all(broker.js, broker.stream, args.consumer)
        if args.action == "list":
            _print(letters)
            return 0
        chosen = letters if args.all else [x for x in letters if x.sequence in set(args.sequence)]
        missing = set(args.sequence or ()) - {x.sequence for x in chosen}
        for letter in chosen:
            await deadletter.replay(broker.js, broker.stream, letter)
            print(f"replayed #{letter.sequence} ({letter.event}) to {letter.original_subject}")
        if missing:
            print(f"no dead letter with sequence {', '.join(map(str, sorted(missing)))}")
            return 1
        return 0
    finally:
        await broker.close()


def _print(letters: list[deadletter.DeadLetter]) -> None:
    if not letters:
        print("no dead letters")
        return
    for x in letters:
        print(
            f"#{x.sequence}  {x.set_aside_at:%Y-%m-%d %H:%M:%S}  {x.consumer:<13} "
            f"{x.original_subject} #{x.original_sequence}  {x.event}  "
            f"after {x.deliveries} tries: {x.reason}"
        )
