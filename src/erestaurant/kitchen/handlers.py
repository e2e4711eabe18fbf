"""Kitchen's use cases: plain functions over its unit of work (the port in unit_of_work.py).

Command handlers open and commit their own transaction; event handlers run inside the one
the consumer opened for them (with the inbox row), and never commit.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from erestaurant.contracts import OrderCancelled, OrderPlaced
from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen.domain import (
    Admission,
    CookTicket,
    DailyStock,
    KitchenError,
    Menu,
    MenuToday,
    NotOnMenu,
    Reservation,
    ReservationMismatch,
)
from erestaurant.kitchen.events import publish
from erestaurant.kitchen.unit_of_work import KitchenUnitOfWork
from erestaurant.platform import clock
from erestaurant.platform.consumer import Handlers
from erestaurant.platform.domain import Command, Duplicate, found

log = logging.getLogger(__name__)


class TicketNotFound(KitchenError, LookupError):
    pass


class ReservationNotFound(KitchenError, LookupError):
    pass


class MenuNotFound(KitchenError, LookupError):
    pass


class RegisterMenu(Command):
    name: str
    price: int
    daily_portions: int


class ChangeMenu(Command):
    """The kitchen staff change a menu; None leaves a term as it is."""

    menu_id: int
    price: int | None = None
    daily_portions: int | None = None
    on_menu: bool | None = None


class ReservePortions(Command):
    order_id: str
    menu_id: int
    qty: int


async def register_menu(cmd: RegisterMenu, uow: KitchenUnitOfWork) -> Menu:
    async with uow:
        menu = await uow.menus.add(Menu(cmd.name, cmd.price, cmd.daily_portions))
        menu.registered(clock.now())
        publish(uow, menu)
        await uow.commit()
    log.info(
        "menu %s registered: %s at %d won, %d a day",
        menu.menu_id,
        menu.name,
        menu.price,
        menu.daily_portions,
    )
    return menu


async def change_menu(cmd: ChangeMenu, uow: KitchenUnitOfWork, timezone: str) -> MenuToday:
    """Change a menu's price, daily portions or place on the menu, and tell the screens.

    The menu and today's stock are locked while a cut is checked against what is reserved,
    and a reservation locks the menu too, so none slips in between. The same change twice
    changes (and publishes) nothing.
    """
    async with uow:
        menu = found(await uow.menus.get(cmd.menu_id), MenuNotFound(f"no menu {cmd.menu_id}"))
        now = clock.now()
        stock = await uow.stock.get_for_update(menu, clock.business_day(now, timezone))
        changed = menu.change(
            now,
            stock.reserved,
            price=cmd.price,
            daily_portions=cmd.daily_portions,
            on_menu=cmd.on_menu,
        )
        if changed:
            await uow.menus.save(menu)
            publish(uow, menu)
            await uow.commit()
            log.info(
                "menu %s changed: %d won, %d a day, %s",
                menu.menu_id,
                menu.price,
                menu.daily_portions,
                "on the menu" if menu.on_menu else "off the menu",
            )
    return MenuToday(menu, stock.reserved)


async def reserve_portions(
    cmd: ReservePortions, uow: KitchenUnitOfWork, timezone: str, admission: Admission
) -> tuple[Reservation, bool]:
    """Set portions aside for an order; the same order id gets the same reservation back.

    Returns the reservation and whether it was made now (False: an earlier call made it).
    A new order is refused while the kitchen is at capacity (surge protection).
    """
    try:
        return await _reserve(cmd, uow, timezone, admission)
    except Duplicate:
        # The same order id raced in twice: the first one won, answer with it.
        return await _reserve(cmd, uow, timezone, admission)


async def _reserve(
    cmd: ReservePortions, uow: KitchenUnitOfWork, timezone: str, admission: Admission
) -> tuple[Reservation, bool]:
    async with uow:
        existing = await uow.reservations.get(cmd.order_id)
        if existing is not None:
            if not existing.same_request(cmd.menu_id, cmd.qty):
                raise ReservationMismatch(f"order {cmd.order_id} was reserved for another meal")
            if not existing.expired:
                return existing, False
        menu = await uow.menus.get(cmd.menu_id)
        if menu is None or not menu.on_menu:
            raise NotOnMenu(cmd.menu_id)
        if existing is None:
            await _admit(admission, uow)
        now = clock.now()
        stock = await uow.stock.get_for_update(menu, clock.business_day(now, timezone))
        stock.reserve(cmd.qty)
        await uow.stock.save(stock)
        if existing is not None:  # a retry that came after the time-to-live
            existing.hold_again(now, stock.day)
            await uow.reservations.save(existing)
            await uow.commit()
            return existing, False
        reservation = Reservation.hold(
            cmd.order_id, cmd.menu_id, menu.name, menu.price, cmd.qty, stock.day, now
        )
        await uow.reservations.add(reservation)
        await uow.commit()
    return reservation, True


async def _admit(admission: Admission, uow: KitchenUnitOfWork) -> None:
    """Raise AtCapacity if surge protection refuses new orders now."""
    was_paused = admission.paused
    admitted = admission.admits(await _open_orders(uow))
    if admission.paused != was_paused:
        if admission.paused:
            log.warning(
                "surge protection: %d open orders, new orders paused", admission.open_orders
            )
        else:
            log.warning("surge protection: %d open orders, orders resumed", admission.open_orders)
    if not admitted:
        raise admission.refusal()


async def _open_orders(uow: KitchenUnitOfWork) -> int:
    """Orders the kitchen has taken and not finished: tickets to cook, and reservations
    whose order is about to arrive."""
    return await uow.tickets.count_open() + await uow.reservations.count_held()


async def expire_reservations(uow: KitchenUnitOfWork, ttl_seconds: float) -> int:
    """Give back the portions of reservations no order came for within the time-to-live
    (hall died between reserving and committing). The number given back."""
    async with uow:
        stale = await uow.reservations.held_before(clock.now() - timedelta(seconds=ttl_seconds))
        for reservation in stale:
            reservation.expire()
            await _give_back(reservation, uow)
        await uow.commit()
    for reservation in stale:
        log.warning(
            "reservation of order %s expired: %d portion(s) back",
            reservation.order_id,
            reservation.qty,
        )
    return len(stale)


async def cancel_for_order(order_id: str, uow: KitchenUnitOfWork) -> Reservation:
    """Hall cancels an order: cancel its ticket (if any yet) and release its portions.

    The kitchen decides between a cancel and the start of cooking, because both change the
    ticket: a ticket already cooking raises CookingAlreadyStarted and nothing changes.
    """
    async with uow:
        reservation = found(
            await uow.reservations.get(order_id),
            ReservationNotFound(f"no reservation for order {order_id}"),
        )
        await _cancel(reservation, await uow.tickets.for_order(order_id), uow)
        await uow.commit()
    return reservation


async def change_cook_status(
    cook_id: int, target: CookStatus, uow: KitchenUnitOfWork
) -> CookTicket:
    async with uow:
        ticket = found(
            await uow.tickets.get(cook_id), TicketNotFound(f"no cooking ticket {cook_id}")
        )
        if ticket.change_to(target, clock.now()):
            await uow.tickets.save(ticket)
            publish(uow, ticket)
            await uow.commit()
    return ticket


# -- event handlers ----------------------------------------------------------------------


async def open_ticket(event: OrderPlaced, uow: KitchenUnitOfWork, timezone: str) -> None:
    """An order was placed: open its cooking ticket (cancelled at once if hall already
    cancelled it before this event arrived)."""
    if await uow.tickets.for_order(event.order_id) is not None:
        return
    reservation = await uow.reservations.get(event.order_id)
    if reservation is None:
        reservation = await _reserve_after_the_fact(event, uow, timezone)
    order = (event.order_id, event.menu_id, event.menu_name, event.qty, clock.now())
    if reservation.released:
        await uow.tickets.add(CookTicket.of_cancelled_order(*order))
        return
    if reservation.expired:
        # The order came after its reservation expired (its event was held up): the
        # employee was told yes, so its portions are counted again and it is cooked.
        log.warning(
            "order %s placed after its reservation expired; counting it again", event.order_id
        )
        await _count_again(reservation, uow)
    reservation.use()
    await uow.reservations.save(reservation)
    ticket = await uow.tickets.add(CookTicket.receive(*order))
    ticket.opened()
    publish(uow, ticket)


async def _reserve_after_the_fact(
    event: OrderPlaced, uow: KitchenUnitOfWork, timezone: str
) -> Reservation:
    # Hall always reserves before it commits, so this means the reservation row was lost;
    # the order was accepted all the same, so its portions are counted and it is cooked.
    log.error("order %s placed without a reservation; counting it now", event.order_id)
    day = clock.business_day(event.ordered_at, timezone)
    menu = await uow.menus.get(event.menu_id)
    if menu is not None:
        stock = await uow.stock.get_for_update(menu, day)
        stock.honour(event.qty)
        await uow.stock.save(stock)
    reservation = Reservation.hold(
        event.order_id,
        event.menu_id,
        event.menu_name,
        event.amount // max(event.qty, 1),
        event.qty,
        day,
        event.ordered_at,
    )
    await uow.reservations.add(reservation)
    return reservation


async def confirm_cancellation(event: OrderCancelled, uow: KitchenUnitOfWork) -> None:
    """Hall cancelled an order. Hall asked the kitchen first, so normally this finds the
    ticket already cancelled; it matters when that call was lost half-way."""
    reservation = await uow.reservations.get(event.order_id)
    if reservation is None or reservation.released:
        return
    ticket = await uow.tickets.for_order(event.order_id)
    if ticket is not None and ticket.cooking_started:
        log.error("order %s cancelled in hall but its ticket is %s", event.order_id, ticket.status)
        return
    await _cancel(reservation, ticket, uow)


async def _cancel(
    reservation: Reservation, ticket: CookTicket | None, uow: KitchenUnitOfWork
) -> None:
    """The kitchen's side of a cancelled order, once: ticket cancelled, portions back,
    CookCancelled out. A ticket already cooking raises CookingAlreadyStarted."""
    if ticket is not None and ticket.cancel():
        await uow.tickets.save(ticket)
    if reservation.released:
        return
    if reservation.release(clock.now(), ticket):
        await _give_back(reservation, uow)
    else:  # the time-to-live gave the portions back already
        await uow.reservations.save(reservation)
    publish(uow, reservation)


async def _give_back(reservation: Reservation, uow: KitchenUnitOfWork) -> None:
    await uow.reservations.save(reservation)
    stock = await _stock_of(reservation, uow)
    stock.release(reservation.qty)
    await uow.stock.save(stock)


async def _count_again(reservation: Reservation, uow: KitchenUnitOfWork) -> None:
    stock = await _stock_of(reservation, uow)
    stock.honour(reservation.qty)
    await uow.stock.save(stock)


async def _stock_of(reservation: Reservation, uow: KitchenUnitOfWork) -> DailyStock:
    menu = await uow.menus.get(reservation.menu_id)
    assert menu is not None
    return await uow.stock.get_for_update(menu, reservation.day)


def handlers(timezone: str) -> Handlers:
    """The events the kitchen follows; days are counted in the cafeteria's time zone."""
    return {
        OrderPlaced: functools.partial(open_ticket, timezone=timezone),
        OrderCancelled: confirm_cancellation,
    }
