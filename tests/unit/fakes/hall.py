"""Hall's tables in memory, and the kitchen as hall sees it."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from erestaurant.hall.domain import Card, Order
from erestaurant.hall.kitchen_client import KitchenRefused, KitchenUnavailable, Reserved
from erestaurant.hall.unit_of_work import HallUnitOfWork

from . import FakeUnitOfWork, Table


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


def _port(uow: FakeHallUnitOfWork) -> HallUnitOfWork:
    return uow  # mypy checks that the fake implements hall's port


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
            raise KitchenUnavailable("kitchen did not answer: TimeoutError", call="reserve")
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
            raise KitchenUnavailable("kitchen did not answer: TimeoutError", call="cancel")
        if order_id in self.cooking:
            raise KitchenRefused("COOKING_STARTED", "the ticket is already COOKING")
        if order_id not in self.reservations:
            raise KitchenRefused("NOT_FOUND", f"no reservation for order {order_id}")
