"""The fault suite's checker is not vacuous: a consistent cafeteria passes all eight checks,
and breaking any one thing fails the one check that guards it, saying what broke.

``Cafeteria`` builds the snapshot the checker would read after a quiet lunch: the rows of
each service's database (the columns of its adapters' tables), every event on the stream as
a real envelope on its subject, each consumer's inbox, the injected poison with its dead
letters, and the kiosks' records. It plays the services' use cases by hand: each step writes
the rows the owning service writes, publishes the event it emits, and fills the inbox of
every service that follows that event (``SUBSCRIBERS``, written out here rather than taken
from the checker).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookReceived,
    CookStarted,
    EmployeeRegistered,
    Envelope,
    IntegrationEvent,
    MealReadyMessageSent,
    OrderCancelled,
    OrderCompleted,
    OrderPlaced,
    PaymentCancelled,
    PaymentDeducted,
)
from erestaurant.faults.kiosk import Fate, Plan, Record
from erestaurant.faults.verify import Check, Snapshot, check, service_settings, summary
from erestaurant.hall.handlers import PlaceOrder
from erestaurant.platform import deadletter
from erestaurant.services import WITH_DATABASE
from erestaurant.workercenter.settings import WorkercenterSettings

TIMEZONE = "Asia/Seoul"
LUNCH = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # noon in Seoul
DAY = date(2026, 11, 30)
PAY_PERIOD = "2026-11"
BIBIMBAP, PORRIDGE = 1, 2
MENUS = {BIBIMBAP: ("Bibimbap", 7000), PORRIDGE: ("Abalone porridge", 15000)}
KIM, LEE = "E1001", "E1002"

# Who follows what: the handler maps of the five services, written out.
SUBSCRIBERS: dict[type[IntegrationEvent], tuple[str, ...]] = {
    EmployeeRegistered: ("hall",),
    OrderPlaced: ("kitchen", "payment", "workercenter"),
    OrderCancelled: ("kitchen", "payment", "workercenter"),
    OrderCompleted: ("workercenter", "notification"),
    CookReceived: ("workercenter",),
    CookStarted: ("hall", "workercenter"),
    Cooked: ("hall", "payment", "workercenter"),
    CookCancelled: ("hall", "workercenter"),
    PaymentDeducted: ("workercenter",),
    PaymentCancelled: ("workercenter",),
    MealReadyMessageSent: ("workercenter",),
}

# What the nemesis publishes as poison, and who must set each aside.
GARBAGE = b"{half an ev"
GARBAGE_DUE = frozenset({"kitchen", "payment", "workercenter"})
UNKNOWN_VERSION_DUE = frozenset({"hall", "payment", "workercenter"})


def minutes(n: float) -> datetime:
    return LUNCH + timedelta(minutes=n)


class Cafeteria:
    """One lunch, consistent in every service, built step by step as the services do."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.tickets: list[dict[str, Any]] = []
        self.reservations: list[dict[str, Any]] = []
        self.stock: dict[tuple[int, date], dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.mypages: dict[str, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []
        self.unpublished = dict.fromkeys(WITH_DATABASE, 0)
        self.inbox: dict[str, set[str]] = {name: set() for name in WITH_DATABASE}
        self.stream: list[tuple[int, str, bytes]] = []
        self.dead_letters: list[deadletter.DeadLetter] = []
        self.records: dict[str, Record] = {}  # by Idempotency-Key
        self.poison: dict[int, set[str]] = {}
        self.events: dict[tuple[str, str], tuple[int, Envelope]] = {}  # (order, type) -> ...
        self._cook_ids = 0
        self._payment_ids = 0

    # -- what the checker gets ------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        return Snapshot(
            orders=self.orders,
            tickets=self.tickets,
            reservations=self.reservations,
            stock=list(self.stock.values()),
            payments=self.payments,
            mypages=self.mypages,
            messages=self.messages,
            unpublished=self.unpublished,
            inbox=self.inbox,
            stream=self.stream,
            dead_letters=self.dead_letters,
        )

    def check(self) -> list[Check]:
        return check(self.snapshot(), list(self.records.values()), self.poison, TIMEZONE)

    def summary(self) -> dict[str, int]:
        return summary(self.snapshot(), list(self.records.values()))

    # -- the broker ------------------------------------------------------------------------

    def append(self, subject: str, data: bytes) -> int:
        seq = len(self.stream) + 1
        self.stream.append((seq, subject, data))
        return seq

    def publish(self, event: IntegrationEvent, at: datetime) -> Envelope:
        """An outbox relay publishes ``event``; every follower handles it once (inbox)."""
        envelope = Envelope.wrap(event, occurred_at=at, correlation_id="lunch", causation_id=None)
        seq = self.append(event.subject(), envelope.to_json())
        for consumer in SUBSCRIBERS[type(event)]:
            self.inbox[consumer].add(envelope.event_id)
        order_id = getattr(event, "order_id", None)
        if order_id is not None:
            self.events[(order_id, event.event_type())] = (seq, envelope)
        return envelope

    def set_aside(self, consumer: str, seq: int, reason: str) -> None:
        """``consumer`` gives up on stream message ``seq``: a dead letter, in the stream too."""
        _, subject, data = self.stream[seq - 1]
        letter_seq = self.append(f"{deadletter.SUBJECT}.{consumer}", data)
        self.dead_letters.append(
            deadletter.DeadLetter(
                sequence=letter_seq,
                consumer=consumer,
                original_subject=subject,
                original_sequence=seq,
                reason=reason,
                deliveries=5,
                set_aside_at=minutes(30),
                data=data,
            )
        )

    def garbage(self) -> int:
        """Poison: bytes that are no event, on a subject three services follow."""
        seq = self.append(OrderPlaced.subject(), GARBAGE)
        self.poison[seq] = set(GARBAGE_DUE)
        for consumer in sorted(GARBAGE_DUE):
            self.set_aside(consumer, seq, "unreadable: not an event envelope")
        return seq

    def unknown_version(self) -> int:
        """Poison: a Cooked from a newer publisher (version 99)."""
        event = Cooked(cook_id=0, order_id="order-from-the-future", cooked_at=minutes(20))
        future = Envelope.wrap(
            event, occurred_at=minutes(20), correlation_id="poison", causation_id=None
        )
        seq = self.append(Cooked.subject(), dataclasses.replace(future, version=99).to_json())
        self.poison[seq] = set(UNKNOWN_VERSION_DUE)
        for consumer in sorted(UNKNOWN_VERSION_DUE):
            self.set_aside(consumer, seq, "unreadable: Cooked version 99 is not the known 1")
        return seq

    # -- the services ----------------------------------------------------------------------

    def register(self, card: str, name: str) -> None:
        self.publish(
            EmployeeRegistered(employee_card_no=card, name=name, registered_at=minutes(-60)),
            minutes(-60),
        )

    def refuse(self, key: str, card: str, menu_id: int, qty: int, error: str) -> Record:
        """The kitchen had no portions left: 409, nothing written anywhere."""
        record = Record(Plan(key, card, menu_id, qty, "cook", tap_twice=False), attempts=1)
        record.refused = error
        self.records[key] = record
        return record

    def order(
        self,
        key: str,
        card: str,
        menu_id: int,
        qty: int,
        fate: Fate,
        *,
        until: str = "done",
        tap_twice: bool = False,
    ) -> str:
        """Place an order and carry it through ``fate``; ``until`` stops a cooked order
        early ("ORDERED" or "COOKING"), as if the kiosk gave up."""
        order_id = hall_order_id(card, menu_id, qty, key)
        name, price = MENUS[menu_id]
        amount = price * qty
        record = Record(Plan(key, card, menu_id, qty, fate, tap_twice), attempts=1)
        self.records[key] = record

        # kitchen reserves (HTTP), hall commits and answers 201
        self._stock(menu_id)["reserved"] += qty
        reservation = {
            "order_id": order_id,
            "menu_id": menu_id,
            "menu_name": name,
            "price": price,
            "qty": qty,
            "day": DAY,
            "status": "HELD",
            "reserved_at": minutes(0),
        }
        self.reservations.append(reservation)
        self.orders[order_id] = {
            "order_id": order_id,
            "employee_card_no": card,
            "menu_id": menu_id,
            "menu_name": name,
            "qty": qty,
            "amount": amount,
            "status": "ORDERED",
            "ordered_at": minutes(0),
            "updated_at": None,
        }
        self.publish(
            OrderPlaced(
                order_id=order_id,
                employee_card_no=card,
                menu_id=menu_id,
                menu_name=name,
                qty=qty,
                amount=amount,
                ordered_at=minutes(0),
            ),
            minutes(0),
        )
        record.order_ids.append(order_id)
        record.amount = amount
        if tap_twice:  # the same key again: the same order back
            record.attempts += 1
            record.order_ids.append(order_id)

        # payment and workercenter follow OrderPlaced
        self._payment_ids += 1
        payment = {
            "payment_id": self._payment_ids,
            "order_id": order_id,
            "employee_card_no": card,
            "amount": amount,
            "status": "PENDING",
            "cooked_at": None,
            "pay_period": None,
            "deducted_at": None,
            "created_at": minutes(0.2),
        }
        self.payments[order_id] = payment
        view = {
            "order_id": order_id,
            "employee_card_no": card,
            "menu_name": name,
            "qty": qty,
            "amount": amount,
            "order_status": "ORDERED",
            "cook_status": None,
            "payment_status": "PENDING",
            "notified": False,
            "updated_at": minutes(0),
        }
        self.mypages[order_id] = view

        # kitchen follows OrderPlaced: the reservation is used, a ticket opened
        self._cook_ids += 1
        ticket = {
            "cook_id": self._cook_ids,
            "order_id": order_id,
            "menu_id": menu_id,
            "menu_name": name,
            "qty": qty,
            "status": "RECEIVED",
            "received_at": minutes(0.5),
            "cooked_at": None,
        }
        reservation["status"] = "USED"
        self.tickets.append(ticket)
        self.publish(
            CookReceived(
                cook_id=ticket["cook_id"],
                order_id=order_id,
                menu_id=menu_id,
                menu_name=name,
                qty=qty,
                received_at=minutes(0.5),
            ),
            minutes(0.5),
        )
        view.update(cook_status="RECEIVED", updated_at=minutes(0.5))

        if fate == "cancel":
            self._cancel(record, card, ticket, reservation, payment, view)
        elif until != "ORDERED":
            self._cook(record, card, ticket, payment, view, until)
        return order_id

    def _cancel(
        self,
        record: Record,
        card: str,
        ticket: dict[str, Any],
        reservation: dict[str, Any],
        payment: dict[str, Any],
        view: dict[str, Any],
    ) -> None:
        order_id = ticket["order_id"]
        # hall asks the kitchen to cancel: ticket cancelled, portions given back
        ticket["status"] = "CANCELLED"
        reservation["status"] = "RELEASED"
        self._stock(reservation["menu_id"])["reserved"] -= reservation["qty"]
        self.publish(
            CookCancelled(cook_id=ticket["cook_id"], order_id=order_id, cancelled_at=minutes(1)),
            minutes(1),
        )
        view.update(cook_status="CANCELLED", updated_at=minutes(1))
        # then commits its own cancel (CookCancelled finds it cancelled already)
        self.orders[order_id].update(status="CANCELLED", updated_at=minutes(1))
        self.publish(
            OrderCancelled(order_id=order_id, employee_card_no=card, cancelled_at=minutes(1)),
            minutes(1),
        )
        record.cancelled = True
        view.update(order_status="CANCELLED", updated_at=minutes(1))
        # payment drops the pending payment; kitchen finds nothing left to do
        payment["status"] = "CANCELLED"
        self.publish(
            PaymentCancelled(
                payment_id=payment["payment_id"],
                order_id=order_id,
                employee_card_no=card,
                cancelled_at=minutes(1.5),
            ),
            minutes(1.5),
        )
        view.update(payment_status="CANCELLED", updated_at=minutes(1.5))

    def _cook(
        self,
        record: Record,
        card: str,
        ticket: dict[str, Any],
        payment: dict[str, Any],
        view: dict[str, Any],
        until: str,
    ) -> None:
        order_id = ticket["order_id"]
        order = self.orders[order_id]
        ticket["status"] = "COOKING"
        self.publish(
            CookStarted(cook_id=ticket["cook_id"], order_id=order_id, started_at=minutes(2)),
            minutes(2),
        )
        order.update(status="COOKING", updated_at=minutes(2))
        view.update(cook_status="COOKING", order_status="COOKING", updated_at=minutes(2))
        if until == "COOKING":
            return
        ticket.update(status="COOKED", cooked_at=minutes(10))
        self.publish(
            Cooked(cook_id=ticket["cook_id"], order_id=order_id, cooked_at=minutes(10)),
            minutes(10),
        )
        record.cooked = True
        view.update(cook_status="COOKED", updated_at=minutes(10))
        # hall completes the order
        order.update(status="COMPLETED", updated_at=minutes(10))
        self.publish(
            OrderCompleted(
                order_id=order_id,
                employee_card_no=card,
                menu_name=order["menu_name"],
                qty=order["qty"],
                amount=order["amount"],
                completed_at=minutes(10),
            ),
            minutes(10.1),
        )
        view.update(order_status="COMPLETED")
        # payment deducts the price
        payment.update(
            status="DEDUCTED",
            cooked_at=minutes(10),
            pay_period=PAY_PERIOD,
            deducted_at=minutes(10.2),
        )
        self.publish(
            PaymentDeducted(
                payment_id=payment["payment_id"],
                order_id=order_id,
                employee_card_no=card,
                amount=payment["amount"],
                pay_period=PAY_PERIOD,
                deducted_at=minutes(10.2),
            ),
            minutes(10.2),
        )
        view.update(payment_status="DEDUCTED", updated_at=minutes(10.2))
        # notification tells the employee
        self.messages.append(self.ready_message(order_id))
        self.publish(
            MealReadyMessageSent(
                order_id=order_id, employee_card_no=card, channel="IN_APP", sent_at=minutes(10.3)
            ),
            minutes(10.3),
        )
        view.update(notified=True, updated_at=minutes(10.3))

    def ready_message(self, order_id: str) -> dict[str, Any]:
        order = self.orders[order_id]
        return {
            "order_id": order_id,
            "employee_card_no": order["employee_card_no"],
            "channel": "IN_APP",
            "text": f"Your {order['menu_name']} is ready. Please pick it up at the counter.",
            "status": "SENT",
            "sent_at": minutes(10.3),
        }

    def _stock(self, menu_id: int) -> dict[str, Any]:
        return self.stock.setdefault(
            (menu_id, DAY), {"menu_id": menu_id, "day": DAY, "reserved": 0}
        )

    # -- finding things to break -----------------------------------------------------------

    def seq_of(self, order_id: str, event_type: str) -> int:
        return self.events[(order_id, event_type)][0]

    def event_id(self, order_id: str, event_type: str) -> str:
        return self.events[(order_id, event_type)][1].event_id

    def ticket(self, order_id: str) -> dict[str, Any]:
        (ticket,) = (t for t in self.tickets if t["order_id"] == order_id)
        return ticket


def hall_order_id(card: str, menu_id: int, qty: int, key: str) -> str:
    """The id hall gives an order: derived from the card and the Idempotency-Key."""
    return PlaceOrder(card, menu_id, qty, idempotency_key=key).order_id()


COOKED = hall_order_id(KIM, BIBIMBAP, 1, "cooked")  # Kim, one bibimbap, cooked
TWICE = hall_order_id(KIM, PORRIDGE, 2, "twice")  # Kim, two porridges, tapped twice, cooked
CANCELLED = hall_order_id(LEE, BIBIMBAP, 1, "cancel")  # Lee, one bibimbap, cancelled
STUCK = hall_order_id(LEE, BIBIMBAP, 1, "stuck")
SLOW = hall_order_id(LEE, BIBIMBAP, 1, "slow")


def lunch() -> Cafeteria:
    """Two completed orders, one cancelled, one refused key, and both kinds of poison."""
    cafeteria = Cafeteria()
    cafeteria.register(KIM, "Kim Minji")
    cafeteria.register(LEE, "Lee Jun")
    cafeteria.order("cooked", KIM, BIBIMBAP, 1, "cook")
    cafeteria.garbage()
    cafeteria.order("twice", KIM, PORRIDGE, 2, "cook", tap_twice=True)
    cafeteria.order("cancel", LEE, BIBIMBAP, 1, "cancel")
    cafeteria.unknown_version()
    cafeteria.refuse("sold-out", LEE, PORRIDGE, 1, "SOLD_OUT")
    return cafeteria


def failing(checks: list[Check]) -> dict[str, str]:
    """The failed checks by number (I1..I8), each with its failures in one text."""
    return {c.name[:2]: " | ".join(c.failures) for c in checks if not c.ok}


# -- a consistent lunch ------------------------------------------------------------------------


def test_a_consistent_lunch_passes_all_eight_checks() -> None:
    cafeteria = lunch()

    checks = cafeteria.check()

    assert [c.name[:2] for c in checks] == [f"I{n}" for n in range(1, 9)]
    assert failing(checks) == {}, "\n".join(c.line() for c in checks)
    assert all(c.checked > 0 for c in checks), [c.line() for c in checks]
    assert {c.name[:2]: c.checked for c in checks} == {
        "I1": 3,  # acknowledged records
        "I2": 3,  # hall orders
        "I3": 4,  # three payments and one refused key
        "I4": 5,  # three orders and two days' stock rows
        # five outboxes; events handled by hall, kitchen, payment, workercenter and
        # notification; two poison messages; six dead letters
        "I5": 5 + (7 + 4 + 6 + 19 + 2) + 2 + 6,
        "I6": 3,
        "I7": 3,
        "I8": 3,
    }


def test_the_lunch_is_built_from_real_envelopes_on_their_subjects() -> None:
    cafeteria = lunch()

    placed_seq, placed = cafeteria.events[(COOKED, "OrderPlaced")]
    seq, subject, data = cafeteria.stream[placed_seq - 1]
    assert (seq, subject) == (placed_seq, "erestaurant.hall.OrderPlaced")
    assert Envelope.from_json(data).event_id == placed.event_id
    assert placed.event_id in cafeteria.inbox["kitchen"] & cafeteria.inbox["payment"]
    letters = {(d.original_sequence, d.consumer) for d in cafeteria.dead_letters}
    assert letters == {(seq, consumer) for seq, due in cafeteria.poison.items() for consumer in due}


# -- I1 nothing lost -------------------------------------------------------------------------


def _acknowledged_but_unknown_to_hall(cafeteria: Cafeteria) -> None:
    # hall answered 201 for this key, and nothing anywhere knows the order
    record = Record(Plan("lost", KIM, BIBIMBAP, 1, "cook", tap_twice=False), attempts=2)
    record.order_ids.append("order-lost")
    record.amount = 7000
    cafeteria.records["lost"] = record


def _stuck_ordered(cafeteria: Cafeteria) -> None:
    cafeteria.order("stuck", LEE, BIBIMBAP, 1, "cook", until="ORDERED")
    cafeteria.records["stuck"].gave_up = f"no ticket for order {STUCK}"


def _stuck_cooking(cafeteria: Cafeteria) -> None:
    cafeteria.order("slow", LEE, BIBIMBAP, 1, "cook", until="COOKING")


def _cooked_but_cancelled(cafeteria: Cafeteria) -> None:
    cafeteria.records["cancel"].cooked = True  # COOKED was answered 200 for it


def _cancel_answered_but_completed(cafeteria: Cafeteria) -> None:
    cafeteria.records["cooked"].cancelled = True  # its cancel was answered 200


@pytest.mark.parametrize(
    ("breakage", "says"),
    [
        pytest.param(
            _acknowledged_but_unknown_to_hall,
            "order-lost acknowledged but unknown to hall",
            id="unknown-to-hall",
        ),
        pytest.param(
            _stuck_ordered,
            f"{STUCK} still ORDERED (no ticket for order {STUCK})",
            id="still-ordered",
        ),
        pytest.param(
            _stuck_cooking,
            f"{SLOW} still COOKING (fate cook, cooked=False, cancelled=False)",
            id="still-cooking",
        ),
        pytest.param(_cooked_but_cancelled, f"{CANCELLED} cooked but CANCELLED", id="cooked"),
        pytest.param(
            _cancel_answered_but_completed,
            f"{COOKED} cancel answered 200 but COMPLETED",
            id="cancelled",
        ),
    ],
)
def test_i1_an_acknowledged_order_that_did_not_end_as_answered_is_lost(
    breakage: Callable[[Cafeteria], None], says: str
) -> None:
    cafeteria = lunch()
    breakage(cafeteria)

    failed = failing(cafeteria.check())

    assert list(failed) == ["I1"]
    assert failed["I1"] == says


# -- I2 deductions and payroll ------------------------------------------------------------------


def _deducted_twice_the_price(cafeteria: Cafeteria) -> None:
    cafeteria.payments[COOKED]["amount"] = 2 * 7000


def _not_deducted(cafeteria: Cafeteria) -> None:
    # payment never deducted (and the view, following it, still says PENDING)
    cafeteria.payments[COOKED].update(status="PENDING", pay_period=None, deducted_at=None)
    cafeteria.mypages[COOKED]["payment_status"] = "PENDING"


def _deducted_from_the_wrong_salary(cafeteria: Cafeteria) -> None:
    cafeteria.payments[TWICE]["employee_card_no"] = LEE


@pytest.mark.parametrize(
    ("breakage", "says"),
    [
        pytest.param(
            _deducted_twice_the_price,
            [f"{COOKED} deducted 14000, price 7000", f"card {KIM}: payroll 44000"],
            id="twice-the-price",
        ),
        pytest.param(
            _not_deducted,
            [f"{COOKED} completed but deducted 0", f"card {KIM}: payroll 30000"],
            id="not-at-all",
        ),
        pytest.param(
            _deducted_from_the_wrong_salary,
            [
                f"card {KIM}: payroll 7000, completed orders 37000",
                f"card {LEE}: payroll 30000, completed orders 0",
            ],
            id="payroll",
        ),
    ],
)
def test_i2_a_completed_order_costs_its_price_once_on_its_own_payroll(
    breakage: Callable[[Cafeteria], None], says: list[str]
) -> None:
    cafeteria = lunch()
    breakage(cafeteria)

    failed = failing(cafeteria.check())

    assert list(failed) == ["I2"]
    for text in says:
        assert text in failed["I2"]


# -- I3 nothing deducted unless completed ----------------------------------------------------


def _cancelled_but_deducted(cafeteria: Cafeteria) -> None:
    cafeteria.payments[CANCELLED].update(
        status="DEDUCTED", cooked_at=minutes(10), pay_period=PAY_PERIOD, deducted_at=minutes(11)
    )
    cafeteria.mypages[CANCELLED]["payment_status"] = "DEDUCTED"


def _deducted_for_an_order_hall_never_placed(cafeteria: Cafeteria) -> None:
    cafeteria.payments["order-sold-out"] = {
        **cafeteria.payments[COOKED],
        "payment_id": 99,
        "order_id": "order-sold-out",
        "employee_card_no": LEE,
    }


@pytest.mark.parametrize(
    ("breakage", "says", "payroll"),
    [
        pytest.param(
            _cancelled_but_deducted,
            f"{CANCELLED} cancelled but deducted",
            f"card {LEE}: payroll 7000, completed orders 0",
            id="cancelled",
        ),
        pytest.param(
            _deducted_for_an_order_hall_never_placed,
            "order-sold-out deducted but hall has no such order",
            f"card {LEE}: payroll 7000, completed orders 0",
            id="never-placed",
        ),
    ],
)
def test_i3_nothing_is_deducted_for_an_order_that_was_not_completed(
    breakage: Callable[[Cafeteria], None], says: str, payroll: str
) -> None:
    cafeteria = lunch()
    breakage(cafeteria)

    failed = failing(cafeteria.check())

    # Such a deduction is on someone's payroll without a completed order behind it, so the
    # payroll half of I2 fails with I3, by design; every other check holds.
    assert sorted(failed) == ["I2", "I3"]
    assert failed["I3"] == says
    assert failed["I2"] == payroll


LATE = hall_order_id(LEE, PORRIDGE, 1, "late")
SOLD_OUT = hall_order_id(LEE, PORRIDGE, 1, "sold-out")


def _told_refused(cafeteria: Cafeteria, key: str) -> None:
    """The kiosk was told 409 SOLD_OUT for ``key``, and went no further with it."""
    record = cafeteria.records[key]
    record.order_ids.clear()
    record.amount, record.cooked, record.refused = None, False, "SOLD_OUT"


def _refused_but_completed(cafeteria: Cafeteria) -> None:
    cafeteria.order("late", LEE, PORRIDGE, 1, "cook")
    _told_refused(cafeteria, "late")


def _refused_but_placed(cafeteria: Cafeteria) -> None:
    cafeteria.order("late", LEE, PORRIDGE, 1, "cook", until="ORDERED")
    _told_refused(cafeteria, "late")


@pytest.mark.parametrize(
    ("breakage", "says"),
    [
        pytest.param(
            _refused_but_completed,
            f"key late refused (SOLD_OUT) but hall has order {LATE} (COMPLETED), deducted"
            " 15000, its ticket cooked",
            id="completed",
        ),
        pytest.param(
            _refused_but_placed,
            f"key late refused (SOLD_OUT) but hall has order {LATE} (ORDERED)",
            id="placed",
        ),
    ],
)
def test_i3_a_refused_tap_has_no_order_at_all(
    breakage: Callable[[Cafeteria], None], says: str
) -> None:
    # Consistent everywhere else: only the refusal says that this order should not be.
    cafeteria = lunch()
    breakage(cafeteria)

    failed = failing(cafeteria.check())

    assert list(failed) == ["I3"]
    assert failed["I3"] == says


def test_i3_nothing_is_deducted_or_cooked_for_a_refused_tap() -> None:
    cafeteria = lunch()
    cafeteria.payments[SOLD_OUT] = {
        **cafeteria.payments[TWICE],
        "payment_id": 99,
        "order_id": SOLD_OUT,
        "employee_card_no": LEE,
        "amount": 15000,
    }
    cafeteria.tickets.append({**cafeteria.ticket(TWICE), "cook_id": 99, "order_id": SOLD_OUT})

    failed = failing(cafeteria.check())

    # Hall has no such order, so the payroll (I2) and the ticket (I4) fail too.
    assert sorted(failed) == ["I2", "I3", "I4"]
    assert failed["I3"] == (
        f"{SOLD_OUT} deducted but hall has no such order"
        " | key sold-out refused (SOLD_OUT) but deducted 15000, its ticket cooked"
    )


# -- I4 tickets and portions -------------------------------------------------------------------


def _two_tickets(cafeteria: Cafeteria) -> None:
    cafeteria.tickets.append({**cafeteria.ticket(COOKED), "cook_id": 99})


def _stock_off_by_one(cafeteria: Cafeteria) -> None:
    cafeteria.stock[(BIBIMBAP, DAY)]["reserved"] += 1


def _portions_held_for_an_order_never_placed(cafeteria: Cafeteria) -> None:
    # the kitchen reserved for a kiosk whose order hall never committed
    cafeteria.stock[(BIBIMBAP, DAY)]["reserved"] += 1
    cafeteria.reservations.append(
        {
            "order_id": "order-gone",
            "menu_id": BIBIMBAP,
            "menu_name": "Bibimbap",
            "price": 7000,
            "qty": 1,
            "day": DAY,
            "status": "HELD",
            "reserved_at": minutes(3),
        }
    )


def _reservation_released_for_a_completed_order(cafeteria: Cafeteria) -> None:
    (reservation,) = (r for r in cafeteria.reservations if r["order_id"] == COOKED)
    reservation["status"] = "RELEASED"
    cafeteria.stock[(BIBIMBAP, DAY)]["reserved"] -= 1


@pytest.mark.parametrize(
    ("breakage", "says"),
    [
        pytest.param(_two_tickets, f"{COOKED} has 2 tickets", id="two-tickets"),
        pytest.param(
            _stock_off_by_one,
            f"menu {BIBIMBAP} on {DAY}: stock 2, reservations 1",
            id="stock-count",
        ),
        pytest.param(
            _portions_held_for_an_order_never_placed,
            "reservation order-gone (HELD) for an order never placed",
            id="never-placed",
        ),
        pytest.param(
            _reservation_released_for_a_completed_order,
            f"reservation {COOKED} RELEASED, order COMPLETED",
            id="released-but-completed",
        ),
    ],
)
def test_i4_one_ticket_per_order_and_the_stock_counts_live_reservations(
    breakage: Callable[[Cafeteria], None], says: str
) -> None:
    cafeteria = lunch()
    breakage(cafeteria)

    failed = failing(cafeteria.check())

    assert list(failed) == ["I4"]
    assert failed["I4"] == says


# -- I5 events ---------------------------------------------------------------------------------


def _unpublished_outbox_row(cafeteria: Cafeteria) -> str:
    cafeteria.unpublished["kitchen"] = 1
    return "kitchen has 1 unpublished outbox rows"


def _missing_from_an_inbox(cafeteria: Cafeteria) -> str:
    missed = cafeteria.event_id(COOKED, "Cooked")
    cafeteria.inbox["payment"].remove(missed)
    return f"payment never handled 1 event(s), e.g. {missed}"


def _handled_an_event_not_in_the_stream(cafeteria: Cafeteria) -> str:
    cafeteria.inbox["hall"].add("f" * 32)
    return "hall handled 1 event(s) not in the stream"


def _dead_letter_for_a_real_event(cafeteria: Cafeteria) -> str:
    seq = cafeteria.seq_of(COOKED, "OrderCompleted")
    cafeteria.set_aside("notification", seq, "handler failed: database is locked")
    event = f"OrderCompleted {cafeteria.event_id(COOKED, 'OrderCompleted')}"
    return f"notification set aside #{seq} ({event}): handler failed: database is locked"


def _poison_not_yet_set_aside(cafeteria: Cafeteria) -> str:
    (letter,) = (
        d
        for d in cafeteria.dead_letters
        if d.consumer == "payment" and d.data == GARBAGE  # the garbage, not the future Cooked
    )
    cafeteria.dead_letters.remove(letter)
    return f"poison #{letter.original_sequence} not yet set aside by payment"


def _unreadable_but_not_injected(cafeteria: Cafeteria) -> str:
    seq = cafeteria.append(Cooked.subject(), b"\x00\x01 not json")
    return f"stream #{seq} on erestaurant.kitchen.Cooked is unreadable and not injected poison"


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(_unpublished_outbox_row, id="unpublished"),
        pytest.param(_missing_from_an_inbox, id="missing-from-inbox"),
        pytest.param(_handled_an_event_not_in_the_stream, id="extra-in-inbox"),
        pytest.param(_dead_letter_for_a_real_event, id="real-event-dead"),
        pytest.param(_poison_not_yet_set_aside, id="poison-waiting"),
        pytest.param(_unreadable_but_not_injected, id="unreadable"),
    ],
)
def test_i5_outbox_drained_every_event_handled_once_and_only_poison_dead(
    breakage: Callable[[Cafeteria], str],
) -> None:
    cafeteria = lunch()
    says = breakage(cafeteria)

    failed = failing(cafeteria.check())

    assert list(failed) == ["I5"]
    assert failed["I5"] == says


