"""Workercenter's read model on a real Redis: its layout, and the inbox's promise kept
without transactions to roll back: an event's inbox record and the change it makes are
written together, once, or not at all. That Redis gives the same rows as every other store
of the view is test_workercenter_repositories.py's.

Each test works under a prefix of its own and wipes it afterwards, so it can share a Redis
with anything else.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import pytest
from redis.exceptions import RedisError

from erestaurant.contracts import Envelope, IntegrationEvent, OrderPlaced
from erestaurant.contracts.statuses import CookStatus, OrderStatus, PaymentStatus
from erestaurant.platform import clock
from erestaurant.platform.redis_store import ConcurrentChange, RedisStore
from erestaurant.platform.store import StoreUnusable
from erestaurant.workercenter.domain import MyPageRow
from erestaurant.workercenter.handlers import HANDLERS
from erestaurant.workercenter.redis_adapters import RedisWorkercenterUnitOfWork

from ..unit.samples import (
    CARD,
    LUNCH,
    ORDER,
    cook_started,
    cooked,
    meal_ready_sent,
    minutes,
    order_placed,
    payment_deducted,
)
from ..unit.test_workercenter_handlers import (
    LUNCH_SERVED,
    SERVED_ROW,
)

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("ERESTAURANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
HOW_TO_START = (
    "start one with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 "
    '--save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log '
    "(or point ERESTAURANT_TEST_REDIS_URL at another)"
)

UnitsOfWork = Callable[[], RedisWorkercenterUnitOfWork]


def unique_prefix() -> str:
    return f"erestaurant-test:{uuid.uuid4().hex}"


async def open_store(prefix: str) -> RedisStore:
    store = RedisStore(REDIS_URL, prefix)
    try:
        await asyncio.wait_for(store.ping(), 5.0)
    except (RedisError, OSError, TimeoutError) as exc:
        await store.close()
        pytest.fail(f"no Redis at {REDIS_URL} ({exc}); {HOW_TO_START}")
    return store


@pytest.fixture
async def store() -> AsyncIterator[RedisStore]:
    store = await open_store(unique_prefix())
    try:
        yield store
    finally:
        await store.wipe()
        await store.close()


@pytest.fixture
def uow(store: RedisStore) -> UnitsOfWork:
    return lambda: RedisWorkercenterUnitOfWork(store)


def envelope(event: IntegrationEvent) -> Envelope:
    return Envelope.wrap(
        event, occurred_at=clock.now(), correlation_id="redis-test", causation_id=None
    )


async def apply(uow: UnitsOfWork, env: Envelope, event: IntegrationEvent) -> bool:
    """What EventConsumer.apply does with a message; True if this delivery committed."""
    async with uow() as tx:
        if not await tx.mark_handled(env):
            return False
        await HANDLERS[type(event)](event, tx)
        await tx.commit()
        return True


async def deliver(uow: UnitsOfWork, events: list[IntegrationEvent]) -> None:
    for event in events:
        await apply(uow, envelope(event), event)


async def page(uow: UnitsOfWork, order_id: str = ORDER) -> MyPageRow | None:
    async with uow() as tx:
        return await tx.mypages.get(order_id)


async def my_pages(uow: UnitsOfWork, card: str = CARD, limit: int = 100) -> list[MyPageRow]:
    async with uow() as tx:
        return await tx.mypages.of_employee(card, limit)


async def snapshot(store: RedisStore) -> dict[str, Any]:
    """Every key under the store's prefix with its value, read apart from the code under test."""
    client = store.client
    found: dict[str, Any] = {}
    async for key in client.scan_iter(match=f"{store.prefix}:*"):
        kind = await client.type(key)
        if kind == "hash":
            found[key] = await client.hgetall(key)
        elif kind == "zset":
            found[key] = await client.zrange(key, 0, -1, withscores=True)
        else:
            found[key] = (kind, await client.dump(key))
    return found


# -- the layout --------------------------------------------------------------------------


async def test_the_row_is_stored_as_the_layout_says(store: RedisStore, uow: UnitsOfWork) -> None:
    await deliver(uow, [cooked()])
    assert await store.client.hgetall(store.key("mypage", ORDER)) == {
        "order_id": ORDER,
        "updated_at": "2026-11-30T03:10:00.000000+00:00",
        "cook_status": "COOKED",
        "notified": "0",
    }
    await deliver(uow, [order_placed(), meal_ready_sent()])
    stored = await store.client.hgetall(store.key("mypage", ORDER))
    assert (stored["qty"], stored["amount"], stored["notified"]) == ("1", "7000", "1")
    assert await store.client.zrange(store.key("employee", CARD), 0, -1, withscores=True) == [
        (ORDER, minutes(11).timestamp())
    ]


# -- the inbox ---------------------------------------------------------------------------


