"""Payment's port: the repositories and the unit of work its handlers and routes need.

payment/adapters.py implements it on SQL (``SqlPaymentUnitOfWork``), tests/unit/fakes in
memory.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from erestaurant.payment.domain import Employee, Payment
from erestaurant.platform.uow import UnitOfWork


class Employees(Protocol):
    async def add(self, employee: Employee) -> None:
        """Keep a new account; Duplicate if the card has one."""

    async def get(self, employee_card_no: str, *, for_update: bool = False) -> Employee | None:
        """The card's account, or None; ``for_update`` locks it until the transaction ends."""

    async def save(self, employee: Employee) -> None:
        """Write the account's fields back (its card is its key and stays)."""

    async def list(self) -> builtins.list[Employee]:
        """Every account, in the order of their cards."""


class Payments(Protocol):
    async def add(self, order_id: str, created_at: datetime) -> Payment:
        """A new pending payment for the order, with the id the store gave it (ids grow);
        Duplicate if the order has one already (see payment/domain.py: deducted once)."""

    async def for_order(self, order_id: str) -> Payment | None:
        """The order's payment, or None; it is locked until the transaction ends (a change
        of another replica waits for this one: see payment/domain.py)."""

    async def save(self, payment: Payment) -> None:
        """Write back what a payment learns and becomes: its terms, cooking, status and
        deduction (its id, order and creation stay)."""

    async def of_employee(self, employee_card_no: str) -> list[Payment]:
        """The card's payments whose amount is known, in the order they were made. A
        payment cancelled before its order arrived is listed once the order has."""

    async def payroll(self, pay_period: str) -> list[tuple[str, str, int, int]]:
        """(card, name, deductions, total) of every employee with deductions in the pay
        period, in the order of their cards; pending and cancelled payments do not count."""


class PaymentUnitOfWork(UnitOfWork, Protocol):
    @property
    def employees(self) -> Employees: ...

    @property
    def payments(self) -> Payments: ...
