"""The transactional outbox: events are rows written in the same transaction as the change.

A row exists if and only if its change was committed; the relay (relay.py) publishes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, Text
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.contracts import Envelope
from erestaurant.platform import plain, statements
from erestaurant.platform.db import ID, UTCDateTime


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", ID, primary_key=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("subject", String(255), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("published_at", UTCDateTime, nullable=True, index=True),
    )


async def append(
    conn: AsyncConnection, table: Table, envelopes: list[tuple[str, Envelope]], now: datetime
) -> None:
    """Write (subject, envelope) pairs into the outbox, inside the caller's transaction."""
    if not envelopes:
        return
    await plain.execute(
        conn,
        statements.insert(table),
        [
            {
                "event_id": envelope.event_id,
                "subject": subject,
                "body": envelope.to_json().decode(),
                "created_at": now,
            }
            for subject, envelope in envelopes
        ],
    )
