"""Crash points for fault tests: the process dies on the spot, as under kill -9.

Armed only by ``ERESTAURANT_FAILPOINTS`` (for example
``relay.after_publish=0.05,consumer.after_commit=0.02``: each name with the probability of
crashing each time the point is passed). Unset, as it is outside fault tests, ``hit`` is a
dictionary lookup that finds nothing.

The points are the dangerous moments of the outbox and the inbox:

- ``uow.after_commit``: a change and its outbox rows are committed, nothing is published.
- ``relay.after_publish``: JetStream has the events, the outbox rows are not marked.
- ``consumer.after_commit``: a handler's effect and inbox row are committed, not acked.
- ``hall.after_reserve``: the kitchen holds portions for an order hall has not committed.
"""

from __future__ import annotations

import logging
import os
import random

log = logging.getLogger(__name__)

POINTS = (
    "uow.after_commit",
    "relay.after_publish",
    "consumer.after_commit",
    "hall.after_reserve",
)
# The exit code of a process that crashed at a failpoint, so a log says which death it was.
EXIT_CODE = 86

_armed: dict[str, float] = {}


def parse(spec: str) -> dict[str, float]:
    points: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, probability = item.partition("=")
        if name not in POINTS:
            raise ValueError(f"unknown failpoint {name!r}; known: {', '.join(POINTS)}")
        value = float(probability or "1")
        if not 0 <= value <= 1:
            raise ValueError(f"failpoint {name}: probability {value} is not within 0..1")
        points[name] = value
    return points


def arm(spec: str) -> None:
    _armed.clear()
    _armed.update(parse(spec))
    if _armed:
        log.warning("failpoints armed: %s", spec)


def hit(name: str) -> None:
    probability = _armed.get(name)
    if probability and random.random() < probability:
        log.critical("failpoint %s: crashing now", name)
        logging.shutdown()
        os._exit(EXIT_CODE)