async def test_the_inbox_records_the_event_type_and_when_without_expiry(
    store: RedisStore, uow: UnitsOfWork
) -> None:
    event = order_placed()
    env = envelope(event)
    before = clock.now()
    assert await apply(uow, env, event) is True
    key = store.key("inbox", env.event_id)
    record = await store.client.hgetall(key)
    assert record["event_type"] == "OrderPlaced"
    assert before <= datetime.fromisoformat(str(record["handled_at"])) <= clock.now()
    assert await store.client.ttl(key) == -1


async def test_with_a_retention_the_inbox_record_expires_after_it_and_the_page_stays(
    store: RedisStore,
) -> None:
    kept = RedisStore(REDIS_URL, store.prefix, inbox_seconds=30 * 86_400)
    try:
        event = order_placed()
        env = envelope(event)
        assert await apply(lambda: RedisWorkercenterUnitOfWork(kept), env, event) is True
        ttl = await store.client.ttl(store.key("inbox", env.event_id))
        assert 30 * 86_400 - 5 <= ttl <= 30 * 86_400
        assert await store.client.ttl(store.key("mypage", ORDER)) == -1
    finally:
        await kept.close()


@pytest.mark.parametrize("policy", ["allkeys-lru", "volatile-ttl"])
async def test_a_redis_that_would_evict_inbox_records_is_refused(
    store: RedisStore, policy: str
) -> None:
    before = str((await store.client.config_get("maxmemory-policy"))["maxmemory-policy"])
    kept = RedisStore(REDIS_URL, store.prefix, inbox_seconds=30 * 86_400)
    await store.client.config_set("maxmemory-policy", policy)
    try:
        with pytest.raises(StoreUnusable, match=f"maxmemory-policy {policy}.*noeviction"):
            await kept.verify()
        if policy.startswith("volatile"):
            await store.verify()  # its inbox records never expire: nothing to evict
    finally:
        await store.client.config_set("maxmemory-policy", before)
        await kept.close()


async def test_a_second_delivery_of_the_same_event_changes_nothing(
    store: RedisStore, uow: UnitsOfWork
) -> None:
    event = order_placed()
    env = envelope(event)
    assert await apply(uow, env, event) is True
    before = await snapshot(store)

    async with uow() as tx:
        assert await tx.mark_handled(env) is False
    assert await apply(uow, env, event) is False
    assert await snapshot(store) == before


async def test_a_unit_of_work_left_without_commit_leaves_nothing(
    store: RedisStore, uow: UnitsOfWork
) -> None:
    event = order_placed()
    env = envelope(event)
    async with uow() as tx:
        assert await tx.mark_handled(env) is True
        await HANDLERS[OrderPlaced](event, tx)
    assert await snapshot(store) == {}

    assert await apply(uow, env, event) is True  # the retry really runs
    assert await page(uow) is not None


async def test_a_handler_that_fails_leaves_nothing(store: RedisStore, uow: UnitsOfWork) -> None:
    event = order_placed()
    env = envelope(event)

    class Boom(Exception):
        pass

    async def fails_after_handling() -> None:
        async with uow() as tx:
            assert await tx.mark_handled(env) is True
            await HANDLERS[OrderPlaced](event, tx)
            raise Boom

    with pytest.raises(Boom):
        await fails_after_handling()
    assert await snapshot(store) == {}


async def test_a_rolled_back_change_is_not_written_by_a_later_commit(
    store: RedisStore, uow: UnitsOfWork
) -> None:
    async with uow() as tx:
        await HANDLERS[OrderPlaced](order_placed(), tx)
        await tx.rollback()
        await HANDLERS[OrderPlaced](order_placed("order-2"), tx)
        await tx.commit()
    assert await page(uow) is None
    assert [row.order_id for row in await my_pages(uow)] == ["order-2"]


# -- two consumers at once ---------------------------------------------------------------


async def test_two_deliveries_of_one_event_at_once_commit_exactly_once(
    store: RedisStore, uow: UnitsOfWork
) -> None:
    event = order_placed()
    env = envelope(event)
    async with uow() as first, uow() as second:
        assert await first.mark_handled(env) is True
        assert await second.mark_handled(env) is True
        await HANDLERS[OrderPlaced](event, first)
        await HANDLERS[OrderPlaced](event, second)
        await first.commit()
        with pytest.raises(ConcurrentChange, match=env.event_id):
            await second.commit()
    assert await apply(uow, env, event) is False  # the nak'ed copy comes back: a no-op
    assert len([key for key in await snapshot(store) if ":inbox:" in key]) == 1
    assert await page(uow) == MyPageRow(
        order_id=ORDER,
        updated_at=LUNCH,
        employee_card_no=CARD,
        menu_name="Bibimbap",
        qty=1,
        amount=7000,
        order_status=OrderStatus.ORDERED,
        payment_status=PaymentStatus.PENDING,
    )


