"""The tables every relational service has besides its own: the outbox and the inbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import MetaData, Table
from sqlalchemy.schema import SchemaItem

from erestaurant.platform.db import new_metadata
from erestaurant.platform.inbox import inbox_table
from erestaurant.platform.outbox import outbox_table


@dataclass(frozen=True)
class ServiceTables:
    """A service's schema: its own tables join ``metadata``, next to its inbox (every
    consumer has one) and its outbox (None for a service that publishes nothing)."""

    publishes: bool = True
    metadata: MetaData = field(default_factory=new_metadata)

    def table(self, name: str, *columns: SchemaItem) -> Table:
        """One of the service's own tables: ``Table(name, metadata, *columns)``."""
        return Table(name, self.metadata, *columns)

    @property
    def inbox(self) -> Table:
        return self.metadata.tables["inbox"]

    @property
    def outbox(self) -> Table | None:
        return self.metadata.tables.get("outbox")

    def __post_init__(self) -> None:
        if self.publishes:
            outbox_table(self.metadata)
        inbox_table(self.metadata)
