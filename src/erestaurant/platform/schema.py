"""Building blocks of every service's HTTP bodies: camelCase JSON, strict fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StringConstraints
from pydantic.alias_generators import to_camel


class Camel(BaseModel):
    """A body with camelCase names on the wire; unknown fields are refused, not ignored.

    Answers are read straight from domain objects (``Model.model_validate(order)``).
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", from_attributes=True
    )


def _card_digits(value: object) -> object:
    # Card numbers are identifiers, kept as strings; a kiosk that sends the number as a
    # JSON integer means the same card.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


CardNo = Annotated[
    str,
    BeforeValidator(_card_digits),
    StringConstraints(strict=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$"),
]

# Ids the databases number (64-bit integers on every engine); a larger number is refused as
# bad input instead of overflowing a driver.
Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
