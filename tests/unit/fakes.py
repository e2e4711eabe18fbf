"""In-memory stand-ins for each service's database, outbox and inbox, and for the kitchen.

They mirror ``platform.uow.UnitOfWork`` and the SQL repositories closely enough that a handler
cannot tell the difference:

- a repository works only inside ``async with uow``; rows are copied in and out, so changing
  an object changes nothing until it is saved, and ``save`` writes the same columns the SQL
  ``UPDATE`` writes;
- whatever was not committed when the ``async with`` block ends is rolled back, inbox rows
  included; emitted events reach ``published`` only on commit (rule 3);
- a duplicate key raises SQLAlchemy's IntegrityError, as the database would, and a naive
  datetime is refused, as the UTCDateTime column type would.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy.exc import IntegrityError

from erestaurant.contracts import Envelope, IntegrationEvent
from erestaurant.hall.domain import Card, Order
from erestaurant.hall.kitchen_client import KitchenRefused, KitchenUnavailable, Reserved
from erestaurant.kitchen.domain import (
    CookStatus,
    CookTicket,
    DailyStock,
    Menu,
    Reservation,
    ReservationStatus,
)
from erestaurant.notification.domain import Message
from erestaurant.payment.domain import Employee, Payment
from erestaurant.workercenter.domain import MyPageRow

EventHandler = Callable[[Any, Any], Awaitable[None]]


# -- the unit of work ----------------------------------------------------------------------


class FakeUnitOfWork:
    """One transaction over in-memory tables, with an outbox (``published``) and an inbox."""

    def __init__(self) -> None:
        self.published: list[IntegrationEvent] = []  # the outbox: committed events only
        self.commits = 0
        self.inbox: set[str] = set()
        self._pending: list[IntegrationEvent] = []
        self._baseline: dict[str, Any] | None = None

    # the transaction

    async def __aenter__(self) -> Self:
        if self._baseline is not None:
            raise RuntimeError("a unit of work is not re-entrant")
        self._pending = []
        self._baseline = self._state()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        baseline, self._baseline = self._baseline, None
        if baseline is not None:
            self._restore(baseline)  # whatever was not committed is lost
        self._pending = []

    def require_transaction(self) -> None:
        if self._baseline is None:
            raise RuntimeError("unit of work used outside 'async with'")

    def emit(self, event: IntegrationEvent) -> None:
        self.require_transaction()
        event.to_payload()  # it must serialise, as the real outbox does at once
        self._pending.append(event)

    async def mark_handled(self, envelope: Envelope) -> bool:
        self.require_transaction()
        if envelope.event_id in self.inbox:
            return False
        self.inbox.add(envelope.event_id)
        return True

    async def commit(self) -> None:
        self.require_transaction()
        self.published.extend(self._pending)
        self._pending = []
        self.commits += 1
        self._baseline = self._state()

    async def rollback(self) -> None:
        self.require_transaction()
        assert self._baseline is not None
        self._pending = []
        self._restore(self._baseline)

    # what tests look at

    def published_of(self, event_type: type[IntegrationEvent]) -> list[Any]:
        return [event for event in self.published if isinstance(event, event_type)]

    # state kept for rollback

    def _tables(self) -> dict[str, Table]:
        return {name: value for name, value in vars(self).items() if isinstance(value, Table)}

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = {name: table.snapshot() for name, table in self._tables().items()}
        state["<inbox>"] = set(self.inbox)
        return state

    def _restore(self, state: dict[str, Any]) -> None:
        for name, table in self._tables().items():
            table.restore(state[name])
        self.inbox = set(state["<inbox>"])


# -- tables --------------------------------------------------------------------------------


def _duplicate(table: str, key: object) -> IntegrityError:
    return IntegrityError(f"INSERT INTO {table}", None, Exception(f"duplicate key {key!r}"))


def _check_aware(row: object) -> None:
    for field in dataclasses.fields(row):  # type: ignore[arg-type]
        value = getattr(row, field.name)
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError(f"naive datetime in {field.name}: give an aware UTC instant")


class Table:
    """Rows by key, copied in and out as a database would."""

    name = "table"

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[Any, Any] = {}
        self._last_id = 0

    def snapshot(self) -> Any:
        return copy.deepcopy((self.rows, self._last_id))

    def restore(self, state: Any) -> None:
        self.rows, self._last_id = copy.deepcopy(state)

    def _next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def _insert(self, key: Any, row: Any) -> None:
        self._uow.require_transaction()
        if key in self.rows:
            raise _duplicate(self.name, key)
        _check_aware(row)
        self.rows[key] = copy.deepcopy(row)

    def _select(self, key: Any) -> Any:
        self._uow.require_transaction()
        return copy.deepcopy(self.rows.get(key))

    def _update(self, key: Any, row: Any, columns: tuple[str, ...]) -> None:
        """UPDATE ... SET columns WHERE key: a missing row is left missing, as in SQL."""
        self._uow.require_transaction()
        _check_aware(row)
        stored = self.rows.get(key)
        if stored is not None:
            for column in columns:
                setattr(stored, column, copy.deepcopy(getattr(row, column)))

    def _where(self, keep: Callable[[Any], bool]) -> list[Any]:
        self._uow.require_transaction()
        return [copy.deepcopy(row) for row in self.rows.values() if keep(row)]


# hall


class FakeOrders(Table):
    name = "orders"

    async def add(self, order: Order) -> None:
        self._insert(order.order_id, order)

    async def get(self, order_id: str) -> Order | None:
        order: Order | None = self._select(order_id)
        return order

    async def save(self, order: Order) -> None:
        self._update(order.order_id, order, ("status", "updated_at"))


class FakeCards(Table):
    name = "cards"

    async def get(self, employee_card_no: str, *, for_update: bool = False) -> Card | None:
        card: Card | None = self._select(employee_card_no)
        return card

    async def add(self, card: Card) -> None:
        self._insert(card.employee_card_no, card)

    async def save(self, card: Card) -> None:
        columns = tuple(f.name for f in dataclasses.fields(Card) if f.name != "employee_card_no")
        self._update(card.employee_card_no, card, columns)


class FakeHallUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.orders = FakeOrders(self)
        self.cards = FakeCards(self)


# kitchen


class FakeMenus(Table):
    name = "menus"

    async def add(self, menu: Menu) -> Menu:
        self._uow.require_transaction()
        menu.menu_id = self._next_id()
        self._insert(menu.menu_id, menu)
        return menu

    async def get(self, menu_id: int) -> Menu | None:
        menu: Menu | None = self._select(menu_id)
        return menu

    async def list_with_reserved(self, day: date) -> list[tuple[Menu, int]]:
        stock = self._uow.stock  # type: ignore[attr-defined]
        return [
            (menu, stock.rows.get((menu.menu_id, day), 0))
            for menu in sorted(self._where(lambda _: True), key=lambda m: m.menu_id)
        ]


class FakeStock(Table):
    """The reserved count of each (menu id, business day)."""

    name = "daily_stock"

    async def get_for_update(self, menu: Menu, day: date) -> DailyStock:
        self._uow.require_transaction()
        assert menu.menu_id is not None
        reserved = self.rows.setdefault((menu.menu_id, day), 0)
        return DailyStock(menu.menu_id, day, menu.daily_portions, reserved)

    async def save(self, stock: DailyStock) -> None:
        self._uow.require_transaction()
        if (stock.menu_id, stock.day) in self.rows:
            self.rows[(stock.menu_id, stock.day)] = stock.reserved

    def reserved(self, menu_id: int, day: date) -> int:
        reserved: int = self.rows.get((menu_id, day), 0)
        return reserved


class FakeReservations(Table):
    name = "reservations"

    async def add(self, reservation: Reservation) -> None:
        self._insert(reservation.order_id, reservation)

    async def get(self, order_id: str) -> Reservation | None:
        reservation: Reservation | None = self._select(order_id)
        return reservation

    async def save(self, reservation: Reservation) -> None:
        self._update(reservation.order_id, reservation, ("status", "reserved_at", "day"))

    async def count_held(self) -> int:
        return len(self._where(lambda row: row.status is ReservationStatus.HELD))

    async def held_before(self, instant: datetime, limit: int = 100) -> list[Reservation]:
        found = self._where(
            lambda row: row.status is ReservationStatus.HELD and row.reserved_at < instant
        )
        return sorted(found, key=lambda r: r.reserved_at)[:limit]


class FakeTickets(Table):
    name = "cook_tickets"

    async def add(self, ticket: CookTicket) -> CookTicket:
        self._uow.require_transaction()
        if any(row.order_id == ticket.order_id for row in self.rows.values()):
            raise _duplicate(self.name, ticket.order_id)  # one ticket per order
        ticket.cook_id = self._next_id()
        self._insert(ticket.cook_id, ticket)
        return ticket

    async def get(self, cook_id: int) -> CookTicket | None:
        ticket: CookTicket | None = self._select(cook_id)
        return ticket

    async def for_order(self, order_id: str) -> CookTicket | None:
        found = self._where(lambda row: row.order_id == order_id)
        return found[0] if found else None

    async def list(
        self,
        status: CookStatus | None,
        limit: int,
        order_id: str | None = None,
        newest_first: bool = False,
    ) -> list[CookTicket]:
        found = self._where(
            lambda row: (
                (status is None or row.status is status)
                and (order_id is None or row.order_id == order_id)
            )
        )
        return sorted(found, key=lambda t: t.cook_id, reverse=newest_first)[:limit]

    async def count_open(self) -> int:
        open_ = (CookStatus.RECEIVED, CookStatus.COOKING)
        return len(self._where(lambda row: row.status in open_))

    async def save(self, ticket: CookTicket) -> None:
        self._update(ticket.cook_id, ticket, ("status", "cooked_at"))


class FakeKitchenUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.menus = FakeMenus(self)
        self.stock = FakeStock(self)
        self.reservations = FakeReservations(self)
        self.tickets = FakeTickets(self)


# payment


class FakeEmployees(Table):
    name = "employees"

    async def add(self, employee: Employee) -> None:
        self._insert(employee.employee_card_no, employee)

    async def get(self, employee_card_no: str, *, for_update: bool = False) -> Employee | None:
        employee: Employee | None = self._select(employee_card_no)
        return employee

    async def save(self, employee: Employee) -> None:
        columns = tuple(
            f.name for f in dataclasses.fields(Employee) if f.name != "employee_card_no"
        )
        self._update(employee.employee_card_no, employee, columns)

    async def list(self) -> list[Employee]:
        return sorted(self._where(lambda _: True), key=lambda e: e.employee_card_no)


class FakePayments(Table):
    name = "payments"

    async def add(self, payment: Payment) -> Payment:
        self._uow.require_transaction()
        if any(row.order_id == payment.order_id for row in self.rows.values()):
            raise _duplicate(self.name, payment.order_id)  # one payment per order
        payment.payment_id = self._next_id()
        self._insert(payment.payment_id, payment)
        return payment

    async def for_order(self, order_id: str) -> Payment | None:
        found = self._where(lambda row: row.order_id == order_id)
        return found[0] if found else None

    async def save(self, payment: Payment) -> None:
        columns = tuple(
            f.name
            for f in dataclasses.fields(Payment)
            if f.name not in {"payment_id", "order_id", "created_at"}
        )
        self._update(payment.payment_id, payment, columns)

    async def of_employee(self, employee_card_no: str) -> list[Payment]:
        found = self._where(lambda row: row.employee_card_no == employee_card_no)
        return sorted(found, key=lambda p: p.payment_id)


class FakePaymentUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.employees = FakeEmployees(self)
        self.payments = FakePayments(self)


# workercenter


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


# notification


class FakeMessages(Table):
    name = "messages"

    async def add(self, message: Message) -> None:
        self._insert(message.order_id, message)

    async def for_order(self, order_id: str) -> Message | None:
        message: Message | None = self._select(order_id)
        return message

    async def of_employee(self, employee_card_no: str, limit: int) -> list[Message]:
        found = self._where(lambda row: row.employee_card_no == employee_card_no)
        return sorted(found, key=lambda m: m.sent_at, reverse=True)[:limit]


class FakeNotificationUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.messages = FakeMessages(self)


# -- the consumer's part -------------------------------------------------------------------

ENVELOPE_TIME = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def envelope_of(event: IntegrationEvent) -> Envelope:
    """A fresh envelope: a new event id, as a duplicate publish would have."""
    return Envelope.wrap(
        event, occurred_at=ENVELOPE_TIME, correlation_id="unit-test", causation_id=None
    )


async def deliver(
    handler: EventHandler,
    event: IntegrationEvent,
    uow: FakeUnitOfWork,
    envelope: Envelope | None = None,
) -> bool:
    """What the consumer does with one message (EventConsumer.apply): inbox row, handler and
    commit in one transaction; False if the inbox had seen the envelope's id."""
    envelope = envelope or envelope_of(event)
    async with uow:
        if not await uow.mark_handled(envelope):
            return False
        await handler(event, uow)
        await uow.commit()
    return True


