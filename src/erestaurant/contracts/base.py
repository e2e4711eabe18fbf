"""What every integration event shares: camelCase on the wire, a source service, a version."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class IntegrationEvent(BaseModel):
    # Unknown fields are ignored so that a publisher can add one without breaking readers;
    # anything else that changes the meaning is a new version.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    source: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def event_type(cls) -> str:
        return cls.__name__

    @classmethod
    def subject(cls, prefix: str = "erestaurant") -> str:
        return f"{prefix}.{cls.source}.{cls.event_type()}"

    def to_payload(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)
