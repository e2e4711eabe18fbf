"""Hall's use cases: placing and cancelling orders, and following the kitchen's progress."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import field

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookStarted,
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
)
from erestaurant.hall.domain import (
    Card,
    HallError,
    IdempotencyKeyReused,
    IllegalOrderTransition,
    Order,
    UnknownCard,
    WrongPin,
)
from erestaurant.hall.events import publish
from erestaurant.hall.kitchen_client import Kitchen
from erestaurant.hall.pins import PinCheck
from erestaurant.hall.unit_of_work import HallUnitOfWork
from erestaurant.platform import clock, failpoints
from erestaurant.platform.consumer import Handlers
from erestaurant.platform.domain import Command, Duplicate, found

log = logging.getLogger(__name__)

# Orders asked for with an Idempotency-Key get an id derived from it, so that retries of
# one tap, even concurrent ones, reserve and commit the same order.
_IDEMPOTENT_ORDERS = uuid.UUID("6f1c6b9e-3f55-4c7e-9d0e-2f4a8e5b7c11")


class OrderNotFound(HallError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"no order {order_id}")
        self.order_id = order_id


class PlaceOrder(Command):
    employee_card_no: str
    menu_id: int
    qty: int = 1
    idempotency_key: str | None = None
    placed_by: str | None = None
    pin: str | None = field(default=None, repr=False)  # never in a log line or a traceback

    def order_id(self) -> str:
        if self.idempotency_key is None:
            return uuid.uuid4().hex
        return uuid.uuid5(_IDEMPOTENT_ORDERS, f"{self.employee_card_no}/{self.idempotency_key}").hex


async def place_order(
    cmd: PlaceOrder, uow: HallUnitOfWork, kitchen: Kitchen, check_pin: PinCheck | None = None
) -> tuple[Order, bool]:
    """Take an order: an active card (and its PIN, if kiosks ask for one: ``check_pin``),
    portions reserved in the kitchen, then commit.

    Returns the order and whether it was created now (False: the key was seen before).
    """
    order_id = cmd.order_id()
    async with uow:
        # A retry of a tap that went through is answered before anything is checked again.
        existing = await _replay(order_id, cmd, uow)
        if existing is not None:
            return existing, False
        card = found(await uow.cards.get(cmd.employee_card_no), UnknownCard(cmd.employee_card_no))
        card.check_may_order()
    if check_pin is not None:
        await _check_pin(cmd, card, uow, check_pin)
    # No transaction is held while the kitchen answers.
    reserved = await kitchen.reserve(order_id, cmd.menu_id, cmd.qty)
    failpoints.hit("hall.after_reserve")
    order = Order.place(
        order_id=order_id,
        employee_card_no=cmd.employee_card_no,
        menu_id=cmd.menu_id,
        menu_name=reserved.menu_name,
        qty=cmd.qty,
        amount=reserved.amount,
        ordered_at=clock.now(),
        placed_by=cmd.placed_by,
    )
    try:
        async with uow:
            await uow.orders.add(order)
            publish(uow, order)
            await uow.commit()
    except Duplicate:
        # A concurrent retry with the same key committed first: answer with its order.
        async with uow:
            existing = await _replay(order_id, cmd, uow)
        if existing is None:
            raise
        return existing, False
    log.info(
        "order %s placed: card %s, %s x%d, %d won",
        order.order_id,
        order.employee_card_no,
        order.menu_name,
        order.qty,
        order.amount,
    )
    return order, True


async def _check_pin(cmd: PlaceOrder, card: Card, uow: HallUnitOfWork, check_pin: PinCheck) -> None:
    """Check the typed PIN outside any transaction (it takes a while), then count it on the
    card's row, locked, so that the tries at every kiosk and replica add up."""
    pin_hash = card.pin_hash_to_check(cmd.pin is not None, clock.now())
    assert cmd.pin is not None  # an order without one was refused just now
    right = await check_pin(pin_hash, cmd.pin)
    async with uow:
        counted = await uow.cards.get(cmd.employee_card_no, for_update=True)
        assert counted is not None  # hall never forgets a card
        tries_left = counted.pin_tried(right, clock.now())
        await uow.cards.save(counted)
        await uow.commit()
    if not right:
        log.warning("wrong PIN for card %s, %d tries left", cmd.employee_card_no, tries_left)
        raise WrongPin(cmd.employee_card_no, tries_left)


