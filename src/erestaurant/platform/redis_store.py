"""Redis as a service's store, and a unit of work on it with the inbox's guarantee.

Redis has no rollback, so the unit of work is optimistic: every key a handler's decision
rests on (the event's inbox record, the rows it read) is WATCHed before it is read, and
everything it writes goes out at commit in one MULTI/EXEC. If another writer touched a
watched key in between, EXEC writes nothing and the event is handled again later, when
the inbox (or the newer row) makes the replay harmless.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, ResponseError, WatchError
from redis.typing import EncodableT, FieldT
from sqlalchemy.engine import make_url

from erestaurant.contracts import Envelope
from erestaurant.platform import clock, failpoints
from erestaurant.platform.store import StoreUnusable

# Keys go to UNLINK in batches of this size: few round trips, no single huge command.
WIPE_BATCH = 500

# Policies under which Redis deletes keys of its own accord when memory runs out: an
# inbox record or a row would vanish silently. A full Redis under noeviction refuses writes
# loudly instead, which the consumer retries.
_EVICTING_ANY_KEY = ("allkeys-lru", "allkeys-lfu", "allkeys-random")
# These evict only keys with a TTL: the inbox's records, once they expire after a retention.
_EVICTING_EXPIRING_KEYS = ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl")

_GLOB_SPECIAL = re.compile(r"([\\*?\[\]])")

Write = Callable[[Pipeline], object]


def as_hash(fields: dict[str, str]) -> dict[FieldT, EncodableT]:
    """The same fields, as the type redis-py's HSET takes (its key type is not str)."""
    return dict(fields.items())


class ConcurrentChange(Exception):
    """Another writer changed a key this unit of work read before it could commit.

    Nothing of this unit of work was written. The event is handled again later.
    """

    def __init__(self, keys: list[str], reason: str = "") -> None:
        self.keys = keys
        detail = f" ({reason})" if reason else ""
        super().__init__(f"changed by another writer before commit: {', '.join(keys)}{detail}")


class RedisStore:
    """A Redis database, the service's keys all under one prefix (``prefix:part:part``)."""

    # A unit of work's writes wait in MULTI until EXEC, unseen by its own later reads.
    batches_events = False

    def __init__(self, url: str, prefix: str, inbox_seconds: int | None = None) -> None:
        if not prefix:
            raise ValueError("a Redis store needs a key prefix: wipe() would empty the database")
        self.url = url
        self.prefix = prefix
        # How long Redis keeps a handled event's id (None: for ever), as retention.py prunes
        # a relational inbox.
        self.inbox_seconds = inbox_seconds
        self.client: Redis = Redis.from_url(url, decode_responses=True)

    @property
    def kind(self) -> str:
        return "redis"

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def verify(self) -> None:
        # The check runs on another event loop than the service: a client of its own keeps
        # the service's pool free of connections bound to a loop that is gone.
        checker: Redis = Redis.from_url(self.url, decode_responses=True)
        try:
            try:
                await checker.ping()
            except (RedisError, OSError) as exc:
                # Perhaps only not up yet: exit 1, and the runner or Kubernetes tries again.
                where = make_url(self.url).render_as_string(hide_password=True)
                raise SystemExit(f"cannot use Redis at {where}: {exc}") from None
            try:
                memory: dict[str, Any] = await checker.info("memory")
            except ResponseError:
                # INFO may be withheld from this user (ACL, a renamed command): trust it then.
                memory = {}
        finally:
            await checker.aclose()
        policy = str(memory.get("maxmemory_policy", ""))
        if policy in _EVICTING_ANY_KEY:
            raise StoreUnusable(
                f"Redis evicts keys under maxmemory-policy {policy}: the inbox and the view "
                "would lose keys silently; use noeviction"
            )
        if policy in _EVICTING_EXPIRING_KEYS and self.inbox_seconds is not None:
            raise StoreUnusable(
                f"Redis evicts keys with a TTL under maxmemory-policy {policy}: the inbox's"
                " records, which expire after ERESTAURANT_INBOX_RETENTION_DAYS, would go"
                " before that; use noeviction"
            )

    async def ping(self) -> None:
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()

    async def wipe(self) -> int:
        """Delete every key under the prefix (and no other); how many there were.

        A key written while the scan runs may survive it: stop the consumer first.
        """
        pattern = _GLOB_SPECIAL.sub(r"\\\1", self.prefix) + ":*"
        wiped = 0
        batch: list[str] = []
        async for key in self.client.scan_iter(match=pattern, count=WIPE_BATCH):
            batch.append(key)
            if len(batch) >= WIPE_BATCH:
                wiped += await self.client.unlink(*batch)
                batch = []
        if batch:
            wiped += await self.client.unlink(*batch)
        return wiped


