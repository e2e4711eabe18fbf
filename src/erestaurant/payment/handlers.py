"""Payment's use cases: open and close payroll accounts, set kiosk PINs, and deduct each
completed order once."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from erestaurant.contracts import (
    Cooked,
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
    OrderCancelled,
    OrderPlaced,
    PaymentCancelled,
    PaymentDeducted,
)
from erestaurant.payment.domain import Employee, IllegalPaymentTransition, Payment
from erestaurant.payment.pins import hash_pin
from erestaurant.payment.unit_of_work import PaymentUnitOfWork
from erestaurant.platform import clock
from erestaurant.platform.consumer import Handlers

log = logging.getLogger(__name__)


class EmployeeNotFound(LookupError):
    pass


@dataclass(frozen=True)
class RegisterEmployee:
    employee_card_no: str
    name: str


@dataclass(frozen=True)
class SetPin:
    employee_card_no: str
    pin: str = field(repr=False)  # never in a log line or a traceback


async def register_employee(cmd: RegisterEmployee, uow: PaymentUnitOfWork) -> tuple[Employee, bool]:
    """Open a payroll account, or issue a deactivated card again; returns whether either
    happened now (False: the same card and name again, a harmless repeat)."""
    async with uow:
        employee = await uow.employees.get(cmd.employee_card_no, for_update=True)
        if employee is None:
            employee = Employee(cmd.employee_card_no, cmd.name, clock.now())
            await uow.employees.add(employee)
        elif employee.register_again(cmd.name, clock.now()):  # raises CardAlreadyRegistered
            await uow.employees.save(employee)
        else:
            return employee, False
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


async def deactivate_employee(employee_card_no: str, uow: PaymentUnitOfWork) -> Employee:
    """Close a payroll account: the card may order no more. Closing it again changes nothing."""
    async with uow:
        employee = await _employee(employee_card_no, uow)
        if not employee.deactivate(clock.now()):
            return employee
        assert employee.deactivated_at is not None
        await uow.employees.save(employee)
        uow.emit(
            EmployeeDeactivated(
                employee_card_no=employee.employee_card_no,
                deactivated_at=employee.deactivated_at,
            )
        )
        await uow.commit()
    log.info("payroll account of card %s deactivated", employee_card_no)
    return employee


async def set_pin(cmd: SetPin, uow: PaymentUnitOfWork) -> None:
    """Give a card a new kiosk PIN; hall gets its hash, to check PINs without payment."""
    # Hashed before the transaction: it takes tens of milliseconds, and holds no row lock.
    pin_hash = await hash_pin(cmd.pin)
    async with uow:
        employee = await _employee(cmd.employee_card_no, uow)
        set_at = employee.set_pin(pin_hash, clock.now())  # raises CardDeactivated
        await uow.employees.save(employee)
        uow.emit(
            EmployeePinSet(
                employee_card_no=employee.employee_card_no, pin_hash=pin_hash, set_at=set_at
            )
        )
        await uow.commit()
    log.info("kiosk PIN of card %s set", cmd.employee_card_no)


async def _employee(employee_card_no: str, uow: PaymentUnitOfWork) -> Employee:
    employee = await uow.employees.get(employee_card_no, for_update=True)
    if employee is None:
        raise EmployeeNotFound(f"no payroll account for card {employee_card_no}")
    return employee


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
