"""A profile's servers, lent to one fault run: databases and a key prefix of its own.

``erestaurant faults --profile profiles/production.env`` runs each fault on the engines the
profile names (PostgreSQL, MariaDB, the view on Redis, SQLite synced as it says), each run
on databases of its own, named after the run and the fault, so that no run reads another's
rows and a run can be repeated. A SQLite file a profile names is kept in the fault's data
folder instead, for the same reason.

NATS is the one ``up`` starts (the wheel's server, configured as ``erestaurant nats``
configures it), not the one the profile names: the broker fault kills it with -9 and ``up``
restarts it on its store, as Kubernetes restarts a NATS pod.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import make_url

from erestaurant.platform import migrations
from erestaurant.platform.redis_store import RedisStore
from erestaurant.platform.settings import CannotStart, ServiceSettings
from erestaurant.workercenter.settings import WorkercenterSettings

DATABASE_URL = "DATABASE_URL"
KEY_PREFIX = "KEY_PREFIX"
# PostgreSQL cuts a database's name at 63 bytes; MariaDB refuses beyond 64.
LONGEST_NAME = 63
# Where a view on Redis keeps its keys when the profile gives no prefix.
DEFAULT_KEY_PREFIX = "erestaurant"


def for_run(profile: Mapping[str, str], run: str) -> dict[str, str]:
    """The profile's settings with the run's own databases, key prefix and NATS server.

    ``run`` (e.g. ``faults_1a2b3c4d_kill``) is appended to each database's name and to the
    view's key prefix; the databases need not exist (``up`` creates and migrates them).
    """
    env = {key: value for key, value in profile.items() if key != "ERESTAURANT_NATS_URL"}
    for variable, value in profile.items():
        if not variable.endswith(DATABASE_URL):
            continue
        url = make_url(value)
        backend = url.get_backend_name()
        if backend == "sqlite":
            del env[variable]  # its file goes to the fault's data folder, as by default
        elif backend == "redis":
            key = variable.removesuffix(DATABASE_URL) + KEY_PREFIX
            env[key] = f"{profile.get(key, DEFAULT_KEY_PREFIX)}:{run}"
        else:
            name = f"{url.database}_{run}"
            if len(name) > LONGEST_NAME:
                raise CannotStart(
                    f"{variable}: the run's database {name!r} is longer than {LONGEST_NAME}"
                    " characters: give the profile's database a shorter name"
                )
            env[variable] = url.set(database=name).render_as_string(hide_password=False)
    return env


async def clear(settings: Mapping[str, ServiceSettings]) -> None:
    """Drop what a run kept on the servers: its databases, its view's keys on Redis.

    Its SQLite files stay in its data folder, with the logs.
    """
    for one in settings.values():
        if isinstance(one, WorkercenterSettings) and one.uses_redis:
            store = RedisStore(one.database, one.key_prefix)
            try:
                await store.wipe()
            finally:
                await store.close()
        else:
            await migrations.drop_database(one.database)
