"""The envelope around every event on the broker, and its (de)serialisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from erestaurant.contracts.base import IntegrationEvent


class UnknownEventError(ValueError):
    """A message this reader cannot understand: bad JSON, an unknown type or version."""


@dataclass(frozen=True, slots=True)
class Envelope:
    event_id: str
    event_type: str
    occurred_at: datetime
    correlation_id: str
    causation_id: str | None
    version: int
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: IntegrationEvent,
        *,
        occurred_at: datetime,
        correlation_id: str,
        causation_id: str | None,
    ) -> Envelope:
        return cls(
            event_id=uuid.uuid4().hex,
            event_type=event.event_type(),
            occurred_at=occurred_at,
            correlation_id=correlation_id,
            causation_id=causation_id,
            version=event.version,
            payload=event.to_payload(),
        )

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "eventId": self.event_id,
                "eventType": self.event_type,
                "occurredAt": self.occurred_at.isoformat().replace("+00:00", "Z"),
                "correlationId": self.correlation_id,
                "causationId": self.causation_id,
                "version": self.version,
                "payload": self.payload,
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> Envelope:
        try:
            raw = orjson.loads(data)
            envelope = cls(
                event_id=str(raw["eventId"]),
                event_type=str(raw["eventType"]),
                occurred_at=datetime.fromisoformat(raw["occurredAt"]),
                correlation_id=str(raw["correlationId"]),
                causation_id=raw.get("causationId"),
                version=int(raw["version"]),
                payload=dict(raw["payload"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise UnknownEventError(f"not an event envelope: {exc}") from exc
        if envelope.occurred_at.tzinfo is None:
            raise UnknownEventError("occurredAt has no time zone")
        return envelope


def decode(envelope: Envelope, catalog: dict[str, type[IntegrationEvent]]) -> IntegrationEvent:
    """The typed event inside an envelope, or UnknownEventError if this reader can't know it."""
    cls = catalog.get(envelope.event_type)
    if cls is None:
        raise UnknownEventError(f"unknown event type {envelope.event_type!r}")
    if envelope.version != cls.version:
        raise UnknownEventError(
            f"{envelope.event_type} version {envelope.version} is not the known {cls.version}"
        )
    try:
        return cls.model_validate(envelope.payload)
    except ValidationError as exc:
        raise UnknownEventError(f"bad {envelope.event_type} payload: {exc}") from exc
