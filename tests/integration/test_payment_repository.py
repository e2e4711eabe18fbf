"""Payment's queries on every engine."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.contracts import OrderPlaced
from erestaurant.payment.handlers import cancel_payment, handlers

from .helpers import order_cancelled, order_placed, payment_uow_factory

pytestmark = pytest.mark.integration


async def test_a_payment_is_listed_once_its_amount_is_known(payment_engine: AsyncEngine) -> None:
    uow = payment_uow_factory(payment_engine)
    # The cancel overtook the order: payment knows the card, not yet the amount.
    async with uow() as tx:
        await cancel_payment(order_cancelled("order-9", card="E77"), tx)
        await tx.commit()
    async with uow() as tx:
        assert await tx.payments.of_employee("E77") == []
    async with uow() as tx:
        await handlers("Asia/Seoul")[OrderPlaced](
            order_placed("order-9", card="E77", amount=7000), tx
        )
        await tx.commit()
    async with uow() as tx:
        [payment] = await tx.payments.of_employee("E77")
    assert (payment.order_id, payment.amount, payment.status.value) == (
        "order-9",
        7000,
        "CANCELLED",
    )
