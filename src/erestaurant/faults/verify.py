"""The checker: reads every service's own data and the event stream, and counts what broke.

It reads each database where the service itself does: through the service's own settings,
loaded from the system's environment (``service_settings``), so a URL, a password kept
apart (``*_DATABASE_PASSWORD``) and the workercenter view on Redis are found as they are.

The invariants (docs/faults.md explains each):

I1 every order that got a 2xx reached COMPLETED or CANCELLED: lost = 0
I2 a payment deducts 0 or the order's price; each payroll total is the sum of the
   employee's completed orders
I3 nothing deducted for a cancelled order; a refused tap has no order at all (none in
   hall under the id its Idempotency-Key names, nothing deducted, no ticket cooked)
I4 exactly one ticket per order; portions held by the day's stock = portions of live
   reservations; none held for an order that was never placed
I5 no outbox row left unpublished; every consumer handled every event of its subjects
   exactly once (its inbox equals the stream), and only poison became a dead letter
I6 the workercenter view equals the owning services' state for every order
I7 exactly one ready message per completed order, none for the others
I8 one Idempotency-Key, one order
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import nats
from nats.js.api import DeliverPolicy
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from erestaurant.contracts import CATALOG, Envelope, PaymentDeducted, UnknownEventError, decode
from erestaurant.contracts.statuses import CookStatus, MessageStatus, OrderStatus, PaymentStatus
from erestaurant.faults.kiosk import Plan, Record
from erestaurant.hall import adapters as hall_db
from erestaurant.hall import handlers as hall_handlers
from erestaurant.kitchen import adapters as kitchen_db
from erestaurant.kitchen import handlers as kitchen_handlers
from erestaurant.kitchen.domain import ReservationStatus
from erestaurant.notification import adapters as notification_db
from erestaurant.notification import handlers as notification_handlers
from erestaurant.payment import adapters as payment_db
from erestaurant.payment import handlers as payment_handlers
from erestaurant.platform import deadletter
from erestaurant.platform.consumer import Handlers
from erestaurant.platform.redis_store import RedisStore
from erestaurant.platform.settings import ServiceSettings
from erestaurant.platform.tables import ServiceTables
from erestaurant.services import REGISTRY, WITH_DATABASE
from erestaurant.workercenter import adapters as workercenter_db
from erestaurant.workercenter import handlers as workercenter_handlers
from erestaurant.workercenter.redis_adapters import decode_page
from erestaurant.workercenter.settings import WorkercenterSettings

EXAMPLES = 5
ENDED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED)


@dataclass
class Check:
    name: str
    checked: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, what: str) -> None:
        self.failures.append(what)

    def line(self) -> str:
        verdict = "ok" if self.ok else f"FAILED {len(self.failures)}"
        shown = "; ".join(self.failures[:EXAMPLES])
        return f"{self.name:<58} {self.checked:>7} checked  {verdict}" + (
            f"  e.g. {shown}" if shown else ""
        )


@dataclass
class Snapshot:
    """Everything the checker reads, in one go."""

    orders: dict[str, dict[str, Any]]
    tickets: list[dict[str, Any]]
    reservations: list[dict[str, Any]]
    stock: list[dict[str, Any]]
    payments: dict[str, dict[str, Any]]
    mypages: dict[str, dict[str, Any]]
    messages: list[dict[str, Any]]
    unpublished: dict[str, int]
    inbox: dict[str, set[str]]
    stream: list[tuple[int, str, bytes]]
    dead_letters: list[deadletter.DeadLetter]


# -- where the checker reads ---------------------------------------------------------------


def service_settings(env: Mapping[str, str]) -> dict[str, ServiceSettings]:
    """The settings of each service with a database, as it loads them in a system whose
    environment is ``env``: where its database is (password included), its stream."""
    # The settings classes read the process's environment: make it the system's while they do.
    with mock.patch.dict(os.environ, env, clear=True):
        loaded = {name: REGISTRY[name].settings.load() for name in WITH_DATABASE}
    settings = {}
    for name, one in loaded.items():
        assert isinstance(one, ServiceSettings), f"{name} keeps no database"
        settings[name] = one
    return settings


def consumers(timezone: str) -> dict[str, Handlers]:
    """What each service follows (its handler map), for every service with a database."""
    # The five handler maps, made as each bootstrap makes them; a service the registry adds
    # without an entry here fails loudly (KeyError), instead of going unchecked.
    maps: dict[str, Handlers] = {
        "hall": hall_handlers.HANDLERS,
        "kitchen": kitchen_handlers.handlers(timezone),
        "payment": payment_handlers.handlers(timezone),
        "workercenter": workercenter_handlers.HANDLERS,
        "notification": notification_handlers.HANDLERS,
    }
    return {name: maps[name] for name in WITH_DATABASE}


def order_id_of(plan: Plan) -> str:
    """The id hall gives the order of a tap: it derives it from the card and the
    Idempotency-Key, so that every retry of one tap names one order."""
    command = hall_handlers.PlaceOrder(plan.card, plan.menu_id, plan.qty, idempotency_key=plan.key)
    return command.order_id()


async def snapshot(settings: Mapping[str, ServiceSettings]) -> Snapshot:
    """Read every service's own data where its ``settings`` say, and the whole stream."""
    view = settings["workercenter"]
    redis = view if isinstance(view, WorkercenterSettings) and view.uses_redis else None
    engines = {
        name: create_async_engine(one.database)
        for name, one in settings.items()
        if not (redis is not None and name == "workercenter")
    }
    try:
        rows = {
            "orders": await _rows(engines["hall"], hall_db.orders),
            "tickets": await _rows(engines["kitchen"], kitchen_db.cook_tickets),
            "reservations": await _rows(engines["kitchen"], kitchen_db.reservations),
            "stock": await _rows(engines["kitchen"], kitchen_db.daily_stock),
            "payments": await _rows(engines["payment"], payment_db.payments),
            "messages": await _rows(engines["notification"], notification_db.messages),
        }
        unpublished, inbox = {}, {}
        for name, engine in engines.items():
            tables = _tables(name)
            # The view publishes nothing: it has no outbox.
            outbox = tables.outbox
            unpublished[name] = 0 if outbox is None else await _count_unpublished(engine, outbox)
            inbox[name] = {r["event_id"] for r in await _rows(engine, tables.inbox)}
        if redis is None:
            mypages = await _rows(engines["workercenter"], workercenter_db.mypages)
        else:
            mypages, inbox["workercenter"] = await _redis_view(redis)
            unpublished["workercenter"] = 0
    finally:
        for engine in engines.values():
            await engine.dispose()
    broker = settings["hall"]  # every service is on the same stream
    messages, letters = await _read_stream(broker.nats_url, broker.stream)
    return Snapshot(
        orders={r["order_id"]: r for r in rows["orders"]},
        tickets=rows["tickets"],
        reservations=rows["reservations"],
        stock=rows["stock"],
        payments={r["order_id"]: r for r in rows["payments"]},
        mypages={r["order_id"]: r for r in mypages},
        messages=rows["messages"],
        unpublished=unpublished,
        inbox=inbox,
        stream=messages,
        dead_letters=letters,
    )


