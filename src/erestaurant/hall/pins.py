"""Checking the PIN typed at a kiosk against the argon2 hash payment made of it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

log = logging.getLogger(__name__)

# Whether a PIN matches a hash; what place_order is given when kiosks ask for PINs.
PinCheck = Callable[[str, str], Awaitable[bool]]

# Verifying takes its costs from the hash, as payment chose them.
_HASHER = PasswordHasher()


async def matches(pin_hash: str, pin: str) -> bool:
    # On a thread: a check costs tens of milliseconds of CPU, and the event loop keeps
    # serving the other kiosks meanwhile (argon2 lets go of the GIL while it works).
    return await asyncio.to_thread(_matches, pin_hash, pin)


def _matches(pin_hash: str, pin: str) -> bool:
    try:
        return _HASHER.verify(pin_hash, pin)
    except VerificationError:
        return False
    except InvalidHashError:
        log.error("a card's PIN hash is not an argon2 hash: no PIN matches it")
        return False
