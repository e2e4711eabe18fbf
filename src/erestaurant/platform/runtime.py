"""A service process: its engine, broker, relay and consumer, their start and their stop.

Each service's bootstrap builds one Runtime, adds its routes and event handlers, and calls
``serve``. The web app answers /health/live at once; /health/ready once the database and
the broker are reachable, and no longer once shutdown has begun. A process without a
database of its own (the web screens) has no store: it is ready once the broker is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from types import FrameType
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from erestaurant.platform import clock, failpoints, retention
from erestaurant.platform import logging as service_logging
from erestaurant.platform.broker import Broker
from erestaurant.platform.consumer import EventConsumer, Handlers
from erestaurant.platform.relay import OutboxRelay
from erestaurant.platform.security import Access
from erestaurant.platform.settings import BrokerSettings, ServiceSettings
from erestaurant.platform.store import SqlStore, Store
from erestaurant.platform.uow import SqlUnitOfWork, Transaction
from erestaurant.platform.web import create_app

log = logging.getLogger(__name__)

U = TypeVar("U", bound=SqlUnitOfWork)
# What a plain subscription calls with each message's subject and data.
Listener = Callable[[str, bytes], Coroutine[Any, Any, None]]

CHECK_TIMEOUT_SECONDS = 2.0
STOP_TIMEOUT_SECONDS = 10.0
# How long an idle client connection is kept open. Longer than any client of a service keeps
# one idle (the gateway's pool, aiohttp's default 15 s): with uvicorn's default of 5 s, a
# request sent on a pooled connection just as the service closed it was reset, and a POST
# through the gateway answered 502 (seen as a reset in the bench's cooks).
KEEP_ALIVE_SECONDS = 75


class Runtime:
    def __init__(
        self,
        settings: BrokerSettings,
        store: Store | None,
        extra_audiences: tuple[str, ...] = (),
    ) -> None:
        self.settings = settings
        failpoints.arm(settings.failpoints)
        self.store = store
        # Who may call which route: every route but health, metrics and the API docs.
        self.access = Access.of(settings, *extra_audiences)
        self._closers: list[Callable[[], Awaitable[None]]] = [self.access.close]
        self.broker = Broker(
            settings.nats_url, settings.stream, settings.service, settings.stream_replicas
        )
        # Only a relational store has an outbox; a service that publishes nothing needs no relay.
        self.relay = (
            OutboxRelay(store.engine, store.tables.outbox, self.broker, settings.relay_poll_seconds)
            if isinstance(store, SqlStore)
            and store.tables.outbox is not None
            and isinstance(settings, ServiceSettings)
            else None
        )
        self.shutting_down = False
        # The outbox's depth, counted every second: readiness shows it, /metrics too.
        self.outbox_pending: int | None = None
        self._consumer: EventConsumer | None = None
        self._consumer_task: asyncio.Task[None] | None = None
        self._listeners: list[tuple[str, Listener]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._details: dict[str, Callable[[], object]] = {}
        self._periodic: list[tuple[str, float, Callable[[], Awaitable[object]]]] = []
        self.app: FastAPI = create_app(f"e-restaurant {settings.service}")
        self.app.router.lifespan_context = self._lifespan
        self.app.add_api_route("/health/live", self._live, methods=["GET"], tags=["health"])
        self.app.add_api_route("/health/ready", self._ready, methods=["GET"], tags=["health"])
        self.metrics = CollectorRegistry()
        self.app.add_api_route(
            "/metrics",
            self._metrics,
            methods=["GET"],
            tags=["health"],
            response_class=PlainTextResponse,
            responses={200: {"description": "Prometheus' text format"}},
        )
        self._watch_outbox()
        self._prune_old_rows()

    def unit_of_work(self, kind: type[U]) -> Callable[[], U]:
        """A factory of the service's units of work, each waking the relay on commit."""
        store = self.store
        if not isinstance(store, SqlStore):
            kind_of = store.kind if store is not None else "none"
            raise TypeError(f"{kind.__name__} needs a relational store, not {kind_of}")
        wake = self.relay.wake if self.relay is not None else _nothing
        return lambda: kind(store.engine, store.tables, wake)

    def subscribe(self, handlers: Handlers, uow_factory: Callable[[], Transaction]) -> None:
        settings, store = self.settings, self.store
        if not isinstance(settings, ServiceSettings) or store is None:
            raise TypeError("a durable consumer needs a service with a store of its own")
        self._consumer = EventConsumer(
            self.broker,
            self.settings.service,
            handlers,
            uow_factory,
            settings.ack_wait_seconds,
            settings.max_deliveries,
            settings.events_per_transaction if store.batches_events else 1,
        )

    def listen(self, subject: str, listener: Listener) -> None:
        """Hear every event on ``subject`` as it is published, over a plain (not durable)
        NATS subscription: every replica hears every event, and none is kept for a process
        that was not listening (a screen that reconnects reads the state afresh)."""
        self._listeners.append((subject, listener))

    def every(self, name: str, seconds: float, work: Callable[[], Awaitable[object]]) -> None:
        """Run ``work`` every ``seconds`` while the service runs (it needs no broker)."""
        self._periodic.append((name, seconds, work))

    def describe(self, name: str, read: Callable[[], object]) -> None:
        """Show a piece of the service's state in /health/ready (it does not decide readiness)."""
        self._details[name] = read

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A number of the service's state, read at each scrape of /metrics."""
        Gauge(name, documentation, registry=self.metrics).set_function(read)

    def on_stop(self, close: Callable[[], Awaitable[None]]) -> None:
        """Release a resource of the service's own (an HTTP client) when the process stops."""
        self._closers.append(close)

    # -- lifecycle -------------------------------------------------------------------------

    def _watch_outbox(self) -> None:
        relay = self.relay
        if relay is None:
            return

        async def count() -> None:
            try:
                self.outbox_pending = await relay.count_pending()
            except Exception:  # the database is away: readiness says so already
                self.outbox_pending = None

        self.every("outbox depth", 1.0, count)
        self.describe("outboxPending", lambda: self.outbox_pending)
        self.gauge(
            "erestaurant_outbox_pending",
            "Committed events not yet published (the outbox's depth; -1: unknown).",
            lambda: -1 if self.outbox_pending is None else self.outbox_pending,
        )

    def _prune_old_rows(self) -> None:
        store, settings = self.store, self.settings
        if not isinstance(store, SqlStore) or not isinstance(settings, ServiceSettings):
            return  # Redis expires the view's inbox keys itself
        keep = retention.Retention.of(settings)

        async def prune() -> None:
            try:
                await retention.prune(store.engine, store.tables, keep, clock.now())
            except Exception as exc:  # the database is away: the next turn tries again
                log.warning("pruning old outbox and inbox rows failed: %r", exc)

        self.every("pruning", settings.prune_every_seconds, prune)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        self._tasks.append(asyncio.create_task(self._connect_then_work()))
        for name, seconds, work in self._periodic:
            self._tasks.append(asyncio.create_task(_forever(name, _repeating(seconds, work))))
        log.info(
            "%s serving on %s:%d", self.settings.service, self.settings.host, self.settings.port
        )
        try:
            yield
        finally:
            await self.stop()

    async def _connect_then_work(self) -> None:
        await self.broker.connect()
        for subject, listener in self._listeners:
            await self.broker.listen(subject, listener)
        if self.relay is not None:
            self._tasks.append(asyncio.create_task(_forever("outbox relay", self.relay.run)))
        if self._consumer is not None:
            self._consumer_task = asyncio.create_task(
                _forever("event consumer", self._consumer.run)
            )
            self._tasks.append(self._consumer_task)

    async def stop(self) -> None:
        """Stop taking events, finish the one in hand, publish what was committed, close."""
        self.shutting_down = True
        if self._consumer is not None and self._consumer_task is not None:
            self._consumer.stop()
            await asyncio.wait([self._consumer_task], timeout=STOP_TIMEOUT_SECONDS)
        if self.relay is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.relay.publish_pending(), STOP_TIMEOUT_SECONDS)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for close in self._closers:
            with contextlib.suppress(Exception):
                await close()
        await self.broker.close()
        if self.store is not None:
            await self.store.close()
        log.info("%s stopped", self.settings.service)

    # -- health ----------------------------------------------------------------------------

    async def _live(self) -> dict[str, str]:
        return {"status": "UP"}

    async def _ready(self) -> JSONResponse:
        checks: dict[str, Any] = {}
        if self.store is not None:
            checks["database"] = await _check(self.store.ping())
        checks["broker"] = "UP" if self.broker.connected else "DOWN"
        checks["accepting"] = "NO" if self.shutting_down else "YES"
        ready = all(checks[c] == "UP" for c in ("database", "broker") if c in checks)
        ready = ready and not self.shutting_down
        details = {name: read() for name, read in self._details.items()}
        store = {"store": self.store.kind} if self.store is not None else {}
        return JSONResponse(
            {"status": "UP" if ready else "DOWN", "checks": checks, **store, **details},
            status_code=200 if ready else 503,
        )

    async def _metrics(self) -> Response:
        return Response(generate_latest(self.metrics), media_type=CONTENT_TYPE_LATEST)

    # -- process ---------------------------------------------------------------------------

    def serve(self) -> None:
        service_logging.configure(self.settings.service, self.settings.log_level)
        if self.store is not None:
            asyncio.run(self.store.verify())
        config = uvicorn.Config(
            self.app,
            host=self.settings.host,
            port=self.settings.port,
            loop="uvloop",
            http="httptools",
            log_config=None,
            lifespan="on",
            timeout_graceful_shutdown=int(STOP_TIMEOUT_SECONDS),
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        DrainingServer(config, self).run()


class DrainingServer(uvicorn.Server):
    """uvicorn, with a pause between the stop signal and the stop.

    On SIGTERM the service reports not ready at once but keeps serving for
    ERESTAURANT_SHUTDOWN_DELAY_SECONDS, so that the gateway's checks (or Kubernetes'
    endpoints) take it out of rotation before it stops listening; then uvicorn drains as
    usual. A second signal stops at once.
    """

    def __init__(self, config: uvicorn.Config, runtime: Runtime) -> None:
        super().__init__(config)
        self._runtime = runtime
        self._delayed: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        delay = self._runtime.settings.shutdown_delay_seconds
        if self._delayed is not None or delay == 0:
            super().handle_exit(sig, frame)
            return
        self._runtime.shutting_down = True
        log.info("stopping in %.1fs; not ready meanwhile", delay)
        # uvicorn looks at should_exit on its own ticks, so a timer thread may set it.
        self._delayed = threading.Timer(delay, super().handle_exit, (sig, frame))
        self._delayed.daemon = True
        self._delayed.start()


def _nothing() -> None:
    pass


async def _check(probe: Awaitable[None]) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"DOWN: {exc.__class__.__name__}"
    return "UP"


def _repeating(
    seconds: float, work: Callable[[], Awaitable[object]]
) -> Callable[[], Awaitable[None]]:
    async def repeat() -> None:
        while True:
            await asyncio.sleep(seconds)
            await work()

    return repeat


async def _forever(name: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run a background loop; if it dies, say so and start it again."""
    while True:
        try:
            await work()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; restarting it in 1s", name)
            await asyncio.sleep(1.0)
