"""Workercenter's port (MyPages) kept alike by every store of the view: the fake of the unit
tests, SQL on SQLite, PostgreSQL and MariaDB, and Redis.

The cases read and write through the port only; the Redis-only promises (its layout, its
WATCH conflicts, its inbox) are in test_redis_read_model.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from erestaurant.contracts import IntegrationEvent
from erestaurant.contracts.statuses import CookStatus, OrderStatus, PaymentStatus
from erestaurant.platform.domain import Duplicate
from erestaurant.workercenter import adapters
from erestaurant.workercenter.domain import MyPageRow
from erestaurant.workercenter.handlers import HANDLERS
from erestaurant.workercenter.redis_adapters import RedisWorkercenterUnitOfWork
from erestaurant.workercenter.unit_of_work import WorkercenterUnitOfWork

from ..unit.fakes import envelope_of
from ..unit.fakes.workercenter import FakeWorkercenterUnitOfWork
from ..unit.samples import (
    CARD,
    LUNCH,
    ORDER,
    cook_received,
    cook_started,
    cooked,
    minutes,
    order_placed,
)
from ..unit.test_workercenter_handlers import (
    CANCELLED_ROW,
    LUNCH_CANCELLED,
    LUNCH_SERVED,
    SERVED_ROW,
    shuffled,
)
from .repositories import STORES, units_of_work
from .test_redis_read_model import open_store, unique_prefix

pytestmark = pytest.mark.integration

OTHER_CARD = "E2002"

UnitsOfWork = Callable[[], WorkercenterUnitOfWork]


@pytest.fixture(params=(*STORES, "redis"))
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UnitsOfWork]:
    if request.param == "redis":
        # A prefix of its own, wiped after: the test can share the local Redis.
        store = await open_store(unique_prefix())
        try:
            yield lambda: RedisWorkercenterUnitOfWork(store)
        finally:
            await store.wipe()
            await store.close()
        return
    async with units_of_work(
        request.param,
        tmp_path,
        adapters.TABLES,
        adapters.SqlWorkercenterUnitOfWork,
        FakeWorkercenterUnitOfWork,
    ) as factory:
        yield factory


def page(order_id: str = ORDER, at: float = 0, card: str | None = CARD, **fields: Any) -> MyPageRow:
    row = MyPageRow(
        order_id=order_id,
        # Microseconds too: every store keeps them.
        updated_at=minutes(at) + timedelta(microseconds=7),
        employee_card_no=card,
        menu_name="Bibimbap",
        qty=2,
        amount=14000,
        order_status=OrderStatus.ORDERED,
        cook_status=CookStatus.RECEIVED,
        payment_status=PaymentStatus.PENDING,
    )
    return dataclasses.replace(row, **fields)


async def add(uow: UnitsOfWork, *rows: MyPageRow) -> None:
    async with uow() as tx:
        for row in rows:
            await tx.mypages.save(row, new=True)
        await tx.commit()


async def get(uow: UnitsOfWork, order_id: str = ORDER) -> MyPageRow | None:
    async with uow() as tx:
        return await tx.mypages.get(order_id)


async def orders_of(uow: UnitsOfWork, card: str = CARD, limit: int = 100) -> list[str]:
    async with uow() as tx:
        return [row.order_id for row in await tx.mypages.of_employee(card, limit)]


async def deliver(uow: UnitsOfWork, events: list[IntegrationEvent]) -> None:
    """What the consumer does with each event: inbox record, projection and commit."""
    for event in events:
        async with uow() as tx:
            if await tx.mark_handled(envelope_of(event)):
                await HANDLERS[type(event)](event, tx)
                await tx.commit()


# -- get -----------------------------------------------------------------------------------


async def test_an_order_the_view_has_not_heard_of_is_not_found(uow: UnitsOfWork) -> None:
    assert await get(uow, "no-such-order") is None
    assert await orders_of(uow) == []


async def test_a_saved_row_comes_back_as_it_was_saved(uow: UnitsOfWork) -> None:
    row = page(notified=True)
    await add(uow, row)
    back = await get(uow)
    assert back == row
    assert back is not None
    assert (type(back.order_status), type(back.cook_status), type(back.payment_status)) == (
        OrderStatus,
        CookStatus,
        PaymentStatus,
    )
    assert back.changed is False


async def test_what_is_not_known_yet_comes_back_unknown(uow: UnitsOfWork) -> None:
    early = MyPageRow(order_id=ORDER, updated_at=LUNCH, cook_status=CookStatus.COOKED)
    await add(uow, early)
    assert await get(uow) == early


# -- save ----------------------------------------------------------------------------------


async def test_a_row_saved_as_new_twice_is_a_duplicate(uow: UnitsOfWork) -> None:
    await add(uow, page())
    async with uow() as tx:
        with pytest.raises(Duplicate):
            await tx.mypages.save(page(menu_name="Kimchi stew"), new=True)
    async with uow() as tx:
        assert await tx.mypages.get(ORDER) is not None
        with pytest.raises(Duplicate):
            await tx.mypages.save(page(menu_name="Kimchi stew"), new=True)
    assert await get(uow) == page()


async def test_saving_a_stored_row_replaces_every_column(uow: UnitsOfWork) -> None:
    await add(uow, page())
    replaced = page(
        at=11,
        card=OTHER_CARD,
        menu_name="Kimchi stew",
        qty=1,
        amount=None,
        order_status=OrderStatus.COMPLETED,
        cook_status=CookStatus.COOKED,
        payment_status=PaymentStatus.DEDUCTED,
        notified=True,
    )
    async with uow() as tx:
        assert await tx.mypages.get(ORDER) is not None
        await tx.mypages.save(replaced, new=False)
        await tx.commit()
    assert await get(uow) == replaced


async def test_saving_over_a_row_the_view_does_not_have_writes_nothing(uow: UnitsOfWork) -> None:
    async with uow() as tx:
        assert await tx.mypages.get(ORDER) is None
        await tx.mypages.save(page(), new=False)
        await tx.mypages.save(page("order-2"), new=False)  # without reading it first
        await tx.commit()
    assert await get(uow) is None
    assert await get(uow, "order-2") is None
    assert await orders_of(uow) == []


async def test_a_row_saved_without_commit_is_not_kept(uow: UnitsOfWork) -> None:
    async with uow() as tx:
        await tx.mypages.save(page(), new=True)
    assert await get(uow) is None
    assert await orders_of(uow) == []


# -- of_employee ---------------------------------------------------------------------------


async def test_my_pages_are_the_last_updated_first_at_most_the_limit(uow: UnitsOfWork) -> None:
    await add(
        uow,
        page("order-a", at=0),
        page("order-b", at=5),
        page("order-c", at=3),
        page("order-x", at=9, card=OTHER_CARD),
    )
    assert await orders_of(uow) == ["order-b", "order-c", "order-a"]
    assert await orders_of(uow, limit=2) == ["order-b", "order-c"]
    assert await orders_of(uow, card=OTHER_CARD) == ["order-x"]
    assert await orders_of(uow, card="E3003") == []

    # News of the oldest order makes it the newest.
    async with uow() as tx:
        await tx.mypages.save(page("order-a", at=10), new=False)
        await tx.commit()
    assert await orders_of(uow, limit=1) == ["order-a"]


async def test_a_page_is_read_off_the_index_in_order_not_sorted(tmp_path: Path) -> None:
    """On SQLite (the default store), with the plan SQLite makes for the page's query."""
    ran: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        ran.append((sql, parameters))

    async with (
        units_of_work(
            "sqlite",
            tmp_path,
            adapters.TABLES,
            adapters.SqlWorkercenterUnitOfWork,
            FakeWorkercenterUnitOfWork,
        ) as uow,
        uow() as tx,
    ):
        assert isinstance(tx, adapters.SqlWorkercenterUnitOfWork)
        sqlalchemy.event.listen(tx.connection.sync_engine, "before_cursor_execute", note)
        await tx.mypages.of_employee(CARD, 20)
        [(sql, parameters)] = [(q, p) for q, p in ran if "FROM mypages" in q]
        plan = await tx.connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
        steps = [str(step[-1]) for step in plan]
    assert any("USING INDEX ix_mypages_employee_card_no_updated_at" in s for s in steps)
    assert not any("TEMP B-TREE" in s for s in steps), steps  # no sort of every order


