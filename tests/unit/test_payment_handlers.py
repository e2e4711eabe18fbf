"""Payment's use cases: payroll accounts, and each completed order deducted exactly once."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from erestaurant.contracts import (
    Cooked,
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
    IntegrationEvent,
    OrderCancelled,
    OrderPlaced,
    PaymentCancelled,
    PaymentDeducted,
)
from erestaurant.contracts.statuses import PaymentStatus
from erestaurant.payment import handlers
from erestaurant.payment.domain import (
    CardAlreadyRegistered,
    CardDeactivated,
    Employee,
    EmployeeNotFound,
    IllegalPaymentTransition,
)
from erestaurant.payment.handlers import RegisterEmployee, SetPin

from .conftest import FrozenClock
from .fakes import deliver
from .fakes.payment import FakePaymentUnitOfWork
from .samples import CARD, LUNCH, cooked, minutes, order_cancelled, order_placed

SEOUL = "Asia/Seoul"
ON_EVENT = handlers.handlers(SEOUL)


async def arrive(uow: FakePaymentUnitOfWork, *events: IntegrationEvent) -> None:
    """Each event delivered once, as its own message, in the order given."""
    for event in events:
        await deliver(ON_EVENT[type(event)], event, uow)


def payment_status(uow: FakePaymentUnitOfWork, order_id: str = "order-1") -> PaymentStatus:
    [status] = [p.status for p in uow.payments.rows.values() if p.order_id == order_id]
    return PaymentStatus(status)


# -- payroll accounts ------------------------------------------------------------------------


async def test_registering_an_employee_opens_an_account_and_publishes_it(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    employee, created = await handlers.register_employee(
        RegisterEmployee(CARD, "Kim Minji"), payment_uow
    )
    assert created is True
    assert payment_uow.employees.rows[CARD] == Employee(CARD, "Kim Minji", LUNCH)
    assert payment_uow.published == [
        EmployeeRegistered(employee_card_no=CARD, name="Kim Minji", registered_at=LUNCH)
    ]
    assert employee == payment_uow.employees.rows[CARD]


async def test_registering_the_same_employee_again_is_a_harmless_repeat(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    first, _ = await handlers.register_employee(RegisterEmployee(CARD, "Kim Minji"), payment_uow)
    again, created = await handlers.register_employee(
        RegisterEmployee(CARD, "Kim Minji"), payment_uow
    )
    assert (again, created) == (first, False)
    assert len(payment_uow.published) == 1


async def test_a_card_belonging_to_someone_else_is_refused(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    await handlers.register_employee(RegisterEmployee(CARD, "Kim Minji"), payment_uow)
    with pytest.raises(CardAlreadyRegistered, match="Kim Minji"):
        await handlers.register_employee(RegisterEmployee(CARD, "Lee Jun"), payment_uow)
    assert payment_uow.employees.rows[CARD].name == "Kim Minji"
    assert len(payment_uow.published) == 1


async def register(uow: FakePaymentUnitOfWork, name: str = "Kim Minji") -> tuple[Employee, bool]:
    return await handlers.register_employee(RegisterEmployee(CARD, name), uow)


async def test_deactivating_an_account_publishes_it_and_keeps_the_account(
    payment_uow: FakePaymentUnitOfWork, frozen_clock: FrozenClock
) -> None:
    await register(payment_uow)
    frozen_clock.set(minutes(30))
    employee = await handlers.deactivate_employee(CARD, payment_uow)
    assert (employee.active, employee.deactivated_at) == (False, minutes(30))
    assert payment_uow.employees.rows[CARD] == employee
    assert payment_uow.published_of(EmployeeDeactivated) == [
        EmployeeDeactivated(employee_card_no=CARD, deactivated_at=minutes(30))
    ]


async def test_deactivating_twice_publishes_once(payment_uow: FakePaymentUnitOfWork) -> None:
    await register(payment_uow)
    first = await handlers.deactivate_employee(CARD, payment_uow)
    again = await handlers.deactivate_employee(CARD, payment_uow)
    assert again == first
    assert len(payment_uow.published_of(EmployeeDeactivated)) == 1


async def test_deactivating_an_unknown_card_is_not_found(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    with pytest.raises(EmployeeNotFound, match="E9999"):
        await handlers.deactivate_employee("E9999", payment_uow)
    assert (payment_uow.employees.rows, payment_uow.published) == ({}, [])


@pytest.mark.parametrize("name", ["Kim Minji", "Lee Jun"], ids=["same-holder", "reissued"])
async def test_registering_a_deactivated_card_issues_it_again_and_publishes_it(
    payment_uow: FakePaymentUnitOfWork, frozen_clock: FrozenClock, name: str
) -> None:
    await register(payment_uow)
    await handlers.set_pin(SetPin(CARD, "4821"), payment_uow)
    await handlers.deactivate_employee(CARD, payment_uow)
    frozen_clock.set(minutes(60))
    employee, created = await register(payment_uow, name)
    assert created is True
    assert employee == Employee(CARD, name, minutes(60))  # active, and without the old PIN
    assert payment_uow.employees.rows[CARD] == employee
    assert payment_uow.published_of(EmployeeRegistered)[-1] == EmployeeRegistered(
        employee_card_no=CARD, name=name, registered_at=minutes(60)
    )
    assert len(payment_uow.published_of(EmployeeRegistered)) == 2


async def test_a_card_issued_again_is_a_harmless_repeat_after(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    await register(payment_uow)
    await handlers.deactivate_employee(CARD, payment_uow)
    await register(payment_uow, "Lee Jun")
    assert (await register(payment_uow, "Lee Jun"))[1] is False
    with pytest.raises(CardAlreadyRegistered, match="Lee Jun"):
        await register(payment_uow, "Kim Minji")
    assert len(payment_uow.published_of(EmployeeRegistered)) == 2


# -- kiosk PINs ------------------------------------------------------------------------------

SECRET_PIN = "90817263"  # eight digits: found in no hash or id by chance


async def test_a_pin_is_kept_and_sent_to_hall_as_an_argon2_hash_only(
    payment_uow: FakePaymentUnitOfWork,
    frozen_clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await register(payment_uow)
    frozen_clock.set(minutes(5))
    cmd = SetPin(CARD, SECRET_PIN)
    await handlers.set_pin(cmd, payment_uow)
    stored = payment_uow.employees.rows[CARD].pin_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, SECRET_PIN)
    [published] = payment_uow.published_of(EmployeePinSet)
    assert published == EmployeePinSet(employee_card_no=CARD, pin_hash=stored, set_at=minutes(5))
    for seen in (str(payment_uow.employees.rows), str(payment_uow.published), repr(cmd)):
        assert SECRET_PIN not in seen
    assert SECRET_PIN not in caplog.text


async def test_a_pin_set_again_replaces_the_hash(payment_uow: FakePaymentUnitOfWork) -> None:
    await register(payment_uow)
    await handlers.set_pin(SetPin(CARD, "4821"), payment_uow)
    await handlers.set_pin(SetPin(CARD, "1357"), payment_uow)
    stored = payment_uow.employees.rows[CARD].pin_hash
    assert stored is not None
    assert PasswordHasher().verify(stored, "1357")
    assert [e.pin_hash for e in payment_uow.published_of(EmployeePinSet)][-1] == stored


async def test_an_unknown_card_gets_no_pin(payment_uow: FakePaymentUnitOfWork) -> None:
    with pytest.raises(EmployeeNotFound):
        await handlers.set_pin(SetPin("E9999", "4821"), payment_uow)
    assert payment_uow.published == []


async def test_a_deactivated_card_gets_no_pin(payment_uow: FakePaymentUnitOfWork) -> None:
    await register(payment_uow)
    await handlers.deactivate_employee(CARD, payment_uow)
    with pytest.raises(CardDeactivated):
        await handlers.set_pin(SetPin(CARD, "4821"), payment_uow)
    assert payment_uow.employees.rows[CARD].pin_hash is None
    assert payment_uow.published_of(EmployeePinSet) == []


# -- deducting once --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "events",
    [(order_placed(qty=2), cooked()), (cooked(), order_placed(qty=2))],
    ids=["placed-then-cooked", "cooked-then-placed"],
)
async def test_a_cooked_order_is_deducted_exactly_once_whichever_news_comes_first(
    payment_uow: FakePaymentUnitOfWork, events: tuple[IntegrationEvent, ...]
) -> None:
    await arrive(payment_uow, *events)
    [deducted] = payment_uow.published_of(PaymentDeducted)
    assert deducted == PaymentDeducted(
        payment_id=1,
        order_id="order-1",
        employee_card_no=CARD,
        amount=14000,
        pay_period="2026-11",
        deducted_at=LUNCH,
    )
    assert payment_status(payment_uow) is PaymentStatus.DEDUCTED
    assert len(payment_uow.payments.rows) == 1


@pytest.mark.parametrize(
    "arrival",
    sorted(set(itertools.permutations(["placed", "cooked", "placed", "cooked"]))),
    ids="-".join,
)
async def test_duplicated_news_in_any_order_deducts_once(
    payment_uow: FakePaymentUnitOfWork, arrival: tuple[str, ...]
) -> None:
    news = {"placed": order_placed(), "cooked": cooked()}
    await arrive(payment_uow, *(news[name] for name in arrival))
    assert len(payment_uow.published_of(PaymentDeducted)) == 1
    assert payment_status(payment_uow) is PaymentStatus.DEDUCTED


async def test_an_order_placed_but_not_cooked_is_not_deducted(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    await arrive(payment_uow, order_placed())
    assert payment_status(payment_uow) is PaymentStatus.PENDING
    assert payment_uow.published == []


@pytest.mark.parametrize(
    ("at", "timezone", "period"),
    [
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "Asia/Seoul", "2026-12"),
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "UTC", "2026-11"),
        (datetime(2026, 12, 31, 14, 59, tzinfo=UTC), "Asia/Seoul", "2026-12"),
        (datetime(2026, 12, 31, 15, 0, tzinfo=UTC), "Asia/Seoul", "2027-01"),
    ],
)
async def test_the_pay_period_is_the_month_in_the_companys_time_zone(
    payment_uow: FakePaymentUnitOfWork,
    frozen_clock: FrozenClock,
    at: datetime,
    timezone: str,
    period: str,
) -> None:
    frozen_clock.set(at)  # cooked and deducted at that instant
    on_event = handlers.handlers(timezone)
    await deliver(on_event[OrderPlaced], order_placed(), payment_uow)
    await deliver(
        on_event[Cooked], Cooked(cook_id=1, order_id="order-1", cooked_at=at), payment_uow
    )
    [deducted] = payment_uow.published_of(PaymentDeducted)
    assert (deducted.pay_period, deducted.deducted_at) == (period, at)
    assert payment_uow.payments.rows[1].pay_period == period


async def test_a_meal_cooked_before_month_end_is_in_that_months_payroll(
    payment_uow: FakePaymentUnitOfWork, frozen_clock: FrozenClock
) -> None:
    cooked_at = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 23:00 in Seoul, November
    on_event = handlers.handlers("Asia/Seoul")
    await deliver(
        on_event[Cooked], Cooked(cook_id=1, order_id="order-1", cooked_at=cooked_at), payment_uow
    )
    frozen_clock.set(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))  # payment was down till December
    await deliver(on_event[OrderPlaced], order_placed(), payment_uow)
    [deducted] = payment_uow.published_of(PaymentDeducted)
    assert deducted.pay_period == "2026-11"
    assert deducted.deducted_at == datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def test_an_order_published_again_after_its_deduction_is_harmless(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    await arrive(payment_uow, order_placed(), cooked())
    before = payment_uow.payments.rows[1]
    # Another event id, as hall's outbox publishes it after JetStream's duplicate window:
    # the inbox lets it through, the payment changes nothing.
    assert await deliver(ON_EVENT[OrderPlaced], order_placed(), payment_uow)
    assert payment_uow.payments.rows[1] == before
    assert len(payment_uow.published_of(PaymentDeducted)) == 1


@pytest.mark.parametrize(
    "again", [order_placed(qty=2), order_placed(card="E2002")], ids=["amount", "card"]
)
async def test_other_terms_after_the_deduction_are_logged_and_change_nothing(
    payment_uow: FakePaymentUnitOfWork, caplog: pytest.LogCaptureFixture, again: OrderPlaced
) -> None:
    await arrive(payment_uow, order_placed(), cooked())
    before = payment_uow.payments.rows[1]
    assert await deliver(ON_EVENT[OrderPlaced], again, payment_uow)  # handled: not retried
    assert payment_uow.payments.rows[1] == before
    assert (before.employee_card_no, before.amount) == (CARD, 7000)
    assert len(payment_uow.published_of(PaymentDeducted)) == 1
    assert "the deduction stands" in caplog.text


async def test_a_broken_order_is_refused_to_be_tried_again(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    broken = order_placed().model_copy(update={"amount": -1})
    with pytest.raises(IllegalPaymentTransition, match="negative"):
        await deliver(ON_EVENT[OrderPlaced], broken, payment_uow)
    assert (payment_uow.payments.rows, payment_uow.inbox) == ({}, set())


async def test_a_deduction_is_logged(
    payment_uow: FakePaymentUnitOfWork, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await arrive(payment_uow, order_placed(), cooked())
    assert "deducted 7000 won from card E1001 for order order-1 (2026-11)" in caplog.text


async def test_an_employees_payments_are_listed_once_their_amount_is_known(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    await arrive(payment_uow, order_cancelled("order-2"), order_placed(), cooked())
    async with payment_uow:
        listed = await payment_uow.payments.of_employee(CARD)
    assert [(p.order_id, p.status) for p in listed] == [("order-1", PaymentStatus.DEDUCTED)]


async def test_the_payroll_counts_the_deductions_of_the_period(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    await register(payment_uow)
    await arrive(
        payment_uow,
        order_placed("order-1"),
        cooked("order-1"),
        order_placed("order-2", qty=2),
        cooked("order-2"),
        order_placed("order-3"),
    )
    async with payment_uow:
        assert await payment_uow.payments.payroll("2026-11") == [(CARD, "Kim Minji", 2, 21000)]
        assert await payment_uow.payments.payroll("2026-12") == []


async def test_an_account_is_read_or_not_found(payment_uow: FakePaymentUnitOfWork) -> None:
    registered, _ = await register(payment_uow)
    assert await handlers.get_employee(CARD, payment_uow) == registered
    with pytest.raises(EmployeeNotFound, match="no payroll account for card E9999"):
        await handlers.get_employee("E9999", payment_uow)


# -- never for a cancelled order -------------------------------------------------------------


@pytest.mark.parametrize(
    "events",
    [(order_placed(), order_cancelled()), (order_cancelled(), order_placed())],
    ids=["placed-then-cancelled", "cancelled-then-placed"],
)
async def test_a_cancelled_order_drops_its_payment(
    payment_uow: FakePaymentUnitOfWork, events: tuple[IntegrationEvent, ...]
) -> None:
    await arrive(payment_uow, *events)
    assert payment_status(payment_uow) is PaymentStatus.CANCELLED
    assert payment_uow.published_of(PaymentDeducted) == []
    assert payment_uow.published_of(PaymentCancelled) == [
        PaymentCancelled(
            payment_id=1, order_id="order-1", employee_card_no=CARD, cancelled_at=LUNCH
        )
    ]


# Every order of arrival in which the cancellation is not last: hall cannot cancel an order
# once it is cooked (that case is the next test).
CANCELLED_FIRST = [
    arrival
    for arrival in itertools.permutations(["placed", "cancelled", "cooked"])
    if arrival[-1] != "cancelled"
]


@pytest.mark.parametrize("arrival", CANCELLED_FIRST, ids="-".join)
async def test_a_cancelled_order_is_never_deducted_whatever_arrives_after(
    payment_uow: FakePaymentUnitOfWork, arrival: tuple[str, ...]
) -> None:
    news = {"placed": order_placed(), "cancelled": order_cancelled(), "cooked": cooked()}
    await arrive(payment_uow, *(news[name] for name in arrival))
    assert payment_status(payment_uow) is PaymentStatus.CANCELLED
    assert payment_uow.published_of(PaymentDeducted) == []


async def test_a_late_cancellation_never_undoes_a_deduction(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    await arrive(payment_uow, order_placed(), cooked(), order_cancelled())
    assert payment_status(payment_uow) is PaymentStatus.DEDUCTED
    assert payment_uow.published_of(PaymentCancelled) == []


async def test_a_cancellation_published_twice_cancels_once(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    await arrive(payment_uow, order_placed(), order_cancelled(), order_cancelled())
    assert len(payment_uow.published_of(PaymentCancelled)) == 1


def test_payment_follows_placed_cooked_and_cancelled_orders() -> None:
    assert set(ON_EVENT) == {OrderPlaced, Cooked, OrderCancelled}
    assert ON_EVENT[OrderCancelled] is handlers.cancel_payment
