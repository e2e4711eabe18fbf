"""A message to an employee. Standard library only.

One "your meal is ready" message per completed order: the message's key is its order (the
table's primary key refuses a second), and the handler looks for it before it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from erestaurant.contracts.statuses import MessageStatus
from erestaurant.platform.domain import Aggregate, DomainEvent

# Messages land in the employee's in-app message box, read through /notifications/messages.
IN_APP = "IN_APP"


class MealReadyMessageWasSent(DomainEvent):
    order_id: str
    employee_card_no: str
    channel: str
    sent_at: datetime


@dataclass
class Message(Aggregate):
    order_id: str
    employee_card_no: str
    channel: str
    text: str
    sent_at: datetime
    status: MessageStatus = MessageStatus.SENT

    @classmethod
    def meal_ready(
        cls, order_id: str, employee_card_no: str, menu_name: str, qty: int, now: datetime
    ) -> Message:
        """The message telling an employee that their order is ready, sent at ``now``."""
        portions = "" if qty == 1 else f" x{qty}"
        text = f"Your {menu_name}{portions} is ready. Please pick it up at the counter."
        message = cls(order_id, employee_card_no, IN_APP, text, now)
        message.record(MealReadyMessageWasSent(order_id, employee_card_no, IN_APP, now))
        return message
