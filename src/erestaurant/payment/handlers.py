"""Payment's use cases: open and close payroll accounts, set kiosk PINs, and deduct each
completed order once (the rule is the domain's: payment/domain.py)."""

from __future__ import annotations

import functools
import logging
from dataclasses import field

from erestaurant.contracts import Cooked, OrderCancelled, OrderPlaced
from erestaurant.payment.domain import (
    DeductionStands,
    Employee,
    EmployeeNotFound,
    IllegalPaymentTransition,
    Payment,
)
from erestaurant.payment.events import publish
from erestaurant.payment.pins import hash_pin
from erestaurant.payment.unit_of_work import PaymentUnitOfWork
from erestaurant.platform import clock
from erestaurant.platform.consumer import Handlers
from erestaurant.platform.domain import Command, Duplicate, found

log = logging.getLogger(__name__)


class RegisterEmployee(Command):
    employee_card_no: str
    name: str


class SetPin(Command):
    employee_card_no: str
    pin: str = field(repr=False)  # never in a log line or a traceback


async def register_employee(cmd: RegisterEmployee, uow: PaymentUnitOfWork) -> tuple[Employee, bool]:
    """Open a payroll account, or issue a deactivated card again; returns whether either
    happened now (False: the same card and name again, a harmless repeat)."""
    try:
        return await _register(cmd, uow)
    except Duplicate:
        # Another registration of the card committed between this one's look and its
        # insert (a row lock cannot hold a row not yet there): looked at again, this one is
        # a repeat of it, or a conflict with it.
        return await _register(cmd, uow)


async def _register(cmd: RegisterEmployee, uow: PaymentUnitOfWork) -> tuple[Employee, bool]:
    async with uow:
        employee = await uow.employees.get(cmd.employee_card_no, for_update=True)
        if employee is None:
            employee = Employee.register(cmd.employee_card_no, cmd.name, clock.now())
            await uow.employees.add(employee)
        elif employee.register_again(cmd.name, clock.now()):  # raises CardAlreadyRegistered
            await uow.employees.save(employee)
        else:
            return employee, False
        publish(uow, employee)
        await uow.commit()
    log.info("payroll account opened for card %s", employee.employee_card_no)
    return employee, True


async def deactivate_employee(employee_card_no: str, uow: PaymentUnitOfWork) -> Employee:
    """Close a payroll account: the card may order no more. Closing it again changes nothing."""
    async with uow:
        employee = await _employee(employee_card_no, uow)
        if not employee.deactivate(clock.now()):
            return employee
        await _keep(employee, uow)
    log.info("payroll account of card %s deactivated", employee_card_no)
    return employee


async def set_pin(cmd: SetPin, uow: PaymentUnitOfWork) -> None:
    """Give a card a new kiosk PIN; hall gets its hash, to check PINs without payment."""
    # Hashed before the transaction: it takes tens of milliseconds, and holds no row lock.
    pin_hash = await hash_pin(cmd.pin)
    async with uow:
        employee = await _employee(cmd.employee_card_no, uow)
        employee.set_pin(pin_hash, clock.now())  # raises CardDeactivated
        await _keep(employee, uow)
    log.info("kiosk PIN of card %s set", cmd.employee_card_no)


async def get_employee(employee_card_no: str, uow: PaymentUnitOfWork) -> Employee:
    """The card's payroll account; EmployeeNotFound if it has none."""
    async with uow:
        employee = await uow.employees.get(employee_card_no)
    return found(employee, EmployeeNotFound(employee_card_no))


async def _keep(employee: Employee, uow: PaymentUnitOfWork) -> None:
    """Write the account's change and tell what it recorded, in one commit."""
    await uow.employees.save(employee)
    publish(uow, employee)
    await uow.commit()


async def _employee(employee_card_no: str, uow: PaymentUnitOfWork) -> Employee:
    employee = await uow.employees.get(employee_card_no, for_update=True)
    return found(employee, EmployeeNotFound(employee_card_no))


# -- event handlers ----------------------------------------------------------------------


async def _payment_for(order_id: str, uow: PaymentUnitOfWork) -> Payment:
    payment = await uow.payments.for_order(order_id)
    return payment or await uow.payments.add(order_id, clock.now())


async def record_order(event: OrderPlaced, uow: PaymentUnitOfWork, timezone: str) -> None:
    payment = await _payment_for(event.order_id, uow)
    try:
        payment.learn_order(event.employee_card_no, event.amount)  # a negative amount raises
    except DeductionStands as exc:
        log.error("order %s: %s; the deduction stands", event.order_id, exc)
        return
    await _deduct_if_due(payment, uow, timezone)


async def record_cooked(event: Cooked, uow: PaymentUnitOfWork, timezone: str) -> None:
    payment = await _payment_for(event.order_id, uow)
    try:
        payment.learn_cooked(event.cooked_at)
    except IllegalPaymentTransition as exc:
        log.error("order %s: %s; nothing deducted", event.order_id, exc)
        return
    await _deduct_if_due(payment, uow, timezone)


async def cancel_payment(event: OrderCancelled, uow: PaymentUnitOfWork) -> None:
    payment = await _payment_for(event.order_id, uow)
    try:
        cancelled = payment.cancel(event.employee_card_no, clock.now())
    except IllegalPaymentTransition as exc:
        log.error("order %s cancelled after its deduction: %s", event.order_id, exc)
        return
    if cancelled:
        await uow.payments.save(payment)
        publish(uow, payment)


async def _deduct_if_due(payment: Payment, uow: PaymentUnitOfWork, timezone: str) -> None:
    pay_period = functools.partial(clock.pay_period, timezone=timezone)
    deducted = payment.deduct(clock.now(), pay_period) if payment.due else None
    await uow.payments.save(payment)
    publish(uow, payment)
    if deducted is not None:
        log.info(
            "deducted %d won from card %s for order %s (%s)",
            deducted.amount,
            deducted.employee_card_no,
            deducted.order_id,
            deducted.pay_period,
        )


def handlers(timezone: str) -> Handlers:
    """The events payment follows; pay periods are months in the company's time zone."""
    return {
        OrderPlaced: functools.partial(record_order, timezone=timezone),
        Cooked: functools.partial(record_cooked, timezone=timezone),
        OrderCancelled: cancel_payment,
    }
