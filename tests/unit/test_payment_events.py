"""Payment's one mapping from its domain events to the integration events it publishes."""

from __future__ import annotations

import pytest

from erestaurant.contracts import (
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
    IntegrationEvent,
    PaymentCancelled,
    PaymentDeducted,
)
from erestaurant.payment.domain import (
    Employee,
    EmployeeWasDeactivated,
    EmployeeWasRegistered,
    PaymentWasCancelled,
    PaymentWasDeducted,
    PinWasSet,
)
from erestaurant.payment.events import integration_event, publish
from erestaurant.platform.domain import DomainEvent

from .fakes.payment import FakePaymentUnitOfWork
from .samples import CARD, LUNCH, minutes

MAPPED: list[tuple[DomainEvent, IntegrationEvent]] = [
    (
        EmployeeWasRegistered(CARD, "Kim Minji", LUNCH),
        EmployeeRegistered(employee_card_no=CARD, name="Kim Minji", registered_at=LUNCH),
    ),
    (
        EmployeeWasDeactivated(CARD, minutes(5)),
        EmployeeDeactivated(employee_card_no=CARD, deactivated_at=minutes(5)),
    ),
    (
        PinWasSet(CARD, "$argon2id$hash", minutes(6)),
        EmployeePinSet(employee_card_no=CARD, pin_hash="$argon2id$hash", set_at=minutes(6)),
    ),
    (
        PaymentWasDeducted(3, "order-1", CARD, 7000, "2026-11", minutes(11)),
        PaymentDeducted(
            payment_id=3,
            order_id="order-1",
            employee_card_no=CARD,
            amount=7000,
            pay_period="2026-11",
            deducted_at=minutes(11),
        ),
    ),
    (
        PaymentWasCancelled(3, "order-1", CARD, minutes(2)),
        PaymentCancelled(
            payment_id=3, order_id="order-1", employee_card_no=CARD, cancelled_at=minutes(2)
        ),
    ),
]


@pytest.mark.parametrize(("domain", "integration"), MAPPED, ids=lambda e: type(e).__name__)
def test_each_domain_event_becomes_its_integration_event(
    domain: DomainEvent, integration: IntegrationEvent
) -> None:
    assert integration_event(domain) == integration


def test_an_event_without_a_mapping_is_refused() -> None:
    class Unmapped(DomainEvent):
        pass

    with pytest.raises(TypeError, match="Unmapped"):
        integration_event(Unmapped())


async def test_what_an_aggregate_recorded_is_emitted_once(
    payment_uow: FakePaymentUnitOfWork,
) -> None:
    employee = Employee.register(CARD, "Kim Minji", LUNCH)
    employee.deactivate(minutes(5))
    async with payment_uow:
        publish(payment_uow, employee)
        publish(payment_uow, employee)
        await payment_uow.commit()
    assert payment_uow.published == [integration for _, integration in MAPPED[:2]]