async def _replay(order_id: str, cmd: PlaceOrder, uow: HallUnitOfWork) -> Order | None:
    existing = await uow.orders.get(order_id)
    if existing is not None and not existing.is_same_request(
        cmd.employee_card_no, cmd.menu_id, cmd.qty
    ):
        raise IdempotencyKeyReused()
    return existing


async def cancel_order(order_id: str, uow: HallUnitOfWork, kitchen: Kitchen) -> Order:
    """Cancel before cooking. The kitchen rules on the race with the start of cooking."""
    async with uow:
        order = await _get(order_id, uow)
    if not order.check_cancellable():
        return order  # cancelled already
    await kitchen.cancel(order_id)
    async with uow:
        order = await _get(order_id, uow)
        if order.cancel(clock.now()):
            await uow.orders.save(order)
            publish(uow, order)
            await uow.commit()
    log.info("order %s cancelled", order_id)
    return order


async def get_order(order_id: str, uow: HallUnitOfWork) -> Order:
    async with uow:
        return await _get(order_id, uow)


async def _get(order_id: str, uow: HallUnitOfWork) -> Order:
    return found(await uow.orders.get(order_id), OrderNotFound(order_id))


# -- event handlers ----------------------------------------------------------------------


async def _card(employee_card_no: str, uow: HallUnitOfWork) -> Card:
    """The card, locked for this change; a card hall has not heard of yet is added bare."""
    card = await uow.cards.get(employee_card_no, for_update=True)
    if card is None:
        card = Card(employee_card_no)
        await uow.cards.add(card)
    return card


async def learn_card(event: EmployeeRegistered, uow: HallUnitOfWork) -> None:
    card = await _card(event.employee_card_no, uow)
    if card.learn_registered(event.name, event.registered_at):
        await uow.cards.save(card)
        log.info("card %s registered; it may order: %s", event.employee_card_no, card.active)


async def learn_card_deactivated(event: EmployeeDeactivated, uow: HallUnitOfWork) -> None:
    card = await _card(event.employee_card_no, uow)
    if card.learn_deactivated(event.deactivated_at):
        await uow.cards.save(card)
        log.info("card %s deactivated; it may order: %s", event.employee_card_no, card.active)


async def learn_pin(event: EmployeePinSet, uow: HallUnitOfWork) -> None:
    card = await _card(event.employee_card_no, uow)
    if card.learn_pin(event.pin_hash, event.set_at):
        await uow.cards.save(card)
        log.info("card %s has a new PIN", event.employee_card_no)


async def _follow_kitchen(
    order_id: str, uow: HallUnitOfWork, move: Callable[[Order], bool]
) -> bool:
    """Apply the kitchen's progress to an order and publish what it recorded; whether it
    changed.

    An event that cannot apply (an unknown or cancelled order) is logged and consumed, not
    retried: no redelivery would make it apply.
    """
    order = await uow.orders.get(order_id)
    if order is None:
        log.error("the kitchen reports on unknown order %s", order_id)
        return False
    try:
        changed = move(order)
    except IllegalOrderTransition as exc:
        log.error("order %s: %s", order_id, exc)
        return False
    if changed:
        await uow.orders.save(order)
        publish(uow, order)
    return changed


async def mark_cooking(event: CookStarted, uow: HallUnitOfWork) -> None:
    await _follow_kitchen(event.order_id, uow, lambda o: o.start_cooking(event.started_at))


async def complete_order(event: Cooked, uow: HallUnitOfWork) -> None:
    if await _follow_kitchen(event.order_id, uow, lambda o: o.complete(event.cooked_at)):
        log.info("order %s completed", event.order_id)


async def follow_kitchen_cancel(event: CookCancelled, uow: HallUnitOfWork) -> None:
    """The kitchen cancelled a ticket. Normally hall asked for it and is already cancelled;
    if hall died between the kitchen's answer and its own commit, this finishes the job."""
    order = await uow.orders.get(event.order_id)
    if order is not None and order.kitchen_cancelled(event.cancelled_at):
        await uow.orders.save(order)
        publish(uow, order)


HANDLERS: Handlers = {
    EmployeeRegistered: learn_card,
    EmployeeDeactivated: learn_card_deactivated,
    EmployeePinSet: learn_pin,
    CookStarted: mark_cooking,
    Cooked: complete_order,
    CookCancelled: follow_kitchen_cancel,
}
