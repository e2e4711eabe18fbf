"""Payment's repositories, the same cases on the fake and on every engine.

What each method of the port (``payment/unit_of_work.py``) promises: found and not found,
Duplicate on a second add, what ``save`` writes (and what it leaves), orders and filters.
The row lock of ``Payments.for_order`` is the engines' business, tried by the replica races.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from erestaurant.contracts import OrderPlaced
from erestaurant.contracts.statuses import PaymentStatus
from erestaurant.payment.adapters import TABLES, SqlPaymentUnitOfWork
from erestaurant.payment.domain import Deduction, Employee, OrderTerms, Payment
from erestaurant.payment.handlers import (
    RegisterEmployee,
    cancel_payment,
    handlers,
    register_employee,
)
from erestaurant.payment.unit_of_work import PaymentUnitOfWork
from erestaurant.platform.domain import Duplicate

from ..unit.fakes.payment import FakePaymentUnitOfWork
from .helpers import order_cancelled, order_placed
from .repositories import STORES, units_of_work

pytestmark = pytest.mark.integration

NOON = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)

Units = Callable[[], PaymentUnitOfWork]


@pytest.fixture(params=STORES)
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Units]:
    async with units_of_work(
        request.param, tmp_path, TABLES, SqlPaymentUnitOfWork, FakePaymentUnitOfWork
    ) as factory:
        yield factory


def at(minutes: float) -> datetime:
    return NOON + timedelta(minutes=minutes)


def november(_: datetime) -> str:
    return "2026-11"


async def add_employees(uow: Units, *employees: Employee) -> None:
    async with uow() as tx:
        for employee in employees:
            await tx.employees.add(employee)
        await tx.commit()


async def add_payments(uow: Units, *order_ids: str) -> list[Payment]:
    async with uow() as tx:
        added = [await tx.payments.add(order_id, NOON) for order_id in order_ids]
        await tx.commit()
    return added


async def saved(uow: Units, *payments: Payment) -> None:
    async with uow() as tx:
        for payment in payments:
            await tx.payments.save(payment)
        await tx.commit()


async def for_order(uow: Units, order_id: str) -> Payment | None:
    async with uow() as tx:
        return await tx.payments.for_order(order_id)


def deducted(payment: Payment, card: str, amount: int) -> Payment:
    payment.learn_order(card, amount)
    payment.learn_cooked(at(10))
    payment.deduct(at(11), november)
    return payment


# -- employees -------------------------------------------------------------------------------


async def test_an_employee_is_found_by_card_as_added(uow: Units) -> None:
    await add_employees(uow, Employee("E1", "Kim Minji", NOON))
    async with uow() as tx:
        assert await tx.employees.get("E1") == Employee("E1", "Kim Minji", NOON)
        assert await tx.employees.get("E1", for_update=True) == Employee("E1", "Kim Minji", NOON)
        assert await tx.employees.get("E2") is None


async def test_a_card_is_added_once(uow: Units) -> None:
    await add_employees(uow, Employee("E1", "Kim Minji", NOON))
    async with uow() as tx:
        with pytest.raises(Duplicate):
            await tx.employees.add(Employee("E1", "Lee Jun", at(5)))
    async with uow() as tx:
        assert await tx.employees.get("E1") == Employee("E1", "Kim Minji", NOON)


async def test_registrations_of_one_card_at_once_open_one_account(uow: Units) -> None:
    # On PostgreSQL and MariaDB the looks for the card all find nothing before any insert
    # commits; the inserts that lose are answered as the repeats they are, not as errors.
    cmd = RegisterEmployee("E1", "Kim Minji")
    answers = await asyncio.gather(*(register_employee(cmd, uow()) for _ in range(8)))
    assert sorted(created for _, created in answers) == [False] * 7 + [True]
    assert {employee.name for employee, _ in answers} == {"Kim Minji"}
    async with uow() as tx:
        assert [e.employee_card_no for e in await tx.employees.list()] == ["E1"]


async def test_saving_an_employee_writes_every_field_of_that_card_only(uow: Units) -> None:
    await add_employees(uow, Employee("E1", "Kim Minji", NOON), Employee("E2", "Lee Jun", NOON))
    changed = Employee("E1", "Park Sora", at(5), deactivated_at=at(9), pin_hash="$argon2id$x")
    async with uow() as tx:
        await tx.employees.save(changed)
        await tx.commit()
    async with uow() as tx:
        assert await tx.employees.get("E1") == changed
        assert await tx.employees.get("E2") == Employee("E2", "Lee Jun", NOON)


async def test_employees_are_listed_in_the_order_of_their_cards(uow: Units) -> None:
    async with uow() as tx:
        assert await tx.employees.list() == []
    await add_employees(uow, *(Employee(card, card, NOON) for card in ["E3", "E1", "E2"]))
    async with uow() as tx:
        assert [e.employee_card_no for e in await tx.employees.list()] == ["E1", "E2", "E3"]


# -- payments --------------------------------------------------------------------------------


async def test_a_new_payment_is_pending_with_a_growing_id_and_found_by_its_order(
    uow: Units,
) -> None:
    first, second = await add_payments(uow, "O-1", "O-2")
    assert second.payment_id > first.payment_id
    assert first == Payment(first.payment_id, "O-1", NOON)
    assert await for_order(uow, "O-1") == first
    assert await for_order(uow, "O-2") == second
    assert await for_order(uow, "O-3") is None


async def test_an_order_has_one_payment(uow: Units) -> None:
    [first] = await add_payments(uow, "O-1")
    async with uow() as tx:
        with pytest.raises(Duplicate):
            await tx.payments.add("O-1", at(5))
    assert await for_order(uow, "O-1") == first


async def test_saving_a_payment_writes_its_terms_cooking_status_and_deduction(
    uow: Units,
) -> None:
    payment, other = await add_payments(uow, "O-1", "O-2")
    await saved(uow, deducted(payment, "E1", 7000))
    found = await for_order(uow, "O-1")
    assert found == payment
    assert found is not None
    assert (found.terms, found.cooked_at, found.status, found.deduction) == (
        OrderTerms("E1", 7000),
        at(10),
        PaymentStatus.DEDUCTED,
        Deduction("2026-11", at(11)),
    )
    assert (found.order_id, found.created_at) == ("O-1", NOON)
    assert await for_order(uow, "O-2") == other


async def test_a_payment_cancelled_before_its_order_keeps_the_cancellations_card(
    uow: Units,
) -> None:
    [payment] = await add_payments(uow, "O-1")
    payment.cancel("E1", at(1))
    await saved(uow, payment)
    found = await for_order(uow, "O-1")
    assert found == payment
    assert found is not None
    assert (found.employee_card_no, found.card_from_cancel, found.terms) == ("E1", "E1", None)
    found.learn_order("E1", 7000)
    await saved(uow, found)
    assert await for_order(uow, "O-1") == found


async def test_an_employees_payments_are_theirs_with_an_amount_in_order_made(
    uow: Units,
) -> None:
    one, two, others, cancelled_first, three = await add_payments(
        uow, "O-1", "O-2", "O-3", "O-4", "O-5"
    )
    one.learn_order("E1", 7000)
    two.learn_order("E1", 0)  # a free meal has an amount
    others.learn_order("E2", 7000)
    cancelled_first.cancel("E1", at(1))  # its card known, not yet its amount
    await saved(uow, three, deducted(two, "E1", 0), others, cancelled_first, one)
    async with uow() as tx:
        assert [p.order_id for p in await tx.payments.of_employee("E1")] == ["O-1", "O-2"]
        assert await tx.payments.of_employee("E9") == []


async def test_a_payment_is_listed_once_its_amount_is_known(uow: Units) -> None:
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


async def test_the_payroll_sums_each_accounts_deductions_of_the_period(uow: Units) -> None:
    await add_employees(uow, Employee("E2", "Lee Jun", NOON), Employee("E1", "Kim Minji", NOON))
    payments = await add_payments(uow, "O-1", "O-2", "O-3", "O-4", "O-5", "O-6")
    e1_first, e1_second, e2, pending, cancelled, no_account = payments
    pending.learn_order("E1", 5000)
    cancelled.learn_order("E1", 5000)
    cancelled.cancel("E1", at(1))
    await saved(
        uow,
        deducted(e1_first, "E1", 7000),
        deducted(e1_second, "E1", 6500),
        deducted(e2, "E2", 8000),
        pending,
        cancelled,
        deducted(no_account, "E9", 9000),  # the payroll lists accounts only
    )
    async with uow() as tx:
        assert await tx.payments.payroll("2026-11") == [
            ("E1", "Kim Minji", 2, 13500),
            ("E2", "Lee Jun", 1, 8000),
        ]
        assert await tx.payments.payroll("2026-12") == []
