"""The gateway's view of a service's replicas: ready ones first, taking turns."""

from __future__ import annotations

import pytest

from erestaurant.platform.replicas import Replicas

A, B, C = "http://a:1", "http://b:1", "http://c:1"


def test_replicas_take_turns() -> None:
    replicas = Replicas("halls", [A, B, C])
    firsts = [replicas.in_turn()[0] for _ in range(6)]
    assert firsts == [A, B, C, A, B, C]


def test_an_unreachable_replica_goes_last_until_it_answers_ready_again() -> None:
    replicas = Replicas("halls", [A, B])
    replicas.unreachable(A)
    assert [replicas.in_turn() for _ in range(2)] == [[B, A], [B, A]]


def test_with_no_replica_ready_every_one_is_still_tried() -> None:
    replicas = Replicas("halls", [A, B])
    replicas.unreachable(A)
    replicas.unreachable(B)
    assert sorted(replicas.in_turn()) == [A, B]


def test_a_service_needs_a_replica() -> None:
    with pytest.raises(ValueError, match="no replica"):
        Replicas("halls", [])
