"""The correlation id of the request or event being handled, visible to logs and new events.

A context variable follows the asyncio task, so every log line and every event that one
request (or one consumed event) causes carries the same id without passing it around.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

HEADER = "X-Correlation-ID"

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)


def new_id() -> str:
    return uuid.uuid4().hex


def current() -> str:
    """The id in force, or a fresh one for work that no request started (a timer, say)."""
    return correlation_id.get() or new_id()
