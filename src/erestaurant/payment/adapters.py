"""Payment's tables and repositories (SQLAlchemy Core, engine-neutral)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    select,
    update,
)

from erestaurant.contracts.statuses import PaymentStatus
from erestaurant.payment.domain import Employee, Payment
from erestaurant.platform.db import ID, UTCDateTime, inserted_id
from erestaurant.platform.repository import SqlRepository
from erestaurant.platform.tables import ServiceTables

TABLES = ServiceTables()

employees = Table(
    "employees",
    TABLES.metadata,
    Column("employee_card_no", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("deactivated_at", UTCDateTime, nullable=True),
    # The argon2 hash of the employee's kiosk PIN (hall has a copy): never the PIN itself.
    Column("pin_hash", String(255), nullable=True),
)

payments = Table(
    "payments",
    TABLES.metadata,
    Column("payment_id", ID, primary_key=True),
    Column("order_id", String(64), nullable=False),
    Column("employee_card_no", String(32), nullable=True, index=True),
    Column("amount", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("cooked_at", UTCDateTime, nullable=True),
    Column("pay_period", String(7), nullable=True, index=True),
    Column("deducted_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # One payment per order: the second insert for an order fails instead of charging twice.
    UniqueConstraint("order_id"),
)


class EmployeeRepository(SqlRepository):
    async def add(self, employee: Employee) -> None:
        await self._insert(employees, employee.__dict__)

    async def get(self, employee_card_no: str, *, for_update: bool = False) -> Employee | None:
        query = select(employees).where(employees.c.employee_card_no == employee_card_no)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return None if row is None else Employee(**row._mapping)

    async def save(self, employee: Employee) -> None:
        values = dict(employee.__dict__)
        del values["employee_card_no"]
        await self._conn.execute(
            update(employees)
            .where(employees.c.employee_card_no == employee.employee_card_no)
            .values(**values)
        )

    async def list(self) -> list[Employee]:
        query = select(employees).order_by(employees.c.employee_card_no)
        return [Employee(**row._mapping) for row in await self._conn.execute(query)]


class PaymentRepository(SqlRepository):
    async def add(self, payment: Payment) -> Payment:
        values = _row(payment)
        del values["payment_id"]
        result = await self._insert(payments, values)
        payment.payment_id = inserted_id(result)
        return payment

    async def for_order(self, order_id: str) -> Payment | None:
        row = (
            await self._conn.execute(
                select(payments).where(payments.c.order_id == order_id).with_for_update()
            )
        ).first()
        return None if row is None else _payment(row._mapping)

    async def save(self, payment: Payment) -> None:
        values = _row(payment)
        del values["payment_id"], values["order_id"], values["created_at"]
        await self._conn.execute(
            update(payments).where(payments.c.payment_id == payment.payment_id).values(**values)
        )

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
        return [_payment(row._mapping) for row in await self._conn.execute(query)]

    async def payroll(self, pay_period: str) -> list[tuple[str, str, int, int]]:
        """(card, name, deductions, total) for every employee with deductions in the period."""
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


def _row(payment: Payment) -> dict[str, Any]:
    return {**payment.__dict__, "status": payment.status.value}


def _payment(values: Any) -> Payment:
    fields = dict(values)
    fields["status"] = PaymentStatus(fields["status"])
    return Payment(**fields)
