"""Payment's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.payment import adapters
from erestaurant.platform.uow import SqlUnitOfWork


class PaymentUnitOfWork(SqlUnitOfWork):
    employees: adapters.EmployeeRepository
    payments: adapters.PaymentRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.employees = adapters.EmployeeRepository(connection)
        self.payments = adapters.PaymentRepository(connection)