# -- I6 the view -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_id", "column", "wrong", "right"),
    [
        pytest.param(COOKED, "cook_status", "COOKING", "COOKED", id="cook-status"),
        pytest.param(COOKED, "notified", False, True, id="notified-missed"),
        pytest.param(CANCELLED, "notified", True, False, id="notified-wrongly"),
        pytest.param(CANCELLED, "payment_status", "PENDING", "CANCELLED", id="payment-status"),
        pytest.param(TWICE, "order_status", "COOKING", "COMPLETED", id="order-status"),
    ],
)
def test_i6_a_view_row_that_differs_from_the_owners_fails(
    order_id: str, column: str, wrong: object, right: object
) -> None:
    cafeteria = lunch()
    cafeteria.mypages[order_id][column] = wrong

    failed = failing(cafeteria.check())

    assert list(failed) == ["I6"]
    assert failed["I6"] == f"{order_id} view vs owners: { ({column: (wrong, right)}) }"


def test_i6_an_order_missing_from_the_view_fails() -> None:
    cafeteria = lunch()
    del cafeteria.mypages[TWICE]

    assert failing(cafeteria.check()) == {"I6": f"{TWICE} missing from the view"}


# -- I7 ready messages -------------------------------------------------------------------------


def test_i7_a_completed_order_without_its_ready_message_fails() -> None:
    cafeteria = lunch()
    cafeteria.messages = [m for m in cafeteria.messages if m["order_id"] != COOKED]
    cafeteria.mypages[COOKED]["notified"] = False  # the view agrees: nobody was told

    assert failing(cafeteria.check()) == {"I7": f"{COOKED} (COMPLETED) has 0 messages"}