# -- hall's view of the kitchen ------------------------------------------------------------


class FakeKitchen:
    """The Kitchen protocol of hall/kitchen_client.py, answering from a dict of menus.

    ``portions`` limits a menu's portions (absent: plenty). ``down`` makes every call fail as
    an unreachable kitchen would; ``cooking`` holds orders whose cooking has started, which
    the kitchen refuses to cancel. ``during_reserve`` runs while the kitchen is answering.
    """

    def __init__(
        self,
        menus: dict[int, tuple[str, int]] | None = None,
        portions: dict[int, int] | None = None,
    ) -> None:
        self.menus = menus if menus is not None else {1: ("Bibimbap", 7000)}
        self.portions = dict(portions or {})
        self.reservations: dict[str, Reserved] = {}
        self.reserve_calls: list[str] = []
        self.cancel_calls: list[str] = []
        self.cooking: set[str] = set()
        self.down = False
        self.during_reserve: Callable[[], Awaitable[None]] | None = None

    async def reserve(self, order_id: str, menu_id: int, qty: int) -> Reserved:
        self.reserve_calls.append(order_id)
        if self.down:
            raise KitchenUnavailable("kitchen did not answer: TimeoutError")
        if order_id not in self.reservations:
            if menu_id not in self.menus:
                raise KitchenRefused("NOT_ON_MENU", f"menu {menu_id} is not on the menu")
            left = self.portions.get(menu_id)
            if left is not None:
                if qty > left:
                    raise KitchenRefused("SOLD_OUT", f"only {left} portion(s) left today")
                self.portions[menu_id] = left - qty
            name, price = self.menus[menu_id]
            self.reservations[order_id] = Reserved(order_id, menu_id, name, qty, price * qty)
        if self.during_reserve is not None:
            hook, self.during_reserve = self.during_reserve, None
            await hook()
        return self.reservations[order_id]

    async def cancel(self, order_id: str) -> None:
        self.cancel_calls.append(order_id)
        if self.down:
            raise KitchenUnavailable("kitchen did not answer: TimeoutError")
        if order_id in self.cooking:
            raise KitchenRefused("COOKING_STARTED", "the ticket is already COOKING")
        if order_id not in self.reservations:
            raise KitchenRefused("NOT_FOUND", f"no reservation for order {order_id}")
