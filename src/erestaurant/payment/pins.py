"""Hashing an employee's kiosk PIN (argon2id): the PIN itself is never stored or sent on."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher

# OWASP's smallest recommended argon2id setting (19 MiB, 2 passes, 1 lane): hall verifies a
# PIN with every order, so each check should cost tens of milliseconds of CPU, not hundreds
# as the library's default (64 MiB, 4 lanes) does. Verifying reads these from the hash.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


async def hash_pin(pin: str) -> str:
    # On a thread: hashing costs as much CPU as checking, and the event loop keeps serving.
    return await asyncio.to_thread(_HASHER.hash, pin)