class RedisUnitOfWork:
    """What platform.uow.UnitOfWork is on a relational database, on Redis (see Transaction).

    Repositories read a key only after ``watch``-ing it, and queue their writes with
    ``stage``; ``commit`` sends the inbox records and the writes in one MULTI/EXEC.
    """

    def __init__(self, store: RedisStore) -> None:
        self.store = store
        self._pipeline: Pipeline | None = None
        self._watched: list[str] = []
        self._handled: dict[str, dict[str, str]] = {}
        self._staged: list[Write] = []

    @property
    def pipeline(self) -> Pipeline:
        """The connection holding this unit of work's WATCHes; reads through it run at once."""
        if self._pipeline is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._pipeline

    async def __aenter__(self) -> Self:
        self._forget()
        self._pipeline = self.store.client.pipeline(transaction=True)
        self._open_repositories()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pipeline, self._pipeline = self._pipeline, None
        self._forget()
        if pipeline is not None:
            # UNWATCH and give the connection back to the pool, committed or not.
            await pipeline.aclose()

    def _open_repositories(self) -> None:
        """Attach the service's repositories to this unit of work."""

    async def watch(self, *keys: str) -> None:
        """WATCH keys before reading them, so a change by another writer fails our commit.

        After this the pipeline runs commands at once: read the keys through it.
        """
        await self.pipeline.watch(*keys)
        self._watched.extend(key for key in keys if key not in self._watched)

    def stage(self, write: Write) -> None:
        """Queue a write; ``write`` gets the pipeline after MULTI, at commit."""
        if self._pipeline is None:
            raise RuntimeError("unit of work used outside 'async with'")
        self._staged.append(write)

    async def mark_handled(self, envelope: Envelope) -> bool:
        """Record an incoming event in the inbox at commit; False if it was handled before."""
        key = self.store.key("inbox", envelope.event_id)
        await self.watch(key)
        if key in self._handled or await self.pipeline.exists(key):
            return False
        self._handled[key] = {
            "event_type": envelope.event_type,
            "handled_at": clock.now().isoformat(timespec="microseconds"),
        }
        return True

    async def commit(self) -> None:
        handled, staged, watched = self._handled, self._staged, self._watched
        self._forget()
        pipeline = self.pipeline
        if not handled and not staged:
            await pipeline.aclose()
            return
        pipeline.multi()  # type: ignore[no-untyped-call]  # unannotated in redis-py
        for key, record in handled.items():
            pipeline.hset(key, mapping=as_hash(record))
            if self.store.inbox_seconds is not None:
                pipeline.expire(key, self.store.inbox_seconds)
        for write in staged:
            write(pipeline)
        try:
            await pipeline.execute()
        except WatchError as exc:
            raise ConcurrentChange(watched, str(exc)) from exc
        failpoints.hit("uow.after_commit")

    async def rollback(self) -> None:
        self._forget()
        await self.pipeline.aclose()

    def _forget(self) -> None:
        self._watched, self._handled, self._staged = [], {}, []
