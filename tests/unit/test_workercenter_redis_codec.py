"""How a my-page row is written into a Redis hash and read back: nothing lost, nothing added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from erestaurant.contracts.statuses import CookStatus, OrderStatus, PaymentStatus
from erestaurant.workercenter.domain import MyPageRow
from erestaurant.workercenter.redis_adapters import (
    decode_instant,
    decode_page,
    encode_instant,
    encode_page,
    instant_score,
)

from .samples import CARD, LUNCH, ORDER, minutes

SEOUL = timezone(timedelta(hours=9))

SERVED = MyPageRow(
    order_id=ORDER,
    updated_at=minutes(11) + timedelta(microseconds=7),
    employee_card_no=CARD,
    menu_name="Bibimbap",
    qty=2,
    amount=14000,
    order_status=OrderStatus.COMPLETED,
    cook_status=CookStatus.COOKED,
    payment_status=PaymentStatus.DEDUCTED,
    notified=True,
)


def test_a_full_row_comes_back_as_it_went_in() -> None:
    assert decode_page(encode_page(SERVED)) == SERVED


def test_what_is_not_known_yet_is_left_out_of_the_hash() -> None:
    early = MyPageRow(order_id=ORDER, updated_at=LUNCH, cook_status=CookStatus.COOKED)
    assert encode_page(early) == {
        "order_id": ORDER,
        "updated_at": "2026-11-30T03:00:00.000000+00:00",
        "cook_status": "COOKED",
        "notified": "0",
    }
    assert decode_page(encode_page(early)) == early


def test_notified_is_one_or_zero() -> None:
    assert encode_page(SERVED)["notified"] == "1"
    assert decode_page({**encode_page(SERVED), "notified": "0"}).notified is False


def test_a_field_a_newer_writer_added_is_ignored() -> None:
    assert decode_page({**encode_page(SERVED), "pickup_counter": "3"}) == SERVED


def test_instants_are_kept_in_utc_to_the_microsecond() -> None:
    in_seoul = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=SEOUL)
    text = encode_instant(in_seoul)
    assert text == "2026-11-30T03:00:00.123456+00:00"
    back = decode_instant(text)
    assert (back, back.tzinfo) == (in_seoul, UTC)


def test_an_instant_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        encode_instant(datetime(2026, 11, 30, 12, 0))
    with pytest.raises(ValueError, match="naive"):
        instant_score(datetime(2026, 11, 30, 12, 0))
    with pytest.raises(ValueError, match="time zone"):
        decode_instant("2026-11-30T03:00:00")


def test_scores_order_instants_a_microsecond_apart() -> None:
    earlier, later = LUNCH, LUNCH + timedelta(microseconds=1)
    assert instant_score(earlier) < instant_score(later)
    assert instant_score(LUNCH) == LUNCH.timestamp()


def test_statuses_are_stored_as_their_names_and_read_back_as_the_public_enums() -> None:
    stored = encode_page(SERVED)
    assert [type(stored[name]) for name in ("order_status", "cook_status", "payment_status")] == [
        str,
        str,
        str,
    ]
    back = decode_page(stored)
    assert (type(back.order_status), type(back.cook_status), type(back.payment_status)) == (
        OrderStatus,
        CookStatus,
        PaymentStatus,
    )
