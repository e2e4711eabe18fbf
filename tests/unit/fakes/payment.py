"""Payment's tables in memory."""

from __future__ import annotations

import dataclasses

from erestaurant.payment.domain import Employee, Payment

from . import FakeUnitOfWork, Table, duplicate


class FakeEmployees(Table):
    name = "employees"

    async def add(self, employee: Employee) -> None:
        self._insert(employee.employee_card_no, employee)

    async def get(self, employee_card_no: str, *, for_update: bool = False) -> Employee | None:
        employee: Employee | None = self._select(employee_card_no)
        return employee

    async def save(self, employee: Employee) -> None:
        columns = tuple(
            f.name for f in dataclasses.fields(Employee) if f.name != "employee_card_no"
        )
        self._update(employee.employee_card_no, employee, columns)

    async def list(self) -> list[Employee]:
        return sorted(self._where(lambda _: True), key=lambda e: e.employee_card_no)


class FakePayments(Table):
    name = "payments"

    async def add(self, payment: Payment) -> Payment:
        self._uow.require_transaction()
        if any(row.order_id == payment.order_id for row in self.rows.values()):
            raise duplicate(self.name, payment.order_id)  # one payment per order
        payment.payment_id = self._next_id()
        self._insert(payment.payment_id, payment)
        return payment

    async def for_order(self, order_id: str) -> Payment | None:
        found = self._where(lambda row: row.order_id == order_id)
        return found[0] if found else None

    async def save(self, payment: Payment) -> None:
        columns = tuple(
            f.name
            for f in dataclasses.fields(Payment)
            if f.name not in {"payment_id", "order_id", "created_at"}
        )
        self._update(payment.payment_id, payment, columns)

    async def of_employee(self, employee_card_no: str) -> list[Payment]:
        found = self._where(lambda row: row.employee_card_no == employee_card_no)
        return sorted(found, key=lambda p: p.payment_id)


class FakePaymentUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.employees = FakeEmployees(self)
        self.payments = FakePayments(self)
