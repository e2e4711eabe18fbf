"""Unit-test fixtures: a frozen clock and each service's fake unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from erestaurant.platform import clock

from .fakes.hall import FakeHallUnitOfWork, FakeKitchen
from .fakes.kitchen import FakeKitchenUnitOfWork
from .fakes.notification import FakeNotificationUnitOfWork
from .fakes.payment import FakePaymentUnitOfWork
from .fakes.workercenter import FakeWorkercenterUnitOfWork
from .samples import LUNCH


class FrozenClock:
    """``clock.now()`` for the code under test: it moves only when a test moves it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock(LUNCH)
    monkeypatch.setattr(clock, "now", frozen.now)
    return frozen


@pytest.fixture
def hall_uow(frozen_clock: FrozenClock) -> FakeHallUnitOfWork:
    return FakeHallUnitOfWork()


@pytest.fixture
def fake_kitchen() -> FakeKitchen:
    return FakeKitchen()


@pytest.fixture
def kitchen_uow(frozen_clock: FrozenClock) -> FakeKitchenUnitOfWork:
    return FakeKitchenUnitOfWork()


@pytest.fixture
def payment_uow(frozen_clock: FrozenClock) -> FakePaymentUnitOfWork:
    return FakePaymentUnitOfWork()


@pytest.fixture
def workercenter_uow(frozen_clock: FrozenClock) -> FakeWorkercenterUnitOfWork:
    return FakeWorkercenterUnitOfWork()


@pytest.fixture
def notification_uow(frozen_clock: FrozenClock) -> FakeNotificationUnitOfWork:
    return FakeNotificationUnitOfWork()
