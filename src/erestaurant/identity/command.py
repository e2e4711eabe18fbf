"""`erestaurant identity` (the local provider, in the foreground) and `erestaurant token`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from erestaurant.identity import local, signin
from erestaurant.platform.access import Role
from erestaurant.platform.oauth_client import ProviderUnavailable, TokenRefused
from erestaurant.platform.settings import DEFAULT_IDENTITY_PORT

ROLES = [r.value for r in Role if r is not Role.RESERVE_PORTIONS]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "identity",
        help="run the local OpenID Connect provider (development) in the foreground",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("ERESTAURANT_DATA_DIR", "data")),
        help="where its configuration, keys and runtime accounts live (default: ./data)",
    )
    serve.add_argument("--port", type=int, default=None, help=f"default: {DEFAULT_IDENTITY_PORT}")

    token = commands.add_parser(
        "token",
        help="print an access token for a role from the local provider (for scripts)",
        description=(
            "Signs in to the local identity provider as its demo account for ROLE and prints"
            " the access token alone on the last line: TOKEN=$(erestaurant token payroll)."
        ),
    )
    token.add_argument("role", choices=ROLES)
    token.add_argument(
        "--card", default=None, help="for employee: the card number the token is for"
    )
    token.add_argument("--kiosk", default=None, help="for kiosk: which kiosk (default kiosk-1)")


def run(args: argparse.Namespace) -> int:
    if args.command == "identity":
        local.serve(args.data_dir, args.port)
        return 0
    issuer = os.environ.get("ERESTAURANT_AUTH_ISSUER", local.LocalIdentitySettings.load().issuer)
    role = Role(args.role)
    if args.card is not None and role is not Role.EMPLOYEE:
        print("--card goes with employee", file=sys.stderr)
        return 2
    try:
        token = asyncio.run(signin.token(role, issuer, card=args.card, kiosk=args.kiosk))
    except (ProviderUnavailable, TokenRefused, signin.UnknownKiosk) as exc:
        print(f"no token: {exc} (is `erestaurant up` running?)", file=sys.stderr)
        return 1
    print(token, flush=True)
    return 0