def test_i7_a_cancelled_order_with_a_ready_message_fails() -> None:
    cafeteria = lunch()
    cafeteria.messages.append(cafeteria.ready_message(CANCELLED))
    cafeteria.mypages[CANCELLED]["notified"] = True

    assert failing(cafeteria.check()) == {"I7": f"{CANCELLED} (CANCELLED) has 1 messages"}


# -- I8 idempotency ----------------------------------------------------------------------------


def test_i8_one_key_answered_with_two_orders_fails() -> None:
    cafeteria = lunch()
    cafeteria.records["twice"].order_ids[1] = "order-twice-again"

    failed = failing(cafeteria.check())

    assert failed == {"I8": f"key twice gave orders {sorted([TWICE, 'order-twice-again'])}"}


# -- the summary -------------------------------------------------------------------------------


def test_the_summary_of_a_consistent_lunch() -> None:
    assert lunch().summary() == {
        "attempted": 4,
        "acknowledged": 3,
        "refused": 1,
        "completed": 2,
        "cancelled": 1,
        "lost": 0,
        "double_deductions": 0,
        "gave_up": 0,
        "dead_letters": 6,
    }


def test_the_summary_counts_lost_orders() -> None:
    cafeteria = lunch()
    _acknowledged_but_unknown_to_hall(cafeteria)
    _stuck_ordered(cafeteria)
    _stuck_cooking(cafeteria)

    counts = cafeteria.summary()

    assert (counts["attempted"], counts["acknowledged"]) == (7, 6)
    assert counts["lost"] == 3
    assert counts["gave_up"] == 1


