"""Hall's port: the unit of work its handlers take, and the repositories it opens.

``adapters.SqlHallUnitOfWork`` implements it on a relational database, and
``tests/unit/fakes/hall.py`` in memory; tests/integration/test_hall_repositories.py holds
both to the contracts below.
"""

from __future__ import annotations

from typing import Protocol

from erestaurant.hall.domain import Card, Order
from erestaurant.platform.uow import UnitOfWork


class Orders(Protocol):
    async def add(self, order: Order) -> None:
        """Store a new order (not its recorded events); Duplicate if its id is taken, as
        when a retry with the same Idempotency-Key committed first."""

    async def get(self, order_id: str) -> Order | None:
        """The order, locked until the transaction ends (FOR UPDATE); None if none."""

    async def save(self, order: Order) -> None:
        """Write the order's status and updated_at: nothing else of an order changes once
        it is placed. An order never added stays missing."""


class Cards(Protocol):
    async def get(self, employee_card_no: str, *, for_update: bool = False) -> Card | None:
        """The card (locked until the transaction ends if ``for_update``); None if hall has
        not heard of it."""

    async def add(self, card: Card) -> None:
        """Store a card hall hears of for the first time; Duplicate if it is known."""

    async def save(self, card: Card) -> None:
        """Write every field of the card but its number."""


class HallUnitOfWork(UnitOfWork, Protocol):
    @property
    def orders(self) -> Orders: ...

    @property
    def cards(self) -> Cards: ...
