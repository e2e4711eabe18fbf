"""Payment's model: it deducts once it knows both the order and the end of its cooking,
whatever order they arrive in, and never after a cancellation."""

from __future__ import annotations

import itertools

import pytest

from erestaurant.payment.domain import IllegalPaymentTransition, Payment, PaymentStatus

from .samples import CARD, LUNCH, minutes

PENDING, DEDUCTED, CANCELLED = (
    PaymentStatus.PENDING,
    PaymentStatus.DEDUCTED,
    PaymentStatus.CANCELLED,
)


def payment() -> Payment:
    return Payment(order_id="order-1", created_at=LUNCH, payment_id=1)


def arrive(p: Payment, news: str) -> None:
    """What the handlers do with each piece of news: learn it, then deduct if now due."""
    if news == "order":
        p.learn_order(CARD, 7000)
    elif news == "cooked":
        try:
            p.learn_cooked(minutes(10))
        except IllegalPaymentTransition:
            return
    else:
        try:
            p.cancel()
        except IllegalPaymentTransition:
            return
    if p.due:
        p.deduct(minutes(11), "2026-11")


def test_a_new_payment_is_pending_and_not_due() -> None:
    new = payment()
    assert (new.status, new.due) == (PENDING, False)


@pytest.mark.parametrize("news", ["order", "cooked"])
def test_half_the_news_is_not_enough_to_deduct(news: str) -> None:
    half = payment()
    if news == "order":
        half.learn_order(CARD, 7000)
    else:
        half.learn_cooked(minutes(10))
    assert half.due is False


@pytest.mark.parametrize("arrival", list(itertools.permutations(["order", "cooked"])))
def test_the_order_and_its_cooking_make_it_due_in_either_order(arrival: tuple[str, str]) -> None:
    p = payment()
    for news in arrival:
        if news == "order":
            p.learn_order(CARD, 7000)
        else:
            p.learn_cooked(minutes(10))
    assert p.due is True
    assert (p.employee_card_no, p.amount, p.cooked_at) == (CARD, 7000, minutes(10))


def test_a_negative_amount_is_refused() -> None:
    p = payment()
    with pytest.raises(IllegalPaymentTransition, match="negative"):
        p.learn_order(CARD, -1)
    assert p.amount is None


def test_a_free_meal_is_deducted_as_zero() -> None:
    p = payment()
    p.learn_order(CARD, 0)
    p.learn_cooked(minutes(10))
    assert p.due is True


def test_cooked_again_keeps_the_first_cooked_time() -> None:
    p = payment()
    p.learn_cooked(minutes(10))
    p.learn_cooked(minutes(30))
    assert p.cooked_at == minutes(10)


def test_deducting_records_when_and_for_which_pay_period() -> None:
    p = payment()
    p.learn_order(CARD, 7000)
    p.learn_cooked(minutes(10))
    p.deduct(minutes(11), "2026-11")
    assert (p.status, p.deducted_at, p.pay_period, p.due) == (
        DEDUCTED,
        minutes(11),
        "2026-11",
        False,
    )


def test_a_payment_is_deducted_only_once() -> None:
    p = payment()
    p.learn_order(CARD, 7000)
    p.learn_cooked(minutes(10))
    p.deduct(minutes(11), "2026-11")
    with pytest.raises(IllegalPaymentTransition, match="DEDUCTED payment is not due"):
        p.deduct(minutes(12), "2026-12")
    assert (p.deducted_at, p.pay_period) == (minutes(11), "2026-11")


@pytest.mark.parametrize("known", [(), ("order",), ("cooked",)])
def test_a_payment_that_is_not_due_cannot_be_deducted(known: tuple[str, ...]) -> None:
    p = payment()
    if "order" in known:
        p.learn_order(CARD, 7000)
    if "cooked" in known:
        p.learn_cooked(minutes(10))
    with pytest.raises(IllegalPaymentTransition, match="not due"):
        p.deduct(minutes(11), "2026-11")
    assert p.status is PENDING


def test_a_pending_payment_can_be_cancelled() -> None:
    p = payment()
    assert p.cancel() is True
    assert p.status is CANCELLED


def test_cancelling_twice_is_a_no_op() -> None:
    p = payment()
    p.cancel()
    assert p.cancel() is False
    assert p.status is CANCELLED


def test_a_deducted_payment_cannot_be_cancelled() -> None:
    p = payment()
    p.learn_order(CARD, 7000)
    p.learn_cooked(minutes(10))
    p.deduct(minutes(11), "2026-11")
    with pytest.raises(IllegalPaymentTransition, match="deducted"):
        p.cancel()
    assert p.status is DEDUCTED


def test_a_cancelled_payment_is_never_cooked() -> None:
    p = payment()
    p.cancel()
    with pytest.raises(IllegalPaymentTransition, match="cancelled"):
        p.learn_cooked(minutes(10))
    assert p.cooked_at is None


def test_a_cancelled_payment_is_never_due_even_when_the_order_arrives_late() -> None:
    p = payment()
    p.cancel()
    p.learn_order(CARD, 7000)
    assert (p.status, p.due) == (CANCELLED, False)
    with pytest.raises(IllegalPaymentTransition, match="CANCELLED payment is not due"):
        p.deduct(minutes(11), "2026-11")


@pytest.mark.parametrize(
    "arrival", list(itertools.permutations(["order", "cooked", "cancel"])), ids=" > ".join
)
def test_in_every_order_of_arrival_a_cancellation_before_cooking_prevents_the_deduction(
    arrival: tuple[str, ...],
) -> None:
    p = payment()
    for news in arrival:
        arrive(p, news)
    # Only when the order and its cooking were both known before the cancel was it deducted.
    expected = DEDUCTED if arrival[-1] == "cancel" else CANCELLED
    assert p.status is expected
    assert (p.deducted_at is not None) is (expected is DEDUCTED)
