"""Payment's model: it deducts once it knows both the order and the end of its cooking,
whatever order they arrive in, and never after a cancellation; a payroll account can be
deactivated, its card issued again, and given a kiosk PIN (as a hash)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from erestaurant.contracts.statuses import PaymentStatus
from erestaurant.payment.domain import (
    CardAlreadyRegistered,
    CardDeactivated,
    Deduction,
    DeductionStands,
    Employee,
    EmployeeWasDeactivated,
    EmployeeWasRegistered,
    IllegalPaymentTransition,
    OrderTerms,
    Payment,
    PaymentWasCancelled,
    PaymentWasDeducted,
    PinWasSet,
)

from .samples import CARD, LUNCH, minutes

PENDING, DEDUCTED, CANCELLED = (
    PaymentStatus.PENDING,
    PaymentStatus.DEDUCTED,
    PaymentStatus.CANCELLED,
)


def payment() -> Payment:
    return Payment(order_id="order-1", created_at=LUNCH, payment_id=1)


def november(_: datetime) -> str:
    """A pay period for every instant: which one is the handlers' business (their tests)."""
    return "2026-11"


def december(_: datetime) -> str:
    return "2026-12"


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
            p.cancel(CARD, minutes(1))
        except IllegalPaymentTransition:
            return
    if p.due:
        p.deduct(minutes(11), november)


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
    p.deduct(minutes(11), november)
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
    p.deduct(minutes(11), november)
    with pytest.raises(IllegalPaymentTransition, match="DEDUCTED payment is not due"):
        p.deduct(minutes(12), december)
    assert (p.deducted_at, p.pay_period) == (minutes(11), "2026-11")


@pytest.mark.parametrize("known", [(), ("order",), ("cooked",)])
def test_a_payment_that_is_not_due_cannot_be_deducted(known: tuple[str, ...]) -> None:
    p = payment()
    if "order" in known:
        p.learn_order(CARD, 7000)
    if "cooked" in known:
        p.learn_cooked(minutes(10))
    with pytest.raises(IllegalPaymentTransition, match="not due"):
        p.deduct(minutes(11), november)
    assert p.status is PENDING


def test_a_pending_payment_can_be_cancelled() -> None:
    p = payment()
    assert p.cancel(CARD, minutes(1)) is True
    assert p.status is CANCELLED


def test_cancelling_twice_is_a_no_op() -> None:
    p = payment()
    p.cancel(CARD, minutes(1))
    assert p.cancel(CARD, minutes(1)) is False
    assert p.status is CANCELLED


def test_a_deducted_payment_cannot_be_cancelled() -> None:
    p = payment()
    p.learn_order(CARD, 7000)
    p.learn_cooked(minutes(10))
    p.deduct(minutes(11), november)
    with pytest.raises(IllegalPaymentTransition, match="deducted"):
        p.cancel(CARD, minutes(1))
    assert p.status is DEDUCTED


def test_a_cancelled_payment_is_never_cooked() -> None:
    p = payment()
    p.cancel(CARD, minutes(1))
    with pytest.raises(IllegalPaymentTransition, match="cancelled"):
        p.learn_cooked(minutes(10))
    assert p.cooked_at is None


def test_a_cancelled_payment_is_never_due_even_when_the_order_arrives_late() -> None:
    p = payment()
    p.cancel(CARD, minutes(1))
    p.learn_order(CARD, 7000)
    assert (p.status, p.due) == (CANCELLED, False)
    with pytest.raises(IllegalPaymentTransition, match="CANCELLED payment is not due"):
        p.deduct(minutes(11), november)


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


def deducted() -> Payment:
    p = payment()
    p.learn_order(CARD, 7000)
    p.learn_cooked(minutes(10))
    p.deduct(minutes(11), november)
    return p


def test_a_deduction_records_what_was_deducted_for_its_event() -> None:
    p = payment()
    p.learn_order(CARD, 7000)
    p.learn_cooked(minutes(10))
    event = p.deduct(minutes(11), november)
    assert event == PaymentWasDeducted(1, "order-1", CARD, 7000, "2026-11", minutes(11))
    assert p.take_events() == [event]
    assert (p.terms, p.deduction) == (OrderTerms(CARD, 7000), Deduction("2026-11", minutes(11)))


def test_the_pay_period_is_the_one_of_the_cooking_not_of_the_deduction() -> None:
    asked: list[datetime] = []

    def period_of(instant: datetime) -> str:
        asked.append(instant)
        return "2026-11"

    p = payment()
    p.learn_cooked(minutes(10))
    p.learn_order(CARD, 7000)
    p.deduct(minutes(60 * 24 * 3), period_of)
    assert asked == [minutes(10)]


def test_the_same_order_told_again_after_the_deduction_changes_nothing() -> None:
    p = deducted()
    p.take_events()
    p.learn_order(CARD, 7000)  # an OrderPlaced published again, under a new event id
    assert (p.terms, p.deduction, p.status) == (
        OrderTerms(CARD, 7000),
        Deduction("2026-11", minutes(11)),
        DEDUCTED,
    )
    assert (p.due, p.take_events()) == (False, [])


@pytest.mark.parametrize(("card", "amount"), [("E2002", 7000), (CARD, 9000), ("E2002", 0)])
def test_other_terms_after_the_deduction_never_change_what_was_deducted(
    card: str, amount: int
) -> None:
    p = deducted()
    p.take_events()
    with pytest.raises(DeductionStands, match="cannot change what was deducted"):
        p.learn_order(card, amount)
    assert (p.employee_card_no, p.amount, p.pay_period, p.deducted_at) == (
        CARD,
        7000,
        "2026-11",
        minutes(11),
    )
    assert (p.status, p.due, p.take_events()) == (DEDUCTED, False, [])


