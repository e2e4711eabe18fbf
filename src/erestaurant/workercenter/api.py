"""Workercenter's HTTP API under /workercenters: reads only, from its own table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path

from erestaurant.platform.access import Principal, Role
from erestaurant.platform.errors import ErrorTable, NotFound
from erestaurant.platform.schema import Camel
from erestaurant.platform.security import Access
from erestaurant.platform.web import employee_list, employee_router
from erestaurant.workercenter.domain import MyPageRow
from erestaurant.workercenter.unit_of_work import WorkercenterUnitOfWork


class MyPageOut(Camel):
    order_id: str
    employee_card_no: str | None
    menu_name: str | None
    qty: int | None
    amount: int | None
    order_status: str | None
    cook_status: str | None
    payment_status: str | None
    notified: bool
    updated_at: datetime


# How this service's domain errors are answered (registered once on the app).
ERRORS: ErrorTable = {}


def router(uow: Callable[[], WorkercenterUnitOfWork], access: Access) -> APIRouter:
    api = employee_router("/workercenters", "workercenter")
    employee = access.allow(Role.EMPLOYEE)

    @employee_list(api, access, uow, "/mypages", MyPageOut, whose="orders")
    async def my_pages(tx: WorkercenterUnitOfWork, card: str, limit: int) -> list[MyPageRow]:
        return await tx.mypages.of_employee(card, limit)

    @api.get("/mypages/{order_id}", response_model=MyPageOut)
    async def my_page(
        order_id: Annotated[str, Path(max_length=64)], who: Principal = employee
    ) -> MyPageOut:
        async with uow() as tx:
            row = await tx.mypages.get(order_id)
        if row is None or not (who.is_admin or who.may_see_card(row.employee_card_no)):
            raise NotFound(f"no order {order_id} in the view (yet)")
        return MyPageOut.model_validate(row)

    return api
