"""Idle connections: a service keeps one open longer than its clients keep it idle.

Otherwise a request sent on a pooled connection just as the service closes it is reset: a
POST through the gateway answered 502, the bench's cooks saw "connection reset by peer".
"""

from __future__ import annotations

import re
import socket
import time
from urllib.parse import urlsplit

import pytest

from erestaurant.gateway.app import UPSTREAM_KEEPALIVE_SECONDS
from erestaurant.platform.runtime import KEEP_ALIVE_SECONDS
from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e

# uvicorn's own default, which the services used to keep: the idle time to outlast.
UVICORN_DEFAULT_KEEP_ALIVE_SECONDS = 5.0
AIOHTTP_DEFAULT_KEEPALIVE_SECONDS = 15.0


def _ask(conn: socket.socket, host: str) -> bytes:
    """One request on ``conn``; the answer's status line, or b"" if the service closed it."""
    conn.sendall(f"GET /health/live HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = conn.recv(4096)
        if not chunk:
            return b""
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length: *(\d+)", head)
    assert length is not None
    while len(body) < int(length[1]):  # read to its end, for the next answer to start clean
        body += conn.recv(4096)
    return head.split(b"\r\n", 1)[0]


def test_a_service_keeps_an_idle_connection_past_what_its_clients_keep(system: System) -> None:
    assert KEEP_ALIVE_SECONDS > UPSTREAM_KEEPALIVE_SECONDS
    assert KEEP_ALIVE_SECONDS > AIOHTTP_DEFAULT_KEEPALIVE_SECONDS
    address = urlsplit(system.urls["kitchen"])
    assert address.hostname is not None
    assert address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
        assert _ask(conn, address.netloc) == b"HTTP/1.1 200 OK"
        time.sleep(UVICORN_DEFAULT_KEEP_ALIVE_SECONDS + 1.5)
        assert _ask(conn, address.netloc) == b"HTTP/1.1 200 OK"