async def test_a_row_is_nobodys_until_its_card_is_known(uow: UnitsOfWork) -> None:
    await add(uow, page(card=None), page("order-2", card=None))
    assert await orders_of(uow) == []

    async with uow() as tx:
        await tx.mypages.save(page(at=10), new=False)
        await tx.commit()
    async with uow() as tx:
        assert await tx.mypages.of_employee(CARD, 10) == [page(at=10)]


@pytest.mark.parametrize("read_first", [True, False], ids=["read first", "saved unread"])
async def test_a_row_whose_card_changes_is_the_new_employees_only(
    uow: UnitsOfWork, read_first: bool
) -> None:
    await add(uow, page())
    async with uow() as tx:
        if read_first:
            assert await tx.mypages.get(ORDER) is not None
        await tx.mypages.save(page(at=1, card=OTHER_CARD), new=False)
        await tx.commit()
    assert await orders_of(uow) == []
    assert await orders_of(uow, card=OTHER_CARD) == [ORDER]


# -- the projections give the same rows on every store -------------------------------------


async def test_a_served_lunch_fills_the_whole_row(uow: UnitsOfWork) -> None:
    await deliver(uow, LUNCH_SERVED)
    assert await get(uow) == SERVED_ROW
    async with uow() as tx:
        assert await tx.mypages.of_employee(CARD, 100) == [SERVED_ROW]


async def test_a_cancelled_lunch_shows_everything_cancelled(uow: UnitsOfWork) -> None:
    await deliver(uow, LUNCH_CANCELLED)
    assert await get(uow) == CANCELLED_ROW


@pytest.mark.parametrize("seed", range(5))
async def test_events_shuffled_and_published_twice_converge_to_the_same_row(
    uow: UnitsOfWork, seed: int
) -> None:
    await deliver(uow, shuffled(LUNCH_SERVED * 2, seed))
    assert await get(uow) == SERVED_ROW
    async with uow() as tx:
        assert await tx.mypages.of_employee(CARD, 100) == [SERVED_ROW]


async def test_a_late_cooking_start_never_overwrites_cooked(uow: UnitsOfWork) -> None:
    await deliver(uow, [order_placed(), cooked(), cook_received(), cook_started()])
    row = await get(uow)
    assert row is not None
    assert (row.cook_status, row.order_status, row.updated_at) == (
        CookStatus.COOKED,
        OrderStatus.COOKING,
        minutes(10),
    )