async def test_racing_deliveries_of_one_event_commit_exactly_once(
    store: RedisStore, uow: UnitsOfWork
) -> None:
    event = order_placed()
    env = envelope(event)
    racers = 8
    # Every delivery has found the event new before any of them commits.
    all_marked = asyncio.Barrier(racers)

    async def deliver_in_step() -> bool:
        async with uow() as tx:
            if not await tx.mark_handled(env):
                return False
            await all_marked.wait()
            await HANDLERS[OrderPlaced](event, tx)
            await tx.commit()
            return True

    outcomes = await asyncio.gather(
        *(deliver_in_step() for _ in range(racers)), return_exceptions=True
    )
    assert outcomes.count(True) == 1, outcomes
    assert sum(isinstance(o, ConcurrentChange) for o in outcomes) == racers - 1, outcomes
    assert len([key for key in await snapshot(store) if ":inbox:" in key]) == 1
    assert await page(uow) is not None


async def test_two_events_of_one_order_at_once_lose_nothing_once_the_loser_is_retried(
    uow: UnitsOfWork,
) -> None:
    await deliver(uow, [order_placed()])
    cooking, paid = cook_started(), payment_deducted()
    cooking_env, paid_env = envelope(cooking), envelope(paid)
    async with uow() as first, uow() as second:
        assert await first.mark_handled(cooking_env)
        assert await second.mark_handled(paid_env)
        await HANDLERS[type(cooking)](cooking, first)
        await HANDLERS[type(paid)](paid, second)
        await first.commit()
        with pytest.raises(ConcurrentChange, match=f"mypage:{ORDER}"):
            await second.commit()

    assert await apply(uow, paid_env, paid) is True  # the redelivery after the nak
    row = await page(uow)
    assert row is not None
    assert (row.cook_status, row.payment_status, row.updated_at) == (
        CookStatus.COOKING,
        PaymentStatus.DEDUCTED,
        minutes(11),
    )


# -- reads -------------------------------------------------------------------------------


async def test_reads_outside_any_event_write_nothing(store: RedisStore, uow: UnitsOfWork) -> None:
    await deliver(uow, LUNCH_SERVED)
    before = await snapshot(store)
    async with uow() as tx:
        assert await tx.mypages.get(ORDER) == SERVED_ROW
        assert await tx.mypages.get("no-such-order") is None
        assert await tx.mypages.of_employee(CARD, 10) == [SERVED_ROW]
        await tx.commit()
    assert await snapshot(store) == before


# -- the store ---------------------------------------------------------------------------


async def test_wipe_removes_the_keys_under_its_prefix_and_no_others() -> None:
    prefix = unique_prefix()
    # A neighbour whose name starts the same, and one that an unescaped pattern would match.
    mine, longer, lookalike = (
        await open_store(f"{prefix}:[ab]"),
        await open_store(f"{prefix}:[ab]x"),
        await open_store(f"{prefix}:a"),
    )
    try:
        for store in (mine, longer, lookalike):
            for n in range(1200):  # more than one SCAN and UNLINK batch
                await store.client.set(store.key("page", str(n)), "1")
        assert await mine.wipe() == 1200
        assert await mine.wipe() == 0
        assert await mine.client.exists(mine.key("page", "1")) == 0
        assert await longer.client.exists(longer.key("page", "1")) == 1
        assert await lookalike.client.exists(lookalike.key("page", "1")) == 1
    finally:
        for store in (mine, longer, lookalike):
            await store.wipe()
            await store.close()


async def test_the_store_says_what_it_is_and_verifies_against_this_redis(
    store: RedisStore,
) -> None:
    assert store.kind == "redis"
    assert store.key("mypage", "order-1") == f"{store.prefix}:mypage:order-1"
    await store.verify()
    await store.ping()


def test_a_store_verified_on_one_event_loop_serves_on_another() -> None:
    """The runtime checks the store with asyncio.run, then serves on the server's loop."""
    store = RedisStore(REDIS_URL, unique_prefix())

    async def serve() -> MyPageRow | None:
        try:
            uow = lambda: RedisWorkercenterUnitOfWork(store)  # noqa: E731
            await deliver(uow, [order_placed()])
            await store.ping()
            return await page(uow)
        finally:
            await store.wipe()
            await store.close()

    try:
        asyncio.run(store.verify())
    except (RedisError, OSError) as exc:
        pytest.fail(f"no Redis at {REDIS_URL} ({exc}); {HOW_TO_START}")
    row = asyncio.run(serve())
    assert row is not None
    assert row.order_status == OrderStatus.ORDERED


async def test_the_unit_of_work_is_usable_only_inside_async_with(store: RedisStore) -> None:
    tx = RedisWorkercenterUnitOfWork(store)
    with pytest.raises(RuntimeError, match="async with"):
        await tx.mark_handled(envelope(order_placed()))
    with pytest.raises(RuntimeError, match="async with"):
        tx.stage(lambda pipeline: None)
