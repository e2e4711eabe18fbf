"""What every service's domain shares: its errors' base, and aggregates that record events.

Standard library only, like the domain modules that build on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    """A request the domain refuses. Each service's error table (``api.ERRORS``) says how
    its errors are answered over HTTP; an error missing from it is a bug, answered 500."""


class Duplicate(DomainError):
    """A row with this key is stored already: a repository raises this where the database
    refuses a second insert, so that handlers never see the database's own error.

    On PostgreSQL the transaction is spoiled by the refusal: the handler that catches this
    starts a new unit of work before it reads again.
    """


class DomainEvent:
    """Something that happened to an aggregate, in the domain's words. The service's
    mapping (``<service>/events.py``) turns each into the integration event others read."""


@dataclass
class Aggregate:
    """An entity that guards its own moves and records what each changed (``events``), for
    the handler to publish once (``take_events``). The events are not stored with it."""

    events: list[DomainEvent] = field(default_factory=list, kw_only=True, compare=False, repr=False)

    def record(self, event: DomainEvent) -> None:
        self.events.append(event)

    def take_events(self) -> list[DomainEvent]:
        """The events recorded since last taken: each is taken once."""
        taken, self.events = self.events, []
        return taken
