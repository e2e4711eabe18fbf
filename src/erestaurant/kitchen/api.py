"""Kitchen's HTTP API under /kitchens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.types import DecoratedCallable
from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen import handlers
from erestaurant.kitchen.domain import (
    Admission,
    AtCapacity,
    CookingAlreadyStarted,
    IllegalCookTransition,
    MenuToday,
    NotOnMenu,
    PortionsBelowReserved,
    ReservationMismatch,
    ReservationStatus,
    SoldOut,
)
from erestaurant.kitchen.unit_of_work import KitchenUnitOfWork
from erestaurant.platform import clock
from erestaurant.platform.access import Principal, Role
from erestaurant.platform.errors import (
    EVERY_ROUTE,
    Conflict,
    ErrorTable,
    NotFound,
    Unavailable,
    answers,
)
from erestaurant.platform.schema import Camel, Id
from erestaurant.platform.security import Access, Forbidden, Limit

CookId = Annotated[int, Path(ge=1, le=2**63 - 1)]
MenuId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Price = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
Portions = Annotated[StrictInt, Field(ge=0, le=100_000)]
OrderId = Annotated[str, Path(max_length=64)]


class NewMenu(Camel):
    name: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    price: Price
    daily_portions: Portions


def _optional_not_nullable(schema: dict[str, Any]) -> None:
    """A change leaves out what it does not change; null is refused (below), so the schema
    does not offer it, and at least one term is needed."""
    for field in schema["properties"].values():
        [kept] = [s for s in field.pop("anyOf") if s.get("type") != "null"]
        field.pop("default", None)
        field.update(kept)
    schema["minProperties"] = 1


class MenuChange(Camel):
    """Any of a menu's terms; what is left out stays as it is."""

    model_config = ConfigDict(json_schema_extra=_optional_not_nullable)

    price: Price | None = None
    daily_portions: Portions | None = None
    on_menu: Annotated[
        StrictBool | None,
        Field(description="false takes the dish off the menu, true puts it back"),
    ] = None

    @field_validator("price", "daily_portions", "on_menu", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("give a value, or leave the field out")
        return value

    @model_validator(mode="after")
    def _something(self) -> MenuChange:
        if not self.model_fields_set:
            raise ValueError("say what to change: price, dailyPortions or onMenu")
        return self


class MenuOut(Camel):
    menu_id: int
    name: str
    price: int
    daily_portions: int
    remaining: int = Field(description="Portions left today")
    on_menu: bool = Field(description="false: taken off the menu, listed only with all=true")


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


def _menu_out(today: MenuToday) -> MenuOut:
    # The menu's own terms, and how many portions are left of it today.
    return MenuOut.model_validate(SimpleNamespace(**vars(today.menu), remaining=today.remaining))


def _flag(alias: str, description: str) -> Any:
    """A query parameter that is true or false, false if left out."""
    return Query(False, alias=alias, description=description)


def _not_found(exc: LookupError) -> NotFound:
    return NotFound(str(exc))


# How this service's domain errors are answered (registered once on the app).
ERRORS: ErrorTable = {
    handlers.MenuNotFound: _not_found,
    handlers.TicketNotFound: _not_found,
    handlers.ReservationNotFound: _not_found,
    PortionsBelowReserved: lambda exc: Conflict(
        str(exc),
        code="PORTIONS_BELOW_RESERVED",
        menuId=exc.menu_id,
        reserved=exc.reserved,
        dailyPortions=exc.asked,
    ),
    SoldOut: lambda exc: Conflict(str(exc), code="SOLD_OUT", menuId=exc.menu_id),
    NotOnMenu: lambda exc: Conflict(str(exc), code="NOT_ON_MENU", menuId=exc.menu_id),
    IllegalCookTransition: lambda exc: Conflict(str(exc), code="ILLEGAL_TRANSITION"),
    CookingAlreadyStarted: lambda exc: Conflict(str(exc), code="COOKING_STARTED"),
    ReservationMismatch: lambda exc: Conflict(str(exc), code="RESERVATION_MISMATCH"),
    AtCapacity: lambda exc: Unavailable(str(exc), code="KITCHEN_BUSY", retry_after=exc.retry_after),
}


def router(
    uow: Callable[[], KitchenUnitOfWork],
    timezone: str,
    admission: Admission,
    access: Access,
    reservation_audience: str,
) -> APIRouter:
    api = APIRouter(prefix="/kitchens", tags=["kitchen"], responses=answers(*EVERY_ROUTE))
    kitchen = access.allow(Role.KITCHEN)
    anyone = access.allow(Role.KIOSK, Role.EMPLOYEE, Role.KITCHEN, Role.PAYROLL)
    hall = access.service(Role.RESERVE_PORTIONS, reservation_audience)

    def kitchen_change(
        path: str, model: type[Camel]
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """PATCH ``path``: kitchen staff change one thing, which may not be there (404) or
        may refuse the change (409)."""
        return api.patch(
            path, response_model=model, responses=answers(404, 409), dependencies=[kitchen]
        )

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
        return _menu_out(MenuToday(menu))

    @api.get("/menus", response_model=list[MenuOut])
    async def list_menus(
        who: Principal = anyone,
        everything: bool = _flag("all", "Also the dishes taken off the menu (kitchen staff only)"),
    ) -> list[MenuOut]:
        # Kiosks and employees see what can be ordered; what was taken off is the
        # kitchen's business, and asking for it is refused rather than quietly ignored.
        if everything and not who.has_any((Role.KITCHEN, Role.ADMIN)):
            raise Forbidden("only the kitchen staff see dishes taken off the menu (all=true)")
        day = clock.business_day(clock.now(), timezone)
        async with uow() as tx:
            menus = await tx.menus.on_day(day)
        return [_menu_out(today) for today in menus if everything or today.menu.on_menu]

    @kitchen_change("/menus/{menu_id}", MenuOut)
    async def change_menu(menu_id: MenuId, body: MenuChange) -> MenuOut:
        cmd = handlers.ChangeMenu(menu_id, body.price, body.daily_portions, body.on_menu)
        return _menu_out(await handlers.change_menu(cmd, uow(), timezone))

    @api.get("/cooks", response_model=list[CookOut], dependencies=[kitchen])
    async def list_cooks(
        status: CookStatus | None = None,
        order_id: Annotated[str | None, Query(alias="orderId", max_length=64)] = None,
        limit: Limit = 200,
        newest_first: bool = _flag(
            "newestFirst", "The newest tickets first (the display's recently cancelled)."
        ),
    ) -> list[CookOut]:
        async with uow() as tx:
            tickets = await tx.tickets.list(status, limit, order_id, newest_first)
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

    @kitchen_change("/cooks/{cook_id}", CookOut)
    async def change_cook(cook_id: CookId, body: CookChange) -> CookOut:
        ticket = await handlers.change_cook_status(cook_id, CookStatus(body.status), uow())
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
        reservation, created = await handlers.reserve_portions(cmd, uow(), timezone, admission)
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
        reservation = await handlers.cancel_for_order(order_id, uow())
        return ReservationOut.model_validate(reservation)

    return api
