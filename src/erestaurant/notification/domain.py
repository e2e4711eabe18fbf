"""A message to an employee. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from erestaurant.contracts.statuses import MessageStatus

# Messages land in the employee's in-app message box, read through /notifications/messages.
IN_APP = "IN_APP"


@dataclass
class Message:
    order_id: str
    employee_card_no: str
    channel: str
    text: str
    sent_at: datetime
    status: MessageStatus = MessageStatus.SENT


def meal_ready(
    order_id: str, employee_card_no: str, menu_name: str, qty: int, now: datetime
) -> Message:
    portions = "" if qty == 1 else f" x{qty}"
    text = f"Your {menu_name}{portions} is ready. Please pick it up at the counter."
    return Message(order_id, employee_card_no, IN_APP, text, now)