def _tables(service: str) -> ServiceTables:
    """A service's schema, found where platform/migrations.py finds it."""
    tables: ServiceTables = importlib.import_module(f"erestaurant.{service}.adapters").TABLES
    return tables


async def _rows(engine: AsyncEngine, table: Table) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(select(table))]


async def _count_unpublished(engine: AsyncEngine, outbox: Table) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        return int((await conn.execute(query)).scalar_one())


async def _redis_view(settings: WorkercenterSettings) -> tuple[list[dict[str, Any]], set[str]]:
    """The view's rows and its inbox on Redis, under workercenter's key prefix."""
    store = RedisStore(settings.database, settings.key_prefix)
    try:
        pages = []
        for key in await _keys(store, "mypage"):
            fields = await store.client.hgetall(key)
            if fields:  # gone since the scan
                text = {str(name): str(value) for name, value in fields.items()}
                pages.append(dataclasses.asdict(decode_page(text)))
        inbox = {key.removeprefix(store.key("inbox", "")) for key in await _keys(store, "inbox")}
    finally:
        await store.close()
    return pages, inbox


async def _keys(store: RedisStore, kind: str) -> list[str]:
    pattern = re.sub(r"([\\*?\[\]])", r"\\\1", store.key(kind)) + ":*"
    return [str(key) async for key in store.client.scan_iter(match=pattern, count=500)]


