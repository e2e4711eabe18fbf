"""What the fault matrix lends one run of a profile: databases, a key prefix, a NATS server."""

from __future__ import annotations

import pytest

from erestaurant.faults import servers
from erestaurant.platform.settings import CannotStart

PROFILE = {
    "HALL_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/erestaurant_hall",
    "PAYMENT_DATABASE_URL": "mysql+aiomysql://root@127.0.0.1:3306/erestaurant_payment",
    "PAYMENT_DATABASE_PASSWORD": "kept apart",
    "WORKERCENTER_DATABASE_URL": "redis://127.0.0.1:6379/0",
    "WORKERCENTER_KEY_PREFIX": "erestaurant:workercenter",
    "NOTIFICATION_DATABASE_URL": "sqlite+aiosqlite:////var/lib/erestaurant/notification.db",
    "ERESTAURANT_SQLITE_SYNCHRONOUS": "FULL",
    "ERESTAURANT_NATS_URL": "nats://127.0.0.1:4223",
}


def test_each_run_gets_databases_and_a_key_prefix_of_its_own_on_the_same_servers() -> None:
    env = servers.for_run(PROFILE, "faults_1a2b3c4d_kill")

    assert env["HALL_DATABASE_URL"] == (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/erestaurant_hall_faults_1a2b3c4d_kill"
    )
    assert env["PAYMENT_DATABASE_URL"] == (
        "mysql+aiomysql://root@127.0.0.1:3306/erestaurant_payment_faults_1a2b3c4d_kill"
    )
    assert env["WORKERCENTER_DATABASE_URL"] == PROFILE["WORKERCENTER_DATABASE_URL"]
    assert env["WORKERCENTER_KEY_PREFIX"] == "erestaurant:workercenter:faults_1a2b3c4d_kill"
    # What is not a name is kept as the profile says.
    assert env["PAYMENT_DATABASE_PASSWORD"] == "kept apart"
    assert env["ERESTAURANT_SQLITE_SYNCHRONOUS"] == "FULL"


def test_the_broker_and_sqlite_files_are_the_runs_own_not_the_profiles() -> None:
    env = servers.for_run(PROFILE, "faults_1a2b3c4d_broker")

    # up starts the NATS the broker fault kills; the file goes to the run's data folder.
    assert "ERESTAURANT_NATS_URL" not in env
    assert "NOTIFICATION_DATABASE_URL" not in env


def test_a_view_on_redis_without_a_prefix_still_gets_one_of_its_own() -> None:
    env = servers.for_run({"WORKERCENTER_DATABASE_URL": "redis://127.0.0.1:6379/0"}, "run")

    assert env["WORKERCENTER_KEY_PREFIX"] == "erestaurant:run"


def test_a_name_the_server_would_cut_is_refused_naming_the_variable() -> None:
    profile = {"HALL_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1/{'h' * 50}"}

    with pytest.raises(CannotStart, match="HALL_DATABASE_URL"):
        servers.for_run(profile, "faults_1a2b3c4d_failpoints")
