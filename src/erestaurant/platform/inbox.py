"""The inbox: the ids of events a service has handled, written with the handler's effect.

The primary key is the guard: a second insert of the same id fails, and that failure means
"already handled". Looking first and inserting after would let a race through.

It is one of the backstops of rules such as "deducted once, and only when cooked", which the
owning domain states and keeps (payment/domain.py says which backstop covers what).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.platform import plain, statements
from erestaurant.platform.db import UTCDateTime


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(100), nullable=False),
        # Indexed for pruning (retention.py), which finds and deletes the oldest.
        Column("handled_at", UTCDateTime, nullable=False, index=True),
    )


async def record(
    conn: AsyncConnection, table: Table, event_id: str, event_type: str, now: datetime
) -> bool:
    """True if this is the first time; False if the event was handled before.

    On False the transaction is spoiled (PostgreSQL aborts it): the caller rolls back.
    """
    try:
        await plain.execute(
            conn,
            statements.insert(table),
            {"event_id": event_id, "event_type": event_type, "handled_at": now},
        )
    except IntegrityError:
        return False
    return True
