"""Schema migrations with Alembic, one history per service, run from code.

Every relational service keeps its revisions in ``erestaurant/<service>/migrations/``; the
environment script and the template are shared (``platform/migration_env``). A service
refuses to serve a database that is not at its newest revision; ``erestaurant migrate``
(and ``erestaurant up``, for the local databases) brings it there.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from erestaurant.platform import db

log = logging.getLogger(__name__)

# Databases made by create_all before there were migrations match the first revision.
BASELINE = "0001"
ENV_DIR = Path(__file__).parent / "migration_env"


def metadata_of(service: str) -> MetaData:
    metadata: MetaData = importlib.import_module(f"erestaurant.{service}.adapters").TABLES.metadata
    return metadata


def versions_dir(service: str) -> Path:
    package = importlib.import_module(f"erestaurant.{service}")
    assert package.__file__ is not None
    return Path(package.__file__).parent / "migrations"


def config(service: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("version_locations", str(versions_dir(service)))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["metadata"] = metadata_of(service)
    return cfg


def head(service: str) -> str:
    heads = ScriptDirectory.from_config(config(service)).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"{service} has {len(heads)} migration heads: merge them")
    return heads[0]


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for one never migrated."""
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def problem(engine: AsyncEngine, service: str) -> str | None:
    """Why this version of the service cannot use the database, or None if it can."""
    at, wanted = await current(engine), head(service)
    if at == wanted:
        return None
    where = _safe(engine.url)
    if at is None:
        return (
            f"the database {where} is not migrated (it has no schema revision; this version"
            f" needs {wanted}). Run: erestaurant migrate {service}"
        )
    scripts = ScriptDirectory.from_config(config(service))
    if at not in {script.revision for script in scripts.walk_revisions()}:
        return (
            f"the database {where} is at revision {at}, which this version does not know"
            f" (a newer version migrated it?); this version needs {wanted}"
        )
    return (
        f"the database {where} is at revision {at}; this version needs {wanted}."
        f" Run: erestaurant migrate {service}"
    )


async def upgrade(
    engine: AsyncEngine, service: str, revision: str = "head"
) -> tuple[str | None, str | None]:
    """Migrate the database to ``revision``; returns the revisions before and after."""
    cfg = config(service)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        if _made_before_migrations(connection, cfg.attributes["metadata"]):
            log.info("%s: tables made before migrations; recording them as %s", service, BASELINE)
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, revision)

    before = await current(engine)
    async with engine.connect() as conn:
        await conn.run_sync(run)
        await conn.commit()
    after = await current(engine)
    if before != after:
        log.info("%s: migrated %s from %s to %s", service, _safe(engine.url), before, after)
    return before, after


async def downgrade(engine: AsyncEngine, service: str, revision: str) -> None:
    """Take the database back to ``revision`` ("base": no tables at all)."""
    cfg = config(service)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.connect() as conn:
        await conn.run_sync(run)
        await conn.commit()


async def ensure_database(url: str) -> bool:
    """Create the database a URL names if its server does not have it; True if created.

    For a local setup: in production the database comes from its operator, with grants.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    name = parsed.database
    if backend == "sqlite" or not name:
        return False
    if backend == "postgresql":
        server, exists, create = (
            parsed.set(database="postgres"),
            text("SELECT 1 FROM pg_database WHERE datname = :name"),
            f'CREATE DATABASE "{name}"',
        )
    elif backend in ("mysql", "mariadb"):
        server, exists, create = (
            parsed._replace(database=None),
            text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"),
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        )
    else:
        return False
    # CREATE DATABASE cannot run inside a transaction (PostgreSQL).
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            if (await conn.execute(exists, {"name": name})).first() is not None:
                return False
            await conn.exec_driver_sql(create)
    finally:
        await engine.dispose()
    log.info("created database %s", _safe(parsed))
    return True


async def drop_database(url: str) -> None:
    """Drop the database a URL names, with any connection still open on it (SQLite: keep the
    file). For tools that made a database for one run (tests, the fault matrix), never for a
    service's own."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    name = parsed.database
    if backend == "sqlite" or not name:
        return
    if backend == "postgresql":
        server = parsed.set(database="postgres")
    elif backend in ("mysql", "mariadb"):
        server = parsed._replace(database=None)
    else:
        raise ValueError(f"cannot drop a database on {backend}")
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            if backend == "postgresql":
                # FORCE: a connection left open must not keep the database, nor hang the drop.
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            # MariaDB has no DROP ... FORCE, and a connection left in a transaction would hold
            # a metadata lock the drop waits on forever: end such connections first.
            ids = text("SELECT id FROM information_schema.processlist WHERE db = :name")
            for (connection_id,) in (await conn.execute(ids, {"name": name})).all():
                with contextlib.suppress(DBAPIError):  # it may have gone meanwhile
                    await conn.exec_driver_sql(f"KILL CONNECTION {int(connection_id)}")
            await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        await engine.dispose()


def _format_with_ruff(cfg: Config) -> None:
    if importlib.util.find_spec("ruff") is None:
        return
    cfg.set_section_option("post_write_hooks", "hooks", "ruff_format")
    cfg.set_section_option("post_write_hooks", "ruff_format.type", "module")
    cfg.set_section_option("post_write_hooks", "ruff_format.module", "ruff")
    cfg.set_section_option(
        "post_write_hooks", "ruff_format.options", "format REVISION_SCRIPT_FILENAME"
    )


def new_revision(service: str, message: str) -> Path:
    """Write a revision with the difference between the models and the newest revision.

    Alembic compares against a scratch SQLite database migrated to the current head.
    """
    import asyncio

    with tempfile.TemporaryDirectory() as scratch:
        engine = db.create_engine(f"sqlite+aiosqlite:///{scratch}/scratch.db")
        cfg = config(service)
        _format_with_ruff(cfg)
        number = f"{len(list(versions_dir(service).glob('[0-9]*.py'))) + 1:04d}"

        async def generate() -> Path:
            await upgrade(engine, service)

            def run(connection: Connection) -> Path:
                cfg.attributes["connection"] = connection
                script = command.revision(cfg, message, autogenerate=True, rev_id=number)
                assert isinstance(script, Script)
                return Path(script.path)

            try:
                async with engine.connect() as conn:
                    return await conn.run_sync(run)
            finally:
                await engine.dispose()

        return asyncio.run(generate())


def _made_before_migrations(connection: Connection, metadata: MetaData) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "alembic_version" not in tables and bool(tables & set(metadata.tables))


def _safe(url: URL) -> str:
    return url.render_as_string(hide_password=True)
