"""`erestaurant identity` (the local provider, in the foreground) and `erestaurant token`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from erestaurant.identity import local, signin
from erestaurant.identity.kiosks import KioskAdmin, KioskRefused
from erestaurant.identity.management import Management
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

    kiosks = commands.add_parser(
        "kiosks", help="add, list or revoke kiosks (clients) at the local provider"
    )
    what = kiosks.add_subparsers(dest="kiosks", required=True)
    what.add_parser("list", help="the seeded kiosks and those added")
    add = what.add_parser("add", help="a new kiosk client; prints its secret, once")
    add.add_argument("client_id")
    revoke = what.add_parser("revoke", help="delete an added kiosk's client: no new tokens")
    revoke.add_argument("client_id")


def run(args: argparse.Namespace) -> int:
    if args.command == "identity":
        local.serve(args.data_dir, args.port)
        return 0
    issuer = os.environ.get("ERESTAURANT_AUTH_ISSUER", local.LocalIdentitySettings.load().issuer)
    if args.command == "kiosks":
        return _kiosks(args, issuer)
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


def _kiosks(args: argparse.Namespace, issuer: str) -> int:
    admin = KioskAdmin(Management(issuer))
    try:
        if args.kiosks == "add":
            kiosk = asyncio.run(admin.add(args.client_id))
            print(f"kiosk {kiosk.client_id} added; its secret (shown this once):")
            print(kiosk.secret)
        elif args.kiosks == "revoke":
            asyncio.run(admin.revoke(args.client_id))
            print(
                f"kiosk {args.client_id} revoked: it gets no new token. Tokens it holds stay"
                " good until they expire unless it is in ERESTAURANT_AUTH_REVOKED_CLIENTS."
            )
        else:
            for kiosk in asyncio.run(admin.list()):
                print(f"{kiosk.client_id}{'  (seeded)' if kiosk.seeded else ''}")
    except (KioskRefused, ProviderUnavailable) as exc:
        print(f"no: {exc}", file=sys.stderr)
        return 1
    return 0
