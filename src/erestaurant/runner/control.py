"""The runner's control API: freeze, thaw or kill one of `up`'s processes on purpose.

It is a teaching aid for the development environment: the operations screen calls it so
that a learner can freeze payment (SIGSTOP) and watch the circuit breaker open while orders
go on, thaw it (SIGCONT) and watch the backlog drain, or kill it (SIGKILL) and watch the
runner start it again. A process left frozen stops answering /health/live, so the runner's
liveness check kills and restarts it after a few missed checks, which is worth watching too.

The runner serves it on 127.0.0.1 only, and only in the development environment; every
request needs the bearer token that `up` makes at each start and writes to
``<data dir>/control-token`` (mode 0600). Only the runner's children can be named: the
runner itself is not one of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import re
import secrets
import signal
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from erestaurant.runner.supervision import Child

log = logging.getLogger("erestaurant.runner")

TOKEN_FILE = "control-token"
HOST = "127.0.0.1"
# How long a kill waits to see the process gone, so that its answer shows it exited.
KILL_WAIT_SECONDS = 5.0
_REPLICA_SUFFIX = re.compile(r"-\d+$")


class Refused(Exception):
    """A request the API answers with a 4xx: the code and message go in the JSON body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# -- what the API shows of a process ---------------------------------------------------------


def service_of(name: str) -> str:
    """The service a process belongs to: its name without the replica number (hall-2)."""
    return _REPLICA_SUFFIX.sub("", name)


def is_frozen(child: Child) -> bool:
    # A frozen process that died (killed by liveness, or from outside) is frozen no more.
    return child.frozen and child.running


def state(child: Child, stopping: bool) -> str:
    """running, frozen, restarting (down, and the runner will start it) or exited (down for
    good: the runner is stopping)."""
    if child.running:
        return "frozen" if is_frozen(child) else "running"
    return "exited" if stopping else "restarting"


def describe(child: Child, stopping: bool) -> dict[str, Any]:
    started = child.started_utc
    return {
        "name": child.name,
        "service": service_of(child.name),
        "pid": child.process.pid if child.process is not None else None,
        "port": child.port,
        "url": child.url,
        "running": child.running,
        "frozen": is_frozen(child),
        "restarts": child.restarts,
        "startedAt": (
            None
            if started is None
            else started.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ),
        "state": state(child, stopping),
    }


# -- what the API does to a process ----------------------------------------------------------


def find(children: Sequence[Child], name: str) -> Child:
    for child in children:
        if child.name == name:
            return child
    known = ", ".join(c.name for c in children)
    raise Refused(404, "UNKNOWN_PROCESS", f"no process named {name!r} (known: {known})")


def _signal(child: Child, sig: signal.Signals) -> int:
    """Send ``sig`` to the running process; its pid."""
    process = child.process
    if process is None or not child.running:
        raise Refused(409, "NOT_RUNNING", f"{child.name} is not running (the runner restarts it)")
    try:
        # asyncio's process refuses to signal a process it has reaped, so a recycled pid
        # can never be hit.
        process.send_signal(sig)
    except ProcessLookupError:
        raise Refused(409, "NOT_RUNNING", f"{child.name} has just exited") from None
    return process.pid


async def freeze(child: Child) -> None:
    if is_frozen(child):
        raise Refused(409, "ALREADY_FROZEN", f"{child.name} is already frozen")
    pid = _signal(child, signal.SIGSTOP)
    child.frozen = True
    log.warning("froze %s (pid %d) at the control API's request", child.name, pid)


async def thaw(child: Child) -> None:
    if child.running and not is_frozen(child):
        raise Refused(409, "NOT_FROZEN", f"{child.name} is not frozen")
    pid = _signal(child, signal.SIGCONT)
    child.frozen = False
    log.warning("thawed %s (pid %d) at the control API's request", child.name, pid)


async def kill(child: Child) -> None:
    pid = _signal(child, signal.SIGKILL)
    child.frozen = False
    log.warning("killed %s (pid %d) at the control API's request", child.name, pid)
    assert child.process is not None
    # SIGKILL is not instant: wait, so that the answer shows the process down.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(child.process.wait(), KILL_WAIT_SECONDS)


# -- the token -------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(32)


def write_token(data_dir: Path, token: str) -> Path:
    """Write the token readable by its owner only: anyone who has it can kill services."""
    path = data_dir / TOKEN_FILE
    path.unlink(missing_ok=True)  # O_CREAT's mode applies only to a file it creates
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(token + "\n")
    return path


def read_token(data_dir: Path) -> str:
    return (data_dir / TOKEN_FILE).read_text().strip()


# -- the HTTP API ----------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, code: str, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status, headers=headers)


def create_app(
    children: Sequence[Child], token: str, stopping: Callable[[], bool]
) -> web.Application:
    """The API over ``children`` (the runner's own list, so it sees every restart)."""

    def authorized(request: web.Request) -> bool:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        # As bytes: compare_digest refuses a str with non-ASCII characters (a 500).
        same = hmac.compare_digest(given.strip().encode(), token.encode())
        return scheme.lower() == "bearer" and same

    @web.middleware
    async def answers(request: web.Request, handler: Handler) -> web.StreamResponse:
        # Without the token nothing is answered, not even whether a route or name exists.
        if not authorized(request):
            return _error(
                401,
                "UNAUTHORIZED",
                "send the token of <data dir>/control-token as 'Authorization: Bearer ...'",
                **{"WWW-Authenticate": "Bearer"},
            )
        try:
            return await handler(request)
        except Refused as exc:
            return _error(exc.status, exc.code, exc.message)
        except web.HTTPException as exc:  # no such route, or method
            allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
            return _error(exc.status, exc.reason.upper().replace(" ", "_"), exc.reason, **allow)

    async def processes(request: web.Request) -> web.Response:
        return web.json_response([describe(c, stopping()) for c in children])

    def action(do: Callable[[Child], Awaitable[None]]) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            child = find(children, request.match_info["name"])
            await do(child)
            return web.json_response(describe(child, stopping()))

        return handle

    app = web.Application(middlewares=[answers])
    app.router.add_get("/processes", processes)
    app.router.add_post("/processes/{name}/freeze", action(freeze))
    app.router.add_post("/processes/{name}/thaw", action(thaw))
    app.router.add_post("/processes/{name}/kill", action(kill))
    return app


class ControlServer:
    """The API on 127.0.0.1, started and stopped by the runner."""

    def __init__(self, app: web.Application) -> None:
        # No access log: the operations screen polls, and the runner's log is for events.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)

    async def start(self, port: int) -> str:
        """Listen on ``port``; its URL. OSError when the port is taken."""
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, HOST, port).start()
        except OSError:
            await self._runner.cleanup()
            raise
        return f"http://{HOST}:{port}"

    async def stop(self) -> None:
        await self._runner.cleanup()
