"""Payment's use cases: open payroll accounts, and deduct each completed order once."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from erestaurant.contracts import (
    Cooked,
    EmployeeRegistered,
    OrderCancelled,
    OrderPlaced,
    PaymentCancelled,
    PaymentDeducted,
)
from erestaurant.payment.domain import (
    CardAlreadyRegistered,
    Employee,
    IllegalPaymentTransition,
    Payment,
)
from erestaurant.payment.unit_of_work import PaymentUnitOfWork
from erestaurant.platform import clock
from erestaurant.platform.consumer import Handlers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisterEmployee:
    employee_card_no: str
    name: str


async def register_employee(cmd: RegisterEmployee, uow: PaymentUnitOfWork) -> tuple[Employee, bool]:
    """Open a payroll account; the same card and name again is a harmless repeat."""
    async with uow:
        existing = await uow.employees.get(cmd.employee_card_no)
        if existing is not None:
            if existing.name != cmd.name:
                raise CardAlreadyRegistered(
                    f"card {cmd.employee_card_no} belongs to {existing.name}"
                )
            return existing, False
        employee = Employee(cmd.employee_card_no, cmd.name, clock.now())
        await uow.employees.add(employee)
        uow.emit(
            EmployeeRegistered(
                employee_card_no=employee.employee_card_no,
                name=employee.name,
                registered_at=employee.registered_at,
            )
        )
        await uow.commit()
    log.info("payroll account opened for card %s", employee.employee_card_no)
    return employee, True


# -- event handlers ----------------------------------------------------------------------


async def _payment_for(order_id: str, uow: PaymentUnitOfWork) -> Payment:
    payment = await uow.payments.for_order(order_id)
    if payment is None:
        payment = await uow.payments.add(Payment(order_id=order_id, created_at=clock.now()))
    return payment


async def record_order(event: OrderPlaced, uow: PaymentUnitOfWork, timezone: str) -> None:
    payment = await _payment_for(event.order_id, uow)
    payment.learn_order(event.employee_card_no, event.amount)
    await _deduct_if_due(payment, uow, timezone)
    await uow.payments.save(payment)


async def record_cooked(event: Cooked, uow: PaymentUnitOfWork, timezone: str) -> None:
    payment = await _payment_for(event.order_id, uow)
    try:
        payment.learn_cooked(event.cooked_at)
    except IllegalPaymentTransition as exc:
        log.error("order %s: %s; nothing deducted", event.order_id, exc)
        return
    await _deduct_if_due(payment, uow, timezone)
    await uow.payments.save(payment)


async def cancel_payment(event: OrderCancelled, uow: PaymentUnitOfWork) -> None:
    payment = await _payment_for(event.order_id, uow)
    try:
        cancelled = payment.cancel()
    except IllegalPaymentTransition as exc:
        log.error("order %s cancelled after its deduction: %s", event.order_id, exc)
        return
    if not cancelled:
        return
    payment.employee_card_no = payment.employee_card_no or event.employee_card_no
    await uow.payments.save(payment)
    assert payment.payment_id is not None
    uow.emit(
        PaymentCancelled(
            payment_id=payment.payment_id,
            order_id=payment.order_id,
            employee_card_no=payment.employee_card_no,
            cancelled_at=clock.now(),
        )
    )


async def _deduct_if_due(payment: Payment, uow: PaymentUnitOfWork, timezone: str) -> None:
    if not payment.due:
        return
    assert payment.cooked_at is not None
    now = clock.now()
    payment.deduct(now, clock.pay_period(payment.cooked_at, timezone))
    assert payment.payment_id is not None
    assert payment.employee_card_no is not None
    assert payment.amount is not None
    assert payment.pay_period is not None
    uow.emit(
        PaymentDeducted(
            payment_id=payment.payment_id,
            order_id=payment.order_id,
            employee_card_no=payment.employee_card_no,
            amount=payment.amount,
            pay_period=payment.pay_period,
            deducted_at=now,
        )
    )
    log.info(
        "deducted %d won from card %s for order %s (%s)",
        payment.amount,
        payment.employee_card_no,
        payment.order_id,
        payment.pay_period,
    )


def handlers(timezone: str) -> Handlers:
    """The events payment follows; pay periods are months in the company's time zone."""
    return {
        OrderPlaced: functools.partial(record_order, timezone=timezone),
        Cooked: functools.partial(record_cooked, timezone=timezone),
        OrderCancelled: cancel_payment,
    }
