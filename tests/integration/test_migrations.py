"""Every relational service's migrations, on every engine: they build exactly the tables the
code declares, a service refuses a database they have not brought up to date, and a
database made before there were migrations is taken over without losing a row."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from erestaurant.migrate import RELATIONAL
from erestaurant.platform import db, migrations
from tests import engines
from tests.engines import Reader

pytestmark = pytest.mark.integration


def _differences(connection: Connection, service: str) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, migrations.metadata_of(service)))


@pytest.mark.parametrize("service", RELATIONAL)
async def test_migrations_build_the_tables_the_code_declares(
    database_url: str, service: str
) -> None:
    engine = db.create_engine(database_url)
    try:
        assert await migrations.problem(engine, service) is not None
        before, after = await migrations.upgrade(engine, service)
        assert (before, after) == (None, migrations.head(service))
        assert await migrations.problem(engine, service) is None
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences, service) == []
        # A second run has nothing to do.
        assert await migrations.upgrade(engine, service) == (after, after)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", RELATIONAL)
async def test_migrations_go_back_down_to_an_empty_database(
    database_url: str, service: str
) -> None:
    engine = db.create_engine(database_url)
    try:
        await migrations.upgrade(engine, service)
        await migrations.downgrade(engine, service, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert tables <= {"alembic_version"}
    finally:
        await engine.dispose()


async def test_a_database_made_before_migrations_is_taken_over_with_its_rows(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url)
    reader = Reader(database_url)
    try:
        # The tables as they were before there were migrations: those of revision 0001.
        await migrations.upgrade(engine, "payment", migrations.BASELINE)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP TABLE alembic_version")
            await conn.exec_driver_sql(
                "INSERT INTO employees (employee_card_no, name, registered_at)"
                " VALUES ('E1', 'Kim Minji', '2026-11-24 03:00:00')"
            )
        assert await migrations.upgrade(engine, "payment") == (None, migrations.head("payment"))
        assert await reader.rows("SELECT name FROM employees") == [("Kim Minji",)]
    finally:
        await reader.close()
        await engine.dispose()


def test_a_service_refuses_an_unmigrated_database_and_says_what_to_run(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERESTAURANT_", "HALL_"))}
    env |= {"ERESTAURANT_DATA_DIR": str(tmp_path), "HALL_PORT": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "erestaurant", "serve", "hall"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 78, run.stderr
    assert "is not migrated" in run.stderr
    assert "Run: erestaurant migrate hall" in run.stderr
    assert "Traceback" not in run.stderr
    # Refusing did not create the schema behind the operator's back.
    migrate = subprocess.run(
        [sys.executable, "-m", "erestaurant", "migrate", "hall"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr
    assert f"None -> {migrations.head('hall')}" in migrate.stdout  # nothing to the newest


@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
async def test_a_database_made_for_one_run_is_dropped_with_a_transaction_still_open_on_it(
    engine: str, tmp_path: Path
) -> None:
    # A tool's database (a test's, a fault run's) must go even when a connection it leaked
    # is in a transaction: MariaDB would otherwise wait on its metadata lock for ever.
    url = engines.url_of(engine, await engines.create_database(engine, "dropped"), tmp_path)
    leaked = create_async_engine(url)
    conn = await leaked.connect()
    await conn.execute(text("CREATE TABLE held (n INTEGER)"))
    await conn.commit()
    await conn.execute(text("INSERT INTO held VALUES (1)"))  # begins, and is left open

    await asyncio.wait_for(migrations.drop_database(url), 30)

    assert await migrations.ensure_database(url), "the database was still there"
    await migrations.drop_database(url)
    with contextlib.suppress(Exception):  # its connection was ended by the drop
        await conn.close()
    await leaked.dispose()
