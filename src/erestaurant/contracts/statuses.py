"""The statuses of the public API (docs/contract.md): an order's, its cooking ticket's, its
payment's, its message's. Each owning service's domain moves its aggregate through them;
the read view, the screens and the fault checker read them. Standard library only.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    ORDERED = "ORDERED"
    COOKING = "COOKING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class CookStatus(StrEnum):
    RECEIVED = "RECEIVED"
    COOKING = "COOKING"
    COOKED = "COOKED"
    CANCELLED = "CANCELLED"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    DEDUCTED = "DEDUCTED"
    CANCELLED = "CANCELLED"


class MessageStatus(StrEnum):
    SENT = "SENT"
