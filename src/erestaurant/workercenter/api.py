"""Workercenter's HTTP API under /workercenters: reads only, from its own table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path

from erestaurant.platform.access import Principal, Role
from erestaurant.platform.errors import EVERY_ROUTE, ErrorTable, NotFound, answers
from erestaurant.platform.schema import Camel
from erestaurant.platform.security import Access, Limit, card_query, card_to_read
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
    api = APIRouter(
        prefix="/workercenters", tags=["workercenter"], responses=answers(*EVERY_ROUTE, 404)
    )
    employee = access.allow(Role.EMPLOYEE)

    @api.get("/mypages", response_model=list[MyPageOut])
    async def my_pages(
        who: Principal = employee,
        employee_card_no: str | None = card_query("orders"),
        limit: Limit = 100,
    ) -> list[MyPageOut]:
        card = card_to_read(who, employee_card_no)
        async with uow() as tx:
            return [MyPageOut.model_validate(r) for r in await tx.mypages.of_employee(card, limit)]

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
