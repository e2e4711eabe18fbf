"""Workercenter's view in memory."""

from __future__ import annotations

import dataclasses

from erestaurant.workercenter.domain import MyPageRow
from erestaurant.workercenter.unit_of_work import WorkercenterUnitOfWork

from . import FakeUnitOfWork, Table


class FakeMyPages(Table):
    name = "mypages"

    async def get(self, order_id: str) -> MyPageRow | None:
        row: MyPageRow | None = self._select(order_id)
        return row

    async def of_employee(self, employee_card_no: str, limit: int) -> list[MyPageRow]:
        found = self._where(lambda row: row.employee_card_no == employee_card_no)
        return sorted(found, key=lambda r: r.updated_at, reverse=True)[:limit]

    async def save(self, row: MyPageRow, *, new: bool) -> None:
        # The table has no "changed" column: a row read back has changed=False.
        stored = dataclasses.replace(row, changed=False)
        if new:
            self._insert(row.order_id, stored)
        else:
            columns = tuple(f.name for f in dataclasses.fields(MyPageRow) if f.name != "changed")
            self._update(row.order_id, stored, columns)


class FakeWorkercenterUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.mypages = FakeMyPages(self)


def _port(uow: FakeWorkercenterUnitOfWork) -> WorkercenterUnitOfWork:
    return uow