async def _read_stream(
    nats_url: str, stream: str
) -> tuple[list[tuple[int, str, bytes]], list[deadletter.DeadLetter]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        last = info.state.last_seq
        messages: list[tuple[int, str, bytes]] = []
        if info.state.messages:
            sub = await js.subscribe(
                "erestaurant.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
            )
            try:
                while True:
                    msg = await sub.next_msg(timeout=10)
                    seq = msg.metadata.sequence.stream
                    messages.append((seq, msg.subject, msg.data))
                    if seq >= last:
                        break
            finally:
                await sub.unsubscribe()
        letters = await deadletter.list_all(js, stream)
        return messages, letters
    finally:
        await nc.close()


# -- the invariants ------------------------------------------------------------------------


def check(
    snap: Snapshot,
    records: list[Record],
    poison: Mapping[int, set[str]],
    timezone: str,
) -> list[Check]:
    """Every invariant, each with what it checked and what broke."""
    return [
        _nothing_lost(snap, records),
        _deductions(snap),
        _nothing_deducted_unless_completed(snap, records),
        _tickets_and_portions(snap),
        _events(snap, poison, timezone),
        _view(snap),
        _messages(snap),
        _idempotency(snap, records),
    ]


def _acknowledged(records: list[Record]) -> list[Record]:
    """The taps hall answered 2xx (once at least)."""
    return [r for r in records if r.acknowledged]


def _refused(records: list[Record]) -> list[Record]:
    """The taps hall refused for good (409, 422), never answering 2xx."""
    return [r for r in records if r.refused is not None and not r.acknowledged]


def _nothing_lost(snap: Snapshot, records: list[Record]) -> Check:
    c = Check("I1 every acknowledged order COMPLETED or CANCELLED (lost = 0)")
    for r in _acknowledged(records):
        c.checked += 1
        order = snap.orders.get(r.order_id)
        if order is None:
            c.fail(f"{r.order_id} acknowledged but unknown to hall")
        elif order["status"] not in ENDED:
            c.fail(f"{r.order_id} still {order['status']} ({_cause(r)})")
        elif r.cooked and order["status"] != OrderStatus.COMPLETED:
            c.fail(f"{r.order_id} cooked but {order['status']}")
        elif r.cancelled and order["status"] != OrderStatus.CANCELLED:
            c.fail(f"{r.order_id} cancel answered 200 but {order['status']}")
    return c


def _cause(r: Record) -> str:
    return (
        r.gave_up
        or r.kitchen_said
        or f"fate {r.plan.fate}, cooked={r.cooked}, cancelled={r.cancelled}"
    )


def _deducted(payment: Mapping[str, Any] | None) -> int:
    """What a payment took from a salary: its amount once deducted, else nothing."""
    if payment is None or payment["status"] != PaymentStatus.DEDUCTED:
        return 0
    amount: int = payment["amount"]
    return amount


def _deductions(snap: Snapshot) -> Check:
    c = Check("I2 deducted 0 or the price; payroll = sum of completed orders")
    payroll: Counter[str] = Counter()
    owed: Counter[str] = Counter()
    for order_id, order in snap.orders.items():
        c.checked += 1
        deducted = _deducted(snap.payments.get(order_id))
        if deducted not in (0, order["amount"]):
            c.fail(f"{order_id} deducted {deducted}, price {order['amount']}")
        if order["status"] == OrderStatus.COMPLETED:
            owed[order["employee_card_no"]] += order["amount"]
            if deducted != order["amount"]:
                c.fail(f"{order_id} completed but deducted {deducted}")
    for payment in snap.payments.values():
        payroll[payment["employee_card_no"]] += _deducted(payment)
    for card in set(payroll) | set(owed):
        if payroll[card] != owed[card]:
            c.fail(f"card {card}: payroll {payroll[card]}, completed orders {owed[card]}")
    return c


def _nothing_deducted_unless_completed(snap: Snapshot, records: list[Record]) -> Check:
    c = Check("I3 no deduction for a cancelled or refused order")
    for order_id, payment in snap.payments.items():
        c.checked += 1
        order = snap.orders.get(order_id)
        if not _deducted(payment):
            continue
        if order is None:
            c.fail(f"{order_id} deducted but hall has no such order")
        elif order["status"] == OrderStatus.CANCELLED:
            c.fail(f"{order_id} cancelled but deducted")
    # A refused tap has no order at all, whatever it was refused for: none in hall (the id
    # its key names), so nothing deducted for it and no ticket cooked.
    cooked = {t["order_id"] for t in snap.tickets if t["status"] == CookStatus.COOKED}
    for r in _refused(records):
        c.checked += 1
        order_id = order_id_of(r.plan)
        kept = []
        if order_id in snap.orders:
            kept.append(f"hall has order {order_id} ({snap.orders[order_id]['status']})")
        if deducted := _deducted(snap.payments.get(order_id)):
            kept.append(f"deducted {deducted}")
        if order_id in cooked:
            kept.append("its ticket cooked")
        if kept:
            c.fail(f"key {r.plan.key} refused ({r.refused}) but {', '.join(kept)}")
    return c


def _tickets_and_portions(snap: Snapshot) -> Check:
    c = Check("I4 one ticket per order; portions held = live reservations")
    per_order = Counter(t["order_id"] for t in snap.tickets)
    for order_id in snap.orders:
        c.checked += 1
        if per_order[order_id] != 1:
            c.fail(f"{order_id} has {per_order[order_id]} tickets")
    for order_id in set(per_order) - set(snap.orders):
        c.fail(f"ticket for {order_id}, which hall never placed")
    held: Counter[tuple[int, Any]] = Counter()
    for r in snap.reservations:
        if r["status"] in (ReservationStatus.HELD, ReservationStatus.USED):
            held[(r["menu_id"], r["day"])] += r["qty"]
        order = snap.orders.get(r["order_id"])
        if order is None:
            # EXPIRED is the time-to-live doing its work for an order hall never committed.
            if r["status"] != ReservationStatus.EXPIRED:
                c.fail(f"reservation {r['order_id']} ({r['status']}) for an order never placed")
        elif (r["status"] == ReservationStatus.RELEASED) != (
            order["status"] == OrderStatus.CANCELLED
        ):
            c.fail(f"reservation {r['order_id']} {r['status']}, order {order['status']}")
    for s in snap.stock:
        c.checked += 1
        live = held[(s["menu_id"], s["day"])]
        if s["reserved"] != live:
            c.fail(f"menu {s['menu_id']} on {s['day']}: stock {s['reserved']}, reservations {live}")
    return c


def _events(snap: Snapshot, poison: Mapping[int, set[str]], timezone: str) -> Check:
    c = Check("I5 outbox drained; each event handled once; only poison dead")
    for service, count in snap.unpublished.items():
        c.checked += 1
        if count:
            c.fail(f"{service} has {count} unpublished outbox rows")
    readable: dict[str, set[str]] = defaultdict(set)
    for seq, subject, data in snap.stream:
        try:
            envelope = Envelope.from_json(data)
            decode(envelope, CATALOG)
        except UnknownEventError:
            if seq not in poison and not subject.startswith(deadletter.SUBJECT):
                c.fail(f"stream #{seq} on {subject} is unreadable and not injected poison")
            continue
        if seq not in poison:
            readable[subject].add(envelope.event_id)
    for service, handlers in consumers(timezone).items():
        expected = set().union(*(readable[cls.subject()] for cls in handlers))
        c.checked += len(expected)
        missed, extra = expected - snap.inbox[service], snap.inbox[service] - expected
        if missed:
            c.fail(f"{service} never handled {len(missed)} event(s), e.g. {sorted(missed)[0]}")
        if extra:
            c.fail(f"{service} handled {len(extra)} event(s) not in the stream")
    set_aside = {(letter.original_sequence, letter.consumer) for letter in snap.dead_letters}
    for seq, due in poison.items():
        c.checked += 1
        waiting = {consumer for consumer in due if (seq, consumer) not in set_aside}
        if waiting:
            c.fail(f"poison #{seq} not yet set aside by {', '.join(sorted(waiting))}")
    for letter in snap.dead_letters:
        c.checked += 1
        if letter.consumer not in poison.get(letter.original_sequence, {letter.consumer}):
            c.fail(
                f"{letter.consumer} set aside poison #{letter.original_sequence} it does not follow"
            )
        if letter.original_sequence not in poison:
            where = f"#{letter.original_sequence} ({letter.event})"
            c.fail(f"{letter.consumer} set aside {where}: {letter.reason}")
    return c


def _view(snap: Snapshot) -> Check:
    c = Check("I6 the view equals the owners' state")
    tickets = {t["order_id"]: t for t in snap.tickets}
    notified = {m["order_id"] for m in snap.messages if m["status"] == MessageStatus.SENT}
    for order_id, order in snap.orders.items():
        c.checked += 1
        row = snap.mypages.get(order_id)
        if row is None:
            c.fail(f"{order_id} missing from the view")
            continue
        payment = snap.payments.get(order_id)
        ticket = tickets.get(order_id)
        truth = {
            "employee_card_no": order["employee_card_no"],
            "menu_name": order["menu_name"],
            "qty": order["qty"],
            "amount": order["amount"],
            "order_status": order["status"],
            "cook_status": ticket["status"] if ticket else None,
            "payment_status": payment["status"] if payment else None,
            "notified": order_id in notified,
        }
        wrong = {k: (row[k], v) for k, v in truth.items() if row[k] != v}
        if wrong:
            c.fail(f"{order_id} view vs owners: {wrong}")
    for order_id in set(snap.mypages) - set(snap.orders):
        c.fail(f"{order_id} in the view, but hall never placed it")
    return c


def _messages(snap: Snapshot) -> Check:
    c = Check("I7 one ready message per completed order")
    per_order = Counter(m["order_id"] for m in snap.messages)
    for order_id, order in snap.orders.items():
        c.checked += 1
        expected = 1 if order["status"] == OrderStatus.COMPLETED else 0
        if per_order[order_id] != expected:
            c.fail(f"{order_id} ({order['status']}) has {per_order[order_id]} messages")
    for order_id in set(per_order) - set(snap.orders):
        c.fail(f"a ready message for {order_id}, which hall never placed")
    return c


def _idempotency(snap: Snapshot, records: list[Record]) -> Check:
    c = Check("I8 one Idempotency-Key, one order")
    for r in _acknowledged(records):
        c.checked += 1
        if len(set(r.order_ids)) != 1:
            c.fail(f"key {r.plan.key} gave orders {sorted(set(r.order_ids))}")
    return c


def summary(snap: Snapshot, records: list[Record]) -> dict[str, int]:
    """The counts a report shows beside the invariants."""
    statuses = Counter(o["status"] for o in snap.orders.values())
    acknowledged = _acknowledged(records)
    return {
        "attempted": len(records),
        "acknowledged": len(acknowledged),
        "refused": sum(1 for r in records if r.refused),
        "completed": statuses[OrderStatus.COMPLETED],
        "cancelled": statuses[OrderStatus.CANCELLED],
        "lost": sum(
            1 for r in acknowledged if snap.orders.get(r.order_id, {}).get("status") not in ENDED
        ),
        "double_deductions": double_deductions(snap),
        "gave_up": sum(1 for r in records if r.gave_up),
        "dead_letters": len(snap.dead_letters),
    }


def double_deductions(snap: Snapshot) -> int:
    """Orders charged more than once: two PaymentDeducted events for one order in the
    stream (distinct event ids), or a deducted amount above the order's price."""
    deducted: dict[str, set[str]] = defaultdict(set)
    for _, subject, data in snap.stream:
        if subject != PaymentDeducted.subject():
            continue
        with contextlib.suppress(UnknownEventError):
            envelope = Envelope.from_json(data)
            deducted[str(envelope.payload.get("orderId"))].add(envelope.event_id)
    twice = {order_id for order_id, ids in deducted.items() if len(ids) > 1}
    for order_id, payment in snap.payments.items():
        order = snap.orders.get(order_id)
        if order and _deducted(payment) > order["amount"]:
            twice.add(order_id)
    return len(twice)


if __name__ == "__main__":  # pragma: no cover - a quick look at a running system
    snap = asyncio.run(snapshot(service_settings(os.environ)))
    for line in check(snap, [], {}, os.environ.get("ERESTAURANT_TIMEZONE", "Asia/Seoul")):
        print(line.line())
