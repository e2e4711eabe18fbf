"""``erestaurant up``: the run from start to Ctrl-C, and what it prints.

It checks that the ports are free, serves the control API (development only), migrates the
databases, starts every child (supervision), waits until each reports ready, prints where
things are, and keeps them up until SIGINT or SIGTERM; then it stops them gracefully.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from erestaurant.identity.local import ACCOUNTS, KIOSKS
from erestaurant.platform import logging as service_logging
from erestaurant.platform.settings import DEVELOPMENT
from erestaurant.runner import control, nats
from erestaurant.runner.settings import RunnerSettings
from erestaurant.runner.supervision import Kind, RunnerError, Supervisor
from erestaurant.runner.wiring import FRONT, Wiring, port_free

log = logging.getLogger("erestaurant.runner")

# Where the children find the control API (the operations screen of the web service).
CONTROL_URL_VARIABLE = "ERESTAURANT_CONTROL_URL"
CONTROL_TOKEN_VARIABLE = "ERESTAURANT_CONTROL_TOKEN"


class Runner:
    def __init__(self, wiring: Wiring, settings: RunnerSettings | None = None) -> None:
        self.wiring = wiring
        self.data_dir = wiring.data_dir
        self.env = wiring.env
        self.settings = settings or RunnerSettings()
        self.supervisor = Supervisor(self.env, self.settings)
        self._control: control.ControlServer | None = None
        self.control_url: str | None = None

    @classmethod
    def from_environment(
        cls, data_dir: Path | None = None, nats_port: int | None = None, replicas: int | None = None
    ) -> Runner:
        settings = RunnerSettings.load()
        if replicas is not None:
            settings = settings.model_copy(update={"replicas": replicas})
        wiring = Wiring.from_environment(dict(os.environ), settings.replicas, data_dir, nats_port)
        return cls(wiring, settings)

    # -- the whole run -----------------------------------------------------------------------

    async def run(self) -> int:
        # The runner's own lines (what started, died, was killed) are few and always worth
        # having, whatever the services' level; tools read them (faults, bench).
        level = "DEBUG" if self.env.get("ERESTAURANT_LOG_LEVEL", "").upper() == "DEBUG" else "INFO"
        service_logging.configure("runner", level)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        children = self.supervisor.children
        children.extend(self.wiring.children())
        busy = [c.name for c in children if not port_free(c.port)]
        if busy:
            raise RunnerError(f"port(s) in use for: {', '.join(busy)}; is e-restaurant already up?")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.supervisor.stopping.set)
        # Before any child starts: they find the API through their environment.
        await self._open_control()
        try:
            await self._migrate()
            await self.supervisor.start_all()
            await self.supervisor.wait_ready()
            self._announce()
            await self.supervisor.supervise()
        finally:
            # No freeze or kill may race the shutdown.
            await self._close_control()
            await self.supervisor.stop_all()
        return 0

    async def _migrate(self) -> None:
        """Bring every database to the services' schema (creating local databases first)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "erestaurant", "migrate", "--create-databases", env=self.env
        )
        if await process.wait() != 0:
            raise RunnerError("could not migrate the databases (see above); nothing started")

    # -- the control API ---------------------------------------------------------------------

    async def _open_control(self) -> None:
        """Serve the control API, if wanted and allowed; the children learn where, and its
        token, from their environment."""
        # Whatever an outer environment said, the children hear of this runner's API only.
        self.env.pop(CONTROL_URL_VARIABLE, None)
        self.env.pop(CONTROL_TOKEN_VARIABLE, None)
        if not self._control_allowed():
            return
        token = control.new_token()
        supervisor = self.supervisor
        server = control.ControlServer(
            control.create_app(supervisor.children, token, supervisor.stopping.is_set)
        )
        port = self.settings.control_port
        try:
            url = await server.start(port)
        except OSError as exc:
            message = f"control API port {port} is in use ({exc.strerror})"
            if self._control_asked():
                raise RunnerError(f"{message}; choose another ERESTAURANT_CONTROL_PORT") from None
            # Another `up` (a test's, say) has it; the system itself does not need it.
            log.warning("%s; control API off (set ERESTAURANT_CONTROL_PORT)", message)
            return
        control.write_token(self.data_dir, token)
        self.env[CONTROL_URL_VARIABLE] = url
        self.env[CONTROL_TOKEN_VARIABLE] = token
        self._control, self.control_url = server, url

    def _control_asked(self) -> bool:
        # Asked for by name, a refusal stops `up`; the default port just stays off.
        return "control_port" in self.settings.model_fields_set

    def _control_allowed(self) -> bool:
        """On unless turned off, in the development environment only: anywhere else it would
        let whoever has the token stop services that people rely on."""
        if self.settings.control_port == 0:
            return False
        environment = self.env.get("ERESTAURANT_ENVIRONMENT") or DEVELOPMENT
        if environment == DEVELOPMENT:
            return True
        if self._control_asked():
            raise RunnerError(
                "the control API is for the development environment only (ERESTAURANT_ENVIRONMENT"
                f" is {environment}); set ERESTAURANT_CONTROL_PORT=0"
            )
        log.info("control API off: ERESTAURANT_ENVIRONMENT is %s", environment)
        return False

    async def _close_control(self) -> None:
        if self._control is None:
            return
        await self._control.stop()
        # The token dies with this run: the next `up` makes another.
        (self.data_dir / control.TOKEN_FILE).unlink(missing_ok=True)
        self._control = None

    # -- what it prints ----------------------------------------------------------------------

    def _announce(self) -> None:
        lines = ["", f"e-restaurant is up. Data in {self.data_dir}", ""]
        for child in self.supervisor.children:
            match child.kind:
                case Kind.NATS:
                    store = nats.store(self.data_dir)
                    lines.append(
                        f"  {child.name:<15} nats://127.0.0.1:{child.port} (store: {store})"
                    )
                case Kind.IDENTITY:
                    lines.append(f"  {child.name:<15} {child.url}  (OpenID Connect provider)")
                case Kind.SERVICE:
                    hint = (
                        "  <- start here"
                        if child.name == FRONT
                        else f"  (API docs: {child.url}/docs)"
                    )
                    lines.append(f"  {child.name:<15} {child.url}{hint}")
        if self.control_url is not None:
            token = self.data_dir / control.TOKEN_FILE
            lines.append(
                f"  {'control':<15} {self.control_url}  (freeze, thaw, kill; development only;"
                f" bearer token in {token})"
            )
        lines += _screens(self.wiring.front)
        if self.wiring.identity is not None:
            lines += _demo_credentials()
        lines += ["", "Press Ctrl-C to stop.", ""]
        print("\n".join(lines), flush=True)


