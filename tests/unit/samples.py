"""Events of one lunch order, as the services publish them, to feed the handlers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookReceived,
    CookStarted,
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
    MealReadyMessageSent,
    MenuChanged,
    MenuRegistered,
    OrderCancelled,
    OrderCompleted,
    OrderPlaced,
    PaymentCancelled,
    PaymentDeducted,
)

LUNCH = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # noon in Seoul
CARD = "E1001"
ORDER = "order-1"
MENU_ID = 1
MENU = "Bibimbap"
PRICE = 7000
PIN = "4821"
# Real argon2 hashes, at the cheapest setting, so that checking one takes no time in tests.
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PIN_HASH = QUICK_HASHER.hash(PIN)


def minutes(n: float) -> datetime:
    """An instant ``n`` minutes after the order was placed."""
    return LUNCH + timedelta(minutes=n)


def employee_registered(
    card: str = CARD, name: str = "Kim Minji", at: float = -60
) -> EmployeeRegistered:
    return EmployeeRegistered(employee_card_no=card, name=name, registered_at=minutes(at))


def employee_deactivated(card: str = CARD, at: float = -30) -> EmployeeDeactivated:
    return EmployeeDeactivated(employee_card_no=card, deactivated_at=minutes(at))


def employee_pin_set(card: str = CARD, pin_hash: str = PIN_HASH, at: float = -50) -> EmployeePinSet:
    return EmployeePinSet(employee_card_no=card, pin_hash=pin_hash, set_at=minutes(at))


def order_placed(order_id: str = ORDER, qty: int = 1, card: str = CARD) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        employee_card_no=card,
        menu_id=MENU_ID,
        menu_name=MENU,
        qty=qty,
        amount=PRICE * qty,
        ordered_at=LUNCH,
    )


def order_cancelled(order_id: str = ORDER, card: str = CARD) -> OrderCancelled:
    return OrderCancelled(order_id=order_id, employee_card_no=card, cancelled_at=minutes(1))


def order_completed(order_id: str = ORDER, qty: int = 1) -> OrderCompleted:
    return OrderCompleted(
        order_id=order_id,
        employee_card_no=CARD,
        menu_name=MENU,
        qty=qty,
        amount=PRICE * qty,
        completed_at=minutes(10),
    )


def cook_received(order_id: str = ORDER, cook_id: int = 1) -> CookReceived:
    return CookReceived(
        cook_id=cook_id,
        order_id=order_id,
        menu_id=MENU_ID,
        menu_name=MENU,
        qty=1,
        received_at=minutes(0.5),
    )


def cook_started(order_id: str = ORDER, cook_id: int = 1) -> CookStarted:
    return CookStarted(cook_id=cook_id, order_id=order_id, started_at=minutes(2))


def cooked(order_id: str = ORDER, cook_id: int = 1) -> Cooked:
    return Cooked(cook_id=cook_id, order_id=order_id, cooked_at=minutes(10))


def cook_cancelled(order_id: str = ORDER, cook_id: int | None = 1) -> CookCancelled:
    return CookCancelled(cook_id=cook_id, order_id=order_id, cancelled_at=minutes(1))


def menu_registered(menu_id: int = MENU_ID) -> MenuRegistered:
    return MenuRegistered(
        menu_id=menu_id,
        name=MENU,
        price=PRICE,
        daily_portions=50,
        on_menu=True,
        registered_at=minutes(-120),
    )


def menu_changed(menu_id: int = MENU_ID, on_menu: bool = False) -> MenuChanged:
    return MenuChanged(
        menu_id=menu_id,
        name=MENU,
        price=PRICE,
        daily_portions=50,
        on_menu=on_menu,
        changed_at=minutes(-60),
    )


def payment_deducted(order_id: str = ORDER) -> PaymentDeducted:
    return PaymentDeducted(
        payment_id=1,
        order_id=order_id,
        employee_card_no=CARD,
        amount=PRICE,
        pay_period="2026-11",
        deducted_at=minutes(11),
    )


def payment_cancelled(order_id: str = ORDER) -> PaymentCancelled:
    return PaymentCancelled(
        payment_id=1, order_id=order_id, employee_card_no=CARD, cancelled_at=minutes(2)
    )


def meal_ready_sent(order_id: str = ORDER) -> MealReadyMessageSent:
    return MealReadyMessageSent(
        order_id=order_id, employee_card_no=CARD, channel="IN_APP", sent_at=minutes(11)
    )
