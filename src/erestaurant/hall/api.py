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
    Unavailable,
    Unprocessable,
    answers,
    with_code,
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


UnknownCardError = with_code(Unprocessable, "UNKNOWN_CARD")
CardDeactivatedError = with_code(Unprocessable, "CARD_DEACTIVATED")
PinRequiredError = with_code(Unprocessable, "PIN_REQUIRED")
PinNotSetError = with_code(Unprocessable, "PIN_NOT_SET")
WrongPinError = with_code(Unprocessable, "WRONG_PIN")
KeyReusedError = with_code(Unprocessable, "IDEMPOTENCY_KEY_REUSED")
NotCancellableError = with_code(Conflict, "COOKING_STARTED")
KitchenDownError = with_code(Unavailable, "KITCHEN_UNAVAILABLE")
KitchenBusyError = with_code(Unavailable, "KITCHEN_BUSY")
_KITCHEN_REFUSALS: dict[str, type[ApiError]] = {
    "SOLD_OUT": with_code(Conflict, "SOLD_OUT"),
    "NOT_ON_MENU": with_code(Conflict, "NOT_ON_MENU"),
    "COOKING_STARTED": NotCancellableError,
}


class PinLockedError(ApiError):
    # 429 with Retry-After, as for any caller that must wait: 423 is not used by the project.
    status_code = 429
    code = "PIN_LOCKED"


def _kitchen_refusal(exc: KitchenRefused) -> ApiError:
    kind = _KITCHEN_REFUSALS.get(exc.code, with_code(Conflict, exc.code))
    return kind(exc.message or exc.code)


# What it means for the caller that the kitchen cannot answer a call of hall's.
_KITCHEN_DOWN: dict[KitchenCall, str] = {
    "reserve": "orders are paused",
    "cancel": "cannot cancel now",
}


def _kitchen_down(exc: KitchenUnavailable) -> ApiError:
    # Busy is the kitchen taking no new orders; a cancel it cannot take is unavailable.
    busy = isinstance(exc, KitchenBusy) and exc.call == "reserve"
    kind = KitchenBusyError if busy else KitchenDownError
    return kind(f"{_KITCHEN_DOWN[exc.call]}: {exc}", retry_after=exc.retry_after)


def _pin_locked(exc: PinLocked) -> ApiError:
    wait = exc.seconds_left(clock.now())
    return PinLockedError(str(exc), headers={"Retry-After": str(wait)})


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
    UnknownCard: lambda exc: UnknownCardError(str(exc), employeeCardNo=exc.employee_card_no),
    CardDeactivated: lambda exc: CardDeactivatedError(
        str(exc), employeeCardNo=exc.employee_card_no
    ),
    PinRequired: lambda exc: PinRequiredError(str(exc)),
    PinNotSet: lambda exc: PinNotSetError(str(exc)),
    WrongPin: lambda exc: WrongPinError(str(exc), triesLeft=exc.tries_left),
    PinLocked: _pin_locked,
    IdempotencyKeyReused: lambda exc: KeyReusedError(str(exc)),
    handlers.OrderNotFound: lambda exc: NotFound(str(exc)),
    OrderNotCancellable: lambda exc: NotCancellableError(str(exc)),
    KitchenRefused: _kitchen_refusal,
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
