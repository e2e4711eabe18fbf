"""Hall's HTTP API under /halls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Response, status
from pydantic import Field, StrictInt, StrictStr

from erestaurant.contracts.statuses import OrderStatus
from erestaurant.hall import handlers
from erestaurant.hall.domain import (
    CardDeactivated,
    IdempotencyKeyReused,
    Order,
    OrderNotCancellable,
    PinLocked,
    PinNotSet,
    PinRequired,
    UnknownCard,
    WrongPin,
)
from erestaurant.hall.kitchen_client import (
    Kitchen,
    KitchenBusy,
    KitchenCall,
    KitchenRefused,
    KitchenUnavailable,
)
from erestaurant.hall.pins import PinCheck
from erestaurant.hall.unit_of_work import HallUnitOfWork
from erestaurant.platform import clock
from erestaurant.platform.access import Principal, Role
from erestaurant.platform.errors import (
    EVERY_ROUTE,
    ApiError,
    Conflict,
    ErrorTable,
    NotFound,
    TooManyRequests,
    Unavailable,
    Unprocessable,
    answers,
)
from erestaurant.platform.schema import Camel, CardNo, Id
from erestaurant.platform.security import Access

OrderId = Annotated[str, Path(max_length=64)]


class NewOrder(Camel):
    employee_card_no: CardNo
    menu_id: Id
    qty: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    # Any string: with HALL_KIOSK_PIN off it is ignored, and a PIN of another shape is
    # simply wrong. Write-only: no answer carries it.
    pin: Annotated[
        StrictStr | None,
        Field(
            max_length=32,
            description="The employee's PIN, where kiosks ask for one (HALL_KIOSK_PIN)",
            json_schema_extra={"writeOnly": True},
        ),
    ] = None


class OrderOut(Camel):
    order_id: str
    employee_card_no: str
    menu_id: int
    menu_name: str
    qty: int
    amount: int
    status: OrderStatus
    ordered_at: datetime
    updated_at: datetime | None


# What it means for the caller that the kitchen cannot answer a call of hall's.
_KITCHEN_DOWN: dict[KitchenCall, str] = {
    "reserve": "orders are paused",
    "cancel": "cannot cancel now",
}


def _kitchen_down(exc: KitchenUnavailable) -> ApiError:
    # Busy is the kitchen taking no new orders; a cancel it cannot take is unavailable.
    busy = isinstance(exc, KitchenBusy) and exc.call == "reserve"
    return Unavailable(
        f"{_KITCHEN_DOWN[exc.call]}: {exc}",
        code="KITCHEN_BUSY" if busy else "KITCHEN_UNAVAILABLE",
        retry_after=exc.retry_after,
    )


def _pin_locked(exc: PinLocked) -> ApiError:
    # 429 with Retry-After, as for any caller that must wait: 423 is not used by the project.
    wait = exc.seconds_left(clock.now())
    return TooManyRequests(str(exc), code="PIN_LOCKED", headers={"Retry-After": str(wait)})


def _visible(order: Order, who: Principal) -> bool:
    """An order is the business of whoever placed it (a kiosk), of the employee who ate it,
    and of an admin; to anyone else it does not exist."""
    return (
        who.is_admin
        or order.placed_by == who.subject
        or (Role.EMPLOYEE in who.roles and who.may_see_card(order.employee_card_no))
    )


# How this service's domain errors, and the kitchen's, are answered (registered once on
# the app; an entry covers the error's subclasses).
ERRORS: ErrorTable = {
    UnknownCard: lambda exc: Unprocessable(
        str(exc), code="UNKNOWN_CARD", employeeCardNo=exc.employee_card_no
    ),
    CardDeactivated: lambda exc: Unprocessable(
        str(exc), code="CARD_DEACTIVATED", employeeCardNo=exc.employee_card_no
    ),
    PinRequired: lambda exc: Unprocessable(str(exc), code="PIN_REQUIRED"),
    PinNotSet: lambda exc: Unprocessable(str(exc), code="PIN_NOT_SET"),
    WrongPin: lambda exc: Unprocessable(str(exc), code="WRONG_PIN", triesLeft=exc.tries_left),
    PinLocked: _pin_locked,
    IdempotencyKeyReused: lambda exc: Unprocessable(str(exc), code="IDEMPOTENCY_KEY_REUSED"),
    handlers.OrderNotFound: lambda exc: NotFound(str(exc)),
    OrderNotCancellable: lambda exc: Conflict(str(exc), code="COOKING_STARTED"),
    # The kitchen's refusal, with its code: SOLD_OUT, NOT_ON_MENU, COOKING_STARTED, ...
    KitchenRefused: lambda exc: Conflict(exc.message or exc.code, code=exc.code),
    KitchenUnavailable: _kitchen_down,
}


def router(
    uow: Callable[[], HallUnitOfWork],
    kitchen: Kitchen,
    access: Access,
    check_pin: PinCheck | None = None,
) -> APIRouter:
    """Hall's routes; ``check_pin`` if kiosks ask for the employee's PIN (HALL_KIOSK_PIN)."""
    api = APIRouter(prefix="/halls", tags=["hall"], responses=answers(*EVERY_ROUTE))
    kiosk = access.allow(Role.KIOSK)
    kiosk_or_employee = access.allow(Role.KIOSK, Role.EMPLOYEE)

    async def visible_order(order_id: str, who: Principal) -> Order:
        order = await handlers.get_order(order_id, uow())
        if not _visible(order, who):
            raise handlers.OrderNotFound(order_id)
        return order

    @api.post(
        "/orders",
        status_code=status.HTTP_201_CREATED,
        response_model=OrderOut,
        responses={
            **answers(409, 503),
            429: answers(429)[429] | {"description": "Too many wrong PINs for the card"},
        },
    )
    async def place_order(
        body: NewOrder,
        response: Response,
        who: Principal = kiosk,
        idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
    ) -> OrderOut:
        cmd = handlers.PlaceOrder(
            body.employee_card_no, body.menu_id, body.qty, idempotency_key, who.subject, body.pin
        )
        order, created = await handlers.place_order(cmd, uow(), kitchen, check_pin)
        if not created:
            response.headers["Idempotent-Replayed"] = "true"
        return OrderOut.model_validate(order)

    @api.get("/orders/{order_id}", response_model=OrderOut, responses=answers(404))
    async def get_order(order_id: OrderId, who: Principal = kiosk_or_employee) -> OrderOut:
        return OrderOut.model_validate(await visible_order(order_id, who))

    @api.post(
        "/orders/{order_id}/cancel", response_model=OrderOut, responses=answers(404, 409, 503)
    )
    async def cancel_order(order_id: OrderId, who: Principal = kiosk_or_employee) -> OrderOut:
        await visible_order(order_id, who)
        return OrderOut.model_validate(await handlers.cancel_order(order_id, uow(), kitchen))

    return api
