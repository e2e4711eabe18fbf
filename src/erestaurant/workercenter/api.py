"""Workercenter's HTTP API under /workercenters: reads only, from its own table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from erestaurant.platform.errors import NotFound
from erestaurant.platform.schema import Camel
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


def router(uow: Callable[[], WorkercenterUnitOfWork]) -> APIRouter:
    api = APIRouter(prefix="/workercenters", tags=["workercenter"])

    @api.get("/mypages", response_model=list[MyPageOut])
    async def my_pages(
        employee_card_no: Annotated[
            str, Query(alias="employeeCardNo", min_length=1, max_length=32)
        ],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[MyPageOut]:
        async with uow() as tx:
            return [
                MyPageOut.model_validate(r)
                for r in await tx.mypages.of_employee(employee_card_no, limit)
            ]

    @api.get("/mypages/{order_id}", response_model=MyPageOut)
    async def my_page(order_id: str) -> MyPageOut:
        async with uow() as tx:
            row = await tx.mypages.get(order_id)
        if row is None:
            raise NotFound(f"no order {order_id} in the view (yet)")
        return MyPageOut.model_validate(row)

    return api
