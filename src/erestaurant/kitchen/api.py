"""Kitchen's HTTP API under /kitchens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import Field, StrictInt, StrictStr
from sqlalchemy.exc import IntegrityError

from erestaurant.kitchen import handlers
from erestaurant.kitchen.domain import (
    Admission,
    AtCapacity,
    CookingAlreadyStarted,
    CookStatus,
    IllegalCookTransition,
    NotOnMenu,
    ReservationMismatch,
    ReservationStatus,
    SoldOut,
)
from erestaurant.kitchen.unit_of_work import KitchenUnitOfWork
from erestaurant.platform import clock
from erestaurant.platform.access import Role
from erestaurant.platform.errors import (
    EVERY_ROUTE,
    Conflict,
    NotFound,
    Unavailable,
    answers,
    with_code,
)
from erestaurant.platform.schema import Camel, Id
from erestaurant.platform.security import Access

CookId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OrderId = Annotated[str, Path(max_length=64)]


class NewMenu(Camel):
    name: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    price: Annotated[StrictInt, Field(ge=0, le=1_000_000)]
    daily_portions: Annotated[StrictInt, Field(ge=0, le=100_000)]


class MenuOut(Camel):
    menu_id: int
    name: str
    price: int
    daily_portions: int
    remaining: int


class CookOut(Camel):
    cook_id: int
    order_id: str
    menu_id: int
    menu_name: str
    qty: int
    status: CookStatus
    received_at: datetime
    cooked_at: datetime | None


class CookChange(Camel):
    status: Literal["COOKING", "COOKED"]


class ReservationIn(Camel):
    order_id: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    menu_id: Id
    qty: Annotated[StrictInt, Field(ge=1, le=100)]


class ReservationOut(Camel):
    order_id: str
    menu_id: int
    menu_name: str
    price: int
    qty: int
    amount: int
    status: ReservationStatus
    reserved_at: datetime


SoldOutError = with_code(Conflict, "SOLD_OUT")
NotOnMenuError = with_code(Conflict, "NOT_ON_MENU")
IllegalTransitionError = with_code(Conflict, "ILLEGAL_TRANSITION")
CookingStartedError = with_code(Conflict, "COOKING_STARTED")
ReservationMismatchError = with_code(Conflict, "RESERVATION_MISMATCH")
BusyError = with_code(Unavailable, "KITCHEN_BUSY")


def router(
    uow: Callable[[], KitchenUnitOfWork],
    timezone: str,
    admission: Admission,
    busy_retry_after: int,
    access: Access,
    reservation_audience: str,
) -> APIRouter:
    api = APIRouter(prefix="/kitchens", tags=["kitchen"], responses=answers(*EVERY_ROUTE))
    kitchen = access.allow(Role.KITCHEN)
    anyone = access.allow(Role.KIOSK, Role.EMPLOYEE, Role.KITCHEN, Role.PAYROLL)
    hall = access.service(Role.RESERVE_PORTIONS, reservation_audience)

    @api.post(
        "/menus",
        status_code=status.HTTP_201_CREATED,
        response_model=MenuOut,
        dependencies=[kitchen],
    )
    async def register_menu(body: NewMenu) -> MenuOut:
        menu = await handlers.register_menu(
            handlers.RegisterMenu(body.name, body.price, body.daily_portions), uow()
        )
        assert menu.menu_id is not None
        return MenuOut(
            menu_id=menu.menu_id,
            name=menu.name,
            price=menu.price,
            daily_portions=menu.daily_portions,
            remaining=menu.daily_portions,
        )

    @api.get("/menus", response_model=list[MenuOut], dependencies=[anyone])
    async def list_menus() -> list[MenuOut]:
        today = clock.business_day(clock.now(), timezone)
        async with uow() as tx:
            rows = await tx.menus.list_with_reserved(today)
        return [
            MenuOut(
                menu_id=menu.menu_id or 0,
                name=menu.name,
                price=menu.price,
                daily_portions=menu.daily_portions,
                remaining=max(menu.daily_portions - reserved, 0),
            )
            for menu, reserved in rows
        ]

    @api.get("/cooks", response_model=list[CookOut], dependencies=[kitchen])
    async def list_cooks(
        status: CookStatus | None = None,
        order_id: Annotated[str | None, Query(alias="orderId", max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[CookOut]:
        async with uow() as tx:
            tickets = await tx.tickets.list(status, limit, order_id)
        return [CookOut.model_validate(t) for t in tickets]

    @api.get(
        "/cooks/{cook_id}", response_model=CookOut, responses=answers(404), dependencies=[kitchen]
    )
    async def get_cook(cook_id: CookId) -> CookOut:
        async with uow() as tx:
            ticket = await tx.tickets.get(cook_id)
        if ticket is None:
            raise NotFound(f"no cooking ticket {cook_id}")
        return CookOut.model_validate(ticket)

    @api.patch(
        "/cooks/{cook_id}",
        response_model=CookOut,
        responses=answers(404, 409),
        dependencies=[kitchen],
    )
    async def change_cook(cook_id: CookId, body: CookChange) -> CookOut:
        try:
            ticket = await handlers.change_cook_status(cook_id, CookStatus(body.status), uow())
        except handlers.TicketNotFound as exc:
            raise NotFound(str(exc)) from None
        except IllegalCookTransition as exc:
            raise IllegalTransitionError(str(exc)) from None
        return CookOut.model_validate(ticket)

    # -- the synchronous calls hall makes (Req/Resp) ----------------------------------------

    @api.post(
        "/reservations",
        response_model=ReservationOut,
        status_code=201,
        responses={
            200: {"model": ReservationOut, "description": "Reserved before for this order"},
            **answers(409, 503),
        },
        dependencies=[hall],
    )
    async def reserve(body: ReservationIn, response: Response) -> ReservationOut:
        cmd = handlers.ReservePortions(body.order_id, body.menu_id, body.qty)
        try:
            try:
                reservation, created = await handlers.reserve_portions(
                    cmd, uow(), timezone, admission
                )
            except IntegrityError:
                # The same order id raced in twice: the first one won, answer with it.
                reservation, created = await handlers.reserve_portions(
                    cmd, uow(), timezone, admission
                )
        except AtCapacity as exc:
            raise BusyError(str(exc), retry_after=busy_retry_after) from None
        except SoldOut as exc:
            raise SoldOutError(str(exc), menuId=body.menu_id) from None
        except NotOnMenu as exc:
            raise NotOnMenuError(str(exc), menuId=body.menu_id) from None
        except ReservationMismatch as exc:
            raise ReservationMismatchError(str(exc)) from None
        if not created:
            response.status_code = status.HTTP_200_OK
        return ReservationOut.model_validate(reservation)

    @api.post(
        "/reservations/{order_id}/cancel",
        response_model=ReservationOut,
        responses=answers(404, 409),
        dependencies=[hall],
    )
    async def cancel_reservation(order_id: OrderId) -> ReservationOut:
        try:
            reservation = await handlers.cancel_for_order(order_id, uow())
        except handlers.ReservationNotFound as exc:
            raise NotFound(str(exc)) from None
        except CookingAlreadyStarted as exc:
            raise CookingStartedError(str(exc)) from None
        return ReservationOut.model_validate(reservation)

    return api