def test_other_terms_before_the_deduction_are_the_ones_deducted() -> None:
    p = payment()
    p.learn_order(CARD, 7000)
    p.learn_order(CARD, 14000)
    p.learn_cooked(minutes(10))
    assert p.deduct(minutes(11), november).amount == 14000


def test_a_cancellation_records_the_card_of_the_order() -> None:
    p = payment()
    p.learn_order(CARD, 7000)
    p.cancel("E2002", minutes(1))
    assert p.take_events() == [PaymentWasCancelled(1, "order-1", CARD, minutes(1))]
    assert p.employee_card_no == CARD


def test_a_cancellation_before_the_order_is_of_the_card_it_names_until_the_order_says() -> None:
    p = payment()
    p.cancel(CARD, minutes(1))
    assert p.take_events() == [PaymentWasCancelled(1, "order-1", CARD, minutes(1))]
    assert (p.employee_card_no, p.amount, p.terms) == (CARD, None, None)
    p.learn_order(CARD, 7000)  # the order catches up: listed from now on, never deducted
    assert (p.employee_card_no, p.amount, p.card_from_cancel) == (CARD, 7000, None)


def test_a_cancellation_again_records_nothing() -> None:
    p = payment()
    p.cancel(CARD, minutes(1))
    p.take_events()
    p.cancel(CARD, minutes(2))
    assert p.take_events() == []


def test_a_payment_that_is_not_due_records_nothing() -> None:
    p = payment()
    p.learn_order(CARD, 7000)
    with pytest.raises(IllegalPaymentTransition):
        p.deduct(minutes(11), november)
    assert p.take_events() == []


# -- payroll accounts ------------------------------------------------------------------------


def employee() -> Employee:
    return Employee(CARD, "Kim Minji", LUNCH)


def deactivated() -> Employee:
    closed = employee()
    closed.deactivate(minutes(10))
    return closed


def test_a_new_account_is_active_and_has_no_pin() -> None:
    new = employee()
    assert (new.active, new.deactivated_at, new.pin_set) == (True, None, False)


def test_an_account_is_deactivated_once() -> None:
    account = employee()
    assert account.deactivate(minutes(10)) is True
    assert (account.active, account.deactivated_at) == (False, minutes(10))
    assert account.deactivate(minutes(20)) is False
    assert account.deactivated_at == minutes(10)


def test_a_deactivation_is_after_the_registration_even_on_a_clock_behind() -> None:
    account = employee()
    account.deactivate(LUNCH - timedelta(seconds=1))  # another replica's clock, a bit behind
    assert account.deactivated_at is not None
    assert account.deactivated_at > account.registered_at


def test_registering_an_active_card_again_with_its_name_changes_nothing() -> None:
    account = employee()
    assert account.register_again("Kim Minji", minutes(5)) is False
    assert account == employee()


def test_an_active_card_is_not_registered_to_someone_else() -> None:
    account = employee()
    with pytest.raises(CardAlreadyRegistered, match="Kim Minji"):
        account.register_again("Lee Jun", minutes(5))
    assert account == employee()


def test_a_deactivated_card_is_issued_again_perhaps_to_someone_else_without_its_pin() -> None:
    account = employee()
    account.set_pin("$argon2id$old", minutes(1))
    account.deactivate(minutes(10))
    assert account.register_again("Lee Jun", minutes(20)) is True
    assert account == Employee(CARD, "Lee Jun", minutes(20), deactivated_at=None, pin_hash=None)
    assert account.active is True


def test_a_card_issued_again_is_registered_after_its_deactivation_even_on_a_clock_behind() -> None:
    account = deactivated()
    account.register_again("Kim Minji", minutes(10) - timedelta(seconds=1))
    assert account.registered_at > minutes(10)


def test_a_pin_is_kept_as_its_hash_and_set_after_the_registration() -> None:
    account = employee()
    assert account.set_pin("$argon2id$hash", minutes(5)) == minutes(5)
    assert (account.pin_hash, account.pin_set) == ("$argon2id$hash", True)
    assert account.set_pin("$argon2id$hash", LUNCH - timedelta(seconds=1)) > LUNCH


def test_a_deactivated_card_takes_no_pin() -> None:
    account = deactivated()
    with pytest.raises(CardDeactivated):
        account.set_pin("$argon2id$hash", minutes(20))
    assert account.pin_hash is None


def test_a_new_account_records_its_registration() -> None:
    account = Employee.register(CARD, "Kim Minji", LUNCH)
    assert account == employee()
    assert account.take_events() == [EmployeeWasRegistered(CARD, "Kim Minji", LUNCH)]


def test_each_change_of_an_account_records_what_happened_and_a_repeat_nothing() -> None:
    account = employee()
    account.set_pin("$argon2id$hash", minutes(5))
    account.deactivate(minutes(10))
    account.deactivate(minutes(15))
    account.register_again("Lee Jun", minutes(20))
    account.register_again("Lee Jun", minutes(25))
    assert account.take_events() == [
        PinWasSet(CARD, "$argon2id$hash", minutes(5)),
        EmployeeWasDeactivated(CARD, minutes(10)),
        EmployeeWasRegistered(CARD, "Lee Jun", minutes(20)),
    ]


def test_a_refusal_records_nothing_and_carries_what_its_answer_shows() -> None:
    account = employee()
    with pytest.raises(CardAlreadyRegistered) as taken:
        account.register_again("Lee Jun", minutes(5))
    assert (taken.value.employee_card_no, taken.value.holder) == (CARD, "Kim Minji")
    account.deactivate(minutes(10))
    account.take_events()
    with pytest.raises(CardDeactivated) as closed:
        account.set_pin("$argon2id$hash", minutes(20))
    assert closed.value.employee_card_no == CARD
    assert account.take_events() == []
