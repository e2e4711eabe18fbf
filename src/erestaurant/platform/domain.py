"""What every service's domain shares: its errors' base, and aggregates that record events.

Standard library only, like the domain modules that build on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


class DomainError(Exception):
    """A request the domain refuses. Each service's error table (``api.ERRORS``) says how
    its errors are answered over HTTP; an error missing from it is a bug, answered 500."""


class Duplicate(DomainError):
    """A row with this key is stored already: a repository raises this where the database
    refuses a second insert, so that handlers never see the database's own error.

    On PostgreSQL the transaction is spoiled by the refusal: the handler that catches this
    starts a new unit of work before it reads again.
    """


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Value:
    """A value object: it never changes once made, and is equal to any other with the same
    fields. Each subclass is a frozen dataclass, so that none can forget to be one."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True)(cls)


class Command(Value):
    """What someone asks a service to do: a handler takes it and answers or refuses."""


class DomainEvent(Value):
    """Something that happened to an aggregate, in the domain's words. The service's
    mapping (``<service>/events.py``) turns each into the integration event others read,
    field by field of the same name (``facts``)."""

    def facts(self) -> dict[str, object]:
        """Its fields by name, with those of an aggregate it carries spread in (an event
        that holds the order as it stands tells the order's fields)."""
        told: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Aggregate):
                told |= {g.name: getattr(value, g.name) for g in fields(value)}
            else:
                told[f.name] = value
        return told


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


def found(thing: T | None, missing: DomainError) -> T:
    """``thing``, or the refusal ``missing`` where a repository found nothing."""
    if thing is None:
        raise missing
    return thing
