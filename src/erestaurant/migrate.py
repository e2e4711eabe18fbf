"""``erestaurant migrate``: bring each service's database to its newest schema revision.

``erestaurant revision SERVICE -m MESSAGE`` writes a new revision from the difference
between the service's tables in code and its newest revision (for developers).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from erestaurant import services
from erestaurant.platform import db, migrations
from erestaurant.platform.settings import CannotStart, ServiceSettings

# The services with a database of their own (not the gateway, not the screens).
RELATIONAL = services.WITH_DATABASE


def add_commands(commands: Any) -> None:
    migrate = commands.add_parser(
        "migrate", help="migrate the services' databases to their newest schema revision"
    )
    migrate.add_argument(
        "services", nargs="*", metavar="SERVICE", help=f"of {', '.join(RELATIONAL)} (default: all)"
    )
    migrate.add_argument(
        "--create-databases",
        action="store_true",
        help="create a PostgreSQL or MariaDB database that does not exist yet (local setups)",
    )
    revision = commands.add_parser(
        "revision", help="write a new schema revision for a service (developers)"
    )
    revision.add_argument("service", choices=RELATIONAL)
    revision.add_argument("-m", "--message", required=True, help="what the revision changes")


def run(args: argparse.Namespace) -> int:
    if args.command == "revision":
        print(migrations.new_revision(args.service, args.message))
        return 0
    unknown = sorted(set(args.services) - set(RELATIONAL))
    if unknown:
        raise CannotStart(f"no relational service named {', '.join(unknown)}")
    return asyncio.run(migrate(args.services or list(RELATIONAL), args.create_databases))


async def migrate(names: list[str], create_databases: bool) -> int:
    for name in names:
        settings = services.REGISTRY[name].settings.load()
        assert isinstance(settings, ServiceSettings)
        if getattr(settings, "uses_redis", False):
            print(f"{name:<13} redis: nothing to migrate (a view rebuilt from events)")
            continue
        if create_databases:
            await migrations.ensure_database(settings.database)
        engine = db.create_engine(settings.database)
        try:
            before, after = await migrations.upgrade(engine, name)
        finally:
            await engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        change = f"{before} -> {after}" if before != after else f"at {after}, nothing to do"
        print(f"{name:<13} {where}: {change}", flush=True)
    return 0