SCREENS = (
    ("kiosk", "kiosk", "order with an ID card; set up once with a kiosk client"),
    ("kitchen", "kitchen display", "tickets live, start and finish, today's menu"),
    ("me", "my orders", "an employee's orders, live"),
    ("payroll", "payroll office", "employees, a month's deductions, the CSV"),
    ("ops", "operations", "the system map, dead letters, drills"),
)


def _screens(gateway: str) -> list[str]:
    """Where people open the screens (through the gateway, which signs them in)."""
    lines = ["", "Screens (open in a browser; each asks you to sign in with its role):"]
    for path, name, what in SCREENS:
        lines.append(f"  {name:<16} {gateway.rstrip('/')}/{path}  ({what})")
    return lines


def _demo_credentials() -> list[str]:
    """What the local provider was seeded with: development secrets, for a laptop only."""
    lines = ["", "Sign in (local identity provider, development secrets):"]
    for account in ACCOUNTS:
        card = f", card {account.card_no}" if account.card_no else ""
        lines.append(
            f"  {account.role.value:<10} {account.username} / {account.password}"
            f"  ({account.name}{card})"
        )
    for kiosk in KIOSKS:
        lines.append(f"  {'kiosk':<10} client {kiosk.client_id} / {kiosk.secret}")
    lines.append("  A token for scripts: erestaurant token kiosk|employee|kitchen|payroll|admin")
    return lines
