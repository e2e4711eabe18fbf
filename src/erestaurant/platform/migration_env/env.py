"""Alembic's environment for every service: migrations run on a connection given in code.

``erestaurant.platform.migrations`` opens the connection (async engines, any of SQLite,
PostgreSQL and MariaDB) and passes it, with the service's metadata, in ``attributes``.
"""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from erestaurant.platform.db import UTCDateTime

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `erestaurant migrate`, not the alembic command")


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Write UTCDateTime as the plain types it stands for, so that a revision never breaks
    when application code is renamed (False: render as usual)."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        autogen.imports.add("from sqlalchemy.dialects import mysql")
        return 'sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")'
    return False


context.configure(
    connection=connection,
    target_metadata=config.attributes["metadata"],
    # SQLite alters a table by copying it; batch mode lets one migration serve every engine.
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