# -- rows for orders hall never placed, poison set aside by a stranger, double charges ------


def test_i6_a_view_row_for_an_order_hall_never_placed_fails() -> None:
    cafeteria = lunch()
    cafeteria.mypages["ghost"] = {**cafeteria.mypages[COOKED], "order_id": "ghost"}

    assert failing(cafeteria.check()) == {"I6": "ghost in the view, but hall never placed it"}


def test_i7_a_ready_message_for_an_order_hall_never_placed_fails() -> None:
    cafeteria = lunch()
    cafeteria.messages.append({**cafeteria.ready_message(COOKED), "order_id": "ghost"})

    assert failing(cafeteria.check()) == {
        "I7": "a ready message for ghost, which hall never placed"
    }


def test_i5_poison_set_aside_by_a_consumer_that_does_not_follow_it_fails() -> None:
    cafeteria = lunch()
    garbage = next(seq for seq, due in cafeteria.poison.items() if due == set(GARBAGE_DUE))
    cafeteria.set_aside("notification", garbage, "unreadable: not an event envelope")

    assert failing(cafeteria.check()) == {
        "I5": f"notification set aside poison #{garbage} it does not follow"
    }


def test_the_summary_counts_two_deduction_events_for_one_order_as_a_double_deduction() -> None:
    cafeteria = lunch()
    _, first = cafeteria.events[(COOKED, "PaymentDeducted")]
    again = dataclasses.replace(first, event_id="0" * 32)  # handled twice: a second event
    cafeteria.append(PaymentDeducted.subject(), again.to_json())
    cafeteria.inbox["workercenter"].add(again.event_id)

    assert cafeteria.summary()["double_deductions"] == 1


