"""Payment's tables in memory: the port of payment/unit_of_work.py, as the SQL keeps it."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TypeVar

from erestaurant.contracts.statuses import PaymentStatus
from erestaurant.payment.domain import Employee, Payment
from erestaurant.payment.unit_of_work import PaymentUnitOfWork
from erestaurant.platform.domain import Aggregate

from . import FakeUnitOfWork, Table, duplicate

A = TypeVar("A", bound=Aggregate)


def _columns(kind: type, *key: str) -> tuple[str, ...]:
    """The fields an UPDATE writes: all but the key's, and not the recorded events (they
    have no column)."""
    return tuple(f.name for f in dataclasses.fields(kind) if f.name not in {*key, "events"})


def _stored(aggregate: A) -> A:
    """The row as a database keeps it: without the events the aggregate recorded."""
    return dataclasses.replace(aggregate, events=[])


class FakeEmployees(Table):
    name = "employees"

    async def add(self, employee: Employee) -> None:
        self._insert(employee.employee_card_no, _stored(employee))

    async def get(self, employee_card_no: str, *, for_update: bool = False) -> Employee | None:
        employee: Employee | None = self._select(employee_card_no)
        return employee

    async def save(self, employee: Employee) -> None:
        self._update(employee.employee_card_no, employee, _columns(Employee, "employee_card_no"))

    async def list(self) -> list[Employee]:
        return sorted(self._where(lambda _: True), key=lambda e: e.employee_card_no)


class FakePayments(Table):
    name = "payments"

    def __init__(self, uow: FakeUnitOfWork, employees: FakeEmployees) -> None:
        super().__init__(uow)
        self._employees = employees  # the payroll joins the accounts, as the SQL does

    async def add(self, order_id: str, created_at: datetime) -> Payment:
        self._uow.require_transaction()
        if any(row.order_id == order_id for row in self.rows.values()):
            raise duplicate(self.name, order_id)  # one payment per order
        payment = Payment(self._next_id(), order_id, created_at)
        self._insert(payment.payment_id, payment)
        return payment

    async def for_order(self, order_id: str) -> Payment | None:
        found = self._where(lambda row: row.order_id == order_id)
        return found[0] if found else None

    async def save(self, payment: Payment) -> None:
        at = payment.deducted_at
        if at is not None and at.tzinfo is None:  # held in a value: the base checks no deeper
            raise ValueError("naive datetime in deducted_at: give an aware UTC instant")
        columns = _columns(Payment, "payment_id", "order_id", "created_at")
        self._update(payment.payment_id, payment, columns)

    async def of_employee(self, employee_card_no: str) -> list[Payment]:
        # As the SQL: a payment whose amount is not known yet is not listed.
        found = self._where(
            lambda row: row.employee_card_no == employee_card_no and row.amount is not None
        )
        return sorted(found, key=lambda p: p.payment_id)

    async def payroll(self, pay_period: str) -> list[tuple[str, str, int, int]]:
        deducted = self._where(
            lambda row: row.pay_period == pay_period and row.status is PaymentStatus.DEDUCTED
        )
        names = {card: e.name for card, e in self._employees.rows.items()}
        totals: dict[str, tuple[int, int]] = {}
        for payment in deducted:
            card, amount = payment.employee_card_no, payment.amount
            if card in names and amount is not None:
                n, total = totals.get(card, (0, 0))
                totals[card] = (n + 1, total + amount)
        return [(card, names[card], n, total) for card, (n, total) in sorted(totals.items())]


class FakePaymentUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.employees = FakeEmployees(self)
        self.payments = FakePayments(self, self.employees)


def _port(uow: FakePaymentUnitOfWork) -> PaymentUnitOfWork:
    return uow
