"""Payment's tables and repositories (SQLAlchemy Core, engine-neutral), and its SQL unit of
work: the port of payment/unit_of_work.py on a relational database."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, String, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.contracts.statuses import PaymentStatus
from erestaurant.payment.domain import Deduction, Employee, OrderTerms, Payment
from erestaurant.platform.db import ID, UTCDateTime, inserted_id, required
from erestaurant.platform.repository import (
    NaturalKeyRepository,
    SqlRepository,
    from_row,
    to_row,
)
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork

TABLES = ServiceTables()

employees = TABLES.table(
    "employees",
    Column("employee_card_no", String(32), primary_key=True),
    required("name", String(100)),
    required("registered_at", UTCDateTime),
    Column("deactivated_at", UTCDateTime),
    # The argon2 hash of the employee's kiosk PIN (hall has a copy): never the PIN itself.
    Column("pin_hash", String(255)),
)

payments = TABLES.table(
    "payments",
    Column("payment_id", ID, primary_key=True),
    required("order_id", String(64)),
    Column("employee_card_no", String(32), index=True),
    Column("amount", Integer),
    required("status", String(16)),
    Column("cooked_at", UTCDateTime),
    Column("pay_period", String(7), index=True),
    Column("deducted_at", UTCDateTime),
    required("created_at", UTCDateTime),
    # One payment per order: the second insert for an order fails instead of charging twice.
    # A backstop of the rule in payment/domain.py ("Deducted once, and only when cooked").
    UniqueConstraint("order_id"),
)


class EmployeeRepository(NaturalKeyRepository[Employee]):
    kind, key = Employee, employees.c.employee_card_no
    locks = False  # read unlocked unless for_update says otherwise

    async def list(self) -> list[Employee]:
        return await self._all(Employee, select(employees).order_by(employees.c.employee_card_no))


class PaymentRepository(SqlRepository):
    async def add(self, order_id: str, created_at: datetime) -> Payment:
        values = {
            "order_id": order_id,
            "created_at": created_at,
            "status": PaymentStatus.PENDING.value,
        }
        result = await self._insert(payments, values)  # the unique key: see domain.py
        return Payment(inserted_id(result), order_id, created_at)

    async def for_order(self, order_id: str) -> Payment | None:
        # FOR UPDATE: two replicas handling the two halves of one order take turns, each
        # reading what the other saved. A backstop of the rule in payment/domain.py
        # ("Deducted once, and only when cooked").
        row = await self._row(payments, {"order_id": order_id}, lock=True)
        return None if row is None else _payment(dict(row))

    async def save(self, payment: Payment) -> None:
        values = to_row(payment, payments, without=("payment_id", "order_id", "created_at"))
        await self._update(payments, {"payment_id": payment.payment_id}, values)

    async def of_employee(self, employee_card_no: str) -> list[Payment]:
        # A payment cancelled before its OrderPlaced arrived knows its card but not yet its
        # amount; it is listed once the order has caught up.
        query = (
            select(payments)
            .where(
                (payments.c.employee_card_no == employee_card_no) & payments.c.amount.is_not(None)
            )
            .order_by(payments.c.payment_id)
        )
        return [_payment(row._asdict()) for row in await self._conn.execute(query)]

    async def payroll(self, pay_period: str) -> list[tuple[str, str, int, int]]:
        query = (
            select(
                payments.c.employee_card_no,
                employees.c.name,
                func.count(payments.c.payment_id),
                func.sum(payments.c.amount),
            )
            .join(employees, employees.c.employee_card_no == payments.c.employee_card_no)
            .where(
                (payments.c.pay_period == pay_period)
                & (payments.c.status == PaymentStatus.DEDUCTED.value)
            )
            .group_by(payments.c.employee_card_no, employees.c.name)
            .order_by(payments.c.employee_card_no)
        )
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in await self._conn.execute(query)]


def _payment(row: Mapping[str, Any]) -> Payment:
    """A payment from its flat row: the order's terms and the deduction as the values the
    domain holds them in (the row's columns are the payment's flat properties)."""
    card: str | None = row["employee_card_no"]
    amount: int | None = row["amount"]
    deducted_at: datetime | None = row["deducted_at"]
    return dataclasses.replace(
        from_row(Payment, row),
        terms=None if card is None or amount is None else OrderTerms(card, amount),
        card_from_cancel=card if amount is None else None,
        deduction=None if deducted_at is None else Deduction(row["pay_period"], deducted_at),
    )


class SqlPaymentUnitOfWork(SqlUnitOfWork):
    employees: EmployeeRepository
    payments: PaymentRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.employees = EmployeeRepository(connection)
        self.payments = PaymentRepository(connection)