def test_the_summary_counts_a_deduction_above_the_price_as_a_double_deduction() -> None:
    cafeteria = lunch()
    _deducted_twice_the_price(cafeteria)

    assert cafeteria.summary()["double_deductions"] == 1


# -- where the checker reads -------------------------------------------------------------------


def test_the_checker_reads_each_database_where_its_service_does(tmp_path: Path) -> None:
    before = dict(os.environ)
    system = {
        "ERESTAURANT_DATA_DIR": str(tmp_path),
        "PAYMENT_DATABASE_URL": "mysql+aiomysql://payment@db.internal/payment",
        "PAYMENT_DATABASE_PASSWORD": "from-a-secret",
        "WORKERCENTER_DATABASE_URL": "redis://cache.internal:6379/0",
        "WORKERCENTER_KEY_PREFIX": "lunch-view",
    }

    settings = service_settings(system)

    assert sorted(settings) == sorted(WITH_DATABASE)
    assert settings["payment"].database == (
        "mysql+aiomysql://payment:from-a-secret@db.internal/payment"
    )
    assert settings["hall"].database == f"sqlite+aiosqlite:///{tmp_path / 'hall.db'}"
    view = settings["workercenter"]
    assert isinstance(view, WorkercenterSettings)
    assert (view.uses_redis, view.key_prefix) == (True, "lunch-view")
    assert dict(os.environ) == before  # the system's environment, not this process's
