"""Dead letters: events a consumer could not handle after its bounded number of tries.

They are set aside on ``erestaurant.deadletter.<consumer>`` in the same stream, with the
original bytes and headers saying where they came from and why they failed, so that the
consumer carries on with the events behind them. ``erestaurant deadletters`` lists them
and replays them once the cause is fixed: a replay publishes the original event again on
its own subject; consumers that handled it before skip it by its event id (inbox).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import APIError

from erestaurant.platform.broker import SUBJECT_PREFIX

SUBJECT = f"{SUBJECT_PREFIX}.deadletter"
ORIGINAL_SUBJECT = "Erestaurant-Original-Subject"
CONSUMER = "Erestaurant-Consumer"
REASON = "Erestaurant-Reason"
DELIVERIES = "Erestaurant-Deliveries"
# JetStream's error for a message that is no longer in the stream.
SEQUENCE_NOT_FOUND = 10043
ORIGINAL_SEQUENCE = "Erestaurant-Original-Sequence"


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    consumer: str
    original_subject: str
    original_sequence: int
    reason: str
    deliveries: int
    set_aside_at: datetime
    data: bytes

    @property
    def event(self) -> str:
        """The event's type and id, when the bytes are an envelope at all."""
        try:
            envelope = json.loads(self.data)
            return f"{envelope['eventType']} {envelope['eventId']}"
        except (ValueError, KeyError, TypeError):
            return "(unreadable)"


async def set_aside(js: JetStreamContext, consumer: str, message: Msg, reason: str) -> None:
    """Publish the message to the dead-letter subject; the caller then terminates it."""
    sequence = message.metadata.sequence.stream
    await js.publish(
        f"{SUBJECT}.{consumer}",
        message.data,
        headers={
            # A crash before the original is terminated sets it aside again: one copy.
            "Nats-Msg-Id": f"deadletter-{consumer}-{sequence}",
            ORIGINAL_SUBJECT: message.subject,
            ORIGINAL_SEQUENCE: str(sequence),
            CONSUMER: consumer,
            REASON: reason[:1000].replace("\n", " "),
            DELIVERIES: str(message.metadata.num_delivered),
        },
    )


async def list_all(
    js: JetStreamContext, stream: str, consumer: str | None = None
) -> list[DeadLetter]:
    subject = f"{SUBJECT}.{consumer}" if consumer else f"{SUBJECT}.>"
    info = await js.stream_info(stream, subjects_filter=subject)
    if not info.state.subjects:
        return []
    sub = await js.subscribe(subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    letters: list[DeadLetter] = []
    try:
        pending = sum(info.state.subjects.values())
        while len(letters) < pending:
            message = await sub.next_msg(timeout=5)
            letters.append(_parsed(message))
    finally:
        await sub.unsubscribe()
    return letters


async def replay(js: JetStreamContext, stream: str, letter: DeadLetter) -> None:
    """Publish the original event again on its own subject, then drop the dead letter."""
    await js.publish(
        letter.original_subject,
        letter.data,
        headers={"Nats-Msg-Id": f"replay-{letter.sequence}"},
    )
    try:
        await js.delete_msg(stream, letter.sequence)
    except APIError as exc:
        if exc.err_code != SEQUENCE_NOT_FOUND:
            raise  # anything but "replayed and dropped before" is news


def _parsed(message: Msg) -> DeadLetter:
    headers = message.headers or {}
    return DeadLetter(
        sequence=message.metadata.sequence.stream,
        consumer=headers.get(CONSUMER, "?"),
        original_subject=headers.get(ORIGINAL_SUBJECT, "?"),
        original_sequence=int(headers.get(ORIGINAL_SEQUENCE, "0")),
        reason=headers.get(REASON, ""),
        deliveries=int(headers.get(DELIVERIES, "0")),
        set_aside_at=message.metadata.timestamp,
        data=message.data,
    )
