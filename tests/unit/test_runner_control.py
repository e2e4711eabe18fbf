"""The runner: what each child is given (its command, port and environment), and its
control API: what it shows of a process, what it may do to one, and when the runner serves
it at all."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import cast

import pytest
from aiohttp.test_utils import TestClient, TestServer

from erestaurant import services
from erestaurant.runner import control
from erestaurant.runner.command import Runner
from erestaurant.runner.settings import RunnerSettings
from erestaurant.runner.supervision import Child, Kind, RunnerError, Supervisor
from erestaurant.runner.wiring import Wiring, free_ports


class FakeProcess:
    """What the API uses of an asyncio process: it records signals instead of sending them."""

    def __init__(self, pid: int = 4242) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.signals: list[int] = []

    def send_signal(self, sig: int) -> None:
        if self.returncode is not None:
            raise ProcessLookupError  # as asyncio does for a reaped process
        self.signals.append(sig)
        if sig == signal.SIGKILL:
            self.returncode = -9

    async def wait(self) -> int | None:
        return self.returncode


Action = Callable[[Child], Awaitable[None]]


def child(
    name: str = "payment", process: FakeProcess | None = None, kind: Kind = Kind.SERVICE
) -> Child:
    c = Child(name, ["serve", name], 8083, kind=kind)
    c.process = cast(asyncio.subprocess.Process, process)
    return c


def signals(c: Child) -> list[int]:
    return cast(FakeProcess, c.process).signals


def refusal(exc: pytest.ExceptionInfo[control.Refused]) -> tuple[int, str]:
    return exc.value.status, exc.value.code


# -- what a process looks like ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "service"),
    [("hall", "hall"), ("hall-2", "hall"), ("nats", "nats"), ("identity", "identity")],
)
def test_a_replica_belongs_to_its_service(name: str, service: str) -> None:
    assert control.service_of(name) == service


def test_a_running_process_is_shown_with_its_pid_and_url() -> None:
    view = control.describe(child("payment-2", FakeProcess(77)), stopping=False)
    assert view == {
        "name": "payment-2",
        "service": "payment",
        "pid": 77,
        "port": 8083,
        "url": "http://127.0.0.1:8083",
        "running": True,
        "frozen": False,
        "restarts": 0,
        "startedAt": None,
        "state": "running",
    }


async def test_a_frozen_process_is_shown_frozen() -> None:
    c = child(process=FakeProcess())
    await control.freeze(c)
    view = control.describe(c, stopping=False)
    assert (view["running"], view["frozen"], view["state"]) == (True, True, "frozen")


async def test_a_frozen_process_that_died_is_frozen_no_more() -> None:
    c = child(process=FakeProcess())
    await control.freeze(c)
    cast(FakeProcess, c.process).returncode = -9  # the liveness check killed it
    assert not control.is_frozen(c)
    assert control.state(c, stopping=False) == "restarting"


def test_a_dead_process_is_restarting_unless_the_runner_stops() -> None:
    dead = FakeProcess()
    dead.returncode = 1
    assert control.state(child(process=dead), stopping=False) == "restarting"
    assert control.state(child(process=dead), stopping=True) == "exited"


def test_a_process_never_started_has_no_pid() -> None:
    view = control.describe(child(process=None), stopping=False)
    assert (view["pid"], view["running"], view["state"]) == (None, False, "restarting")


def test_nats_has_no_url() -> None:
    nats = child("nats", FakeProcess(), Kind.NATS)
    assert control.describe(nats, stopping=False)["url"] is None


async def test_a_new_process_is_not_frozen() -> None:
    supervisor = Supervisor({}, RunnerSettings())
    c = Child("payment", ["true"], 1, frozen=True)
    await supervisor.start(c)
    assert c.process is not None
    await c.process.wait()
    assert not c.frozen
    assert c.started_utc is not None


# -- what the API does to a process ----------------------------------------------------------


async def test_freeze_stops_and_thaw_continues() -> None:
    c = child(process=FakeProcess())
    await control.freeze(c)
    await control.thaw(c)
    assert signals(c) == [signal.SIGSTOP, signal.SIGCONT]
    assert not c.frozen


async def test_a_frozen_process_cannot_be_frozen_again() -> None:
    c = child(process=FakeProcess())
    await control.freeze(c)
    with pytest.raises(control.Refused) as exc:
        await control.freeze(c)
    assert refusal(exc) == (409, "ALREADY_FROZEN")


async def test_only_a_frozen_process_can_be_thawed() -> None:
    with pytest.raises(control.Refused) as exc:
        await control.thaw(child(process=FakeProcess()))
    assert refusal(exc) == (409, "NOT_FROZEN")


async def test_kill_sends_9_and_waits_for_the_exit() -> None:
    c = child(process=FakeProcess())
    await control.freeze(c)
    await control.kill(c)
    assert signals(c) == [signal.SIGSTOP, signal.SIGKILL]
    assert (c.running, c.frozen) == (False, False)


@pytest.mark.parametrize("act", [control.freeze, control.thaw, control.kill])
async def test_nothing_is_done_to_a_process_that_is_not_running(act: Action) -> None:
    dead = FakeProcess()
    dead.returncode = -9
    for c in (child(process=dead), child(process=None)):
        with pytest.raises(control.Refused) as exc:
            await act(c)
        assert refusal(exc) == (409, "NOT_RUNNING")


async def test_a_process_that_exits_as_it_is_signalled_is_not_running() -> None:
    c = child(process=FakeProcess())

    def gone(sig: int) -> None:
        raise ProcessLookupError

    cast(FakeProcess, c.process).send_signal = gone  # type: ignore[method-assign]
    with pytest.raises(control.Refused) as exc:
        await control.kill(c)
    assert refusal(exc) == (409, "NOT_RUNNING")


# -- the HTTP API ----------------------------------------------------------------------------

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


Api = tuple[TestClient, list[Child]]  # type: ignore[type-arg]


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    children = [child("nats", FakeProcess(10), Kind.NATS), child("payment", FakeProcess(11))]
    app = control.create_app(children, TOKEN, lambda: False)
    async with TestClient(TestServer(app)) as client:
        yield client, children


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer caf\u00e9"},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/processes"), ("POST", "/processes/payment/kill"), ("GET", "/nothing")],
)
async def test_every_request_needs_the_token(
    api: Api, headers: dict[str, str], method: str, path: str
) -> None:
    client, children = api
    r = await client.request(method, path, headers=headers)
    assert r.status == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert (await r.json())["error"] == "UNAUTHORIZED"
    assert signals(children[1]) == []


async def test_the_processes_are_listed(api: Api) -> None:
    client, _ = api
    r = await client.get("/processes", headers=AUTH)
    assert r.status == 200
    listed = await r.json()
    assert [(p["name"], p["pid"], p["state"]) for p in listed] == [
        ("nats", 10, "running"),
        ("payment", 11, "running"),
    ]


async def test_an_action_answers_the_process_as_it_left_it(api: Api) -> None:
    client, children = api
    r = await client.post("/processes/payment/freeze", headers=AUTH)
    assert r.status == 200
    assert (await r.json())["state"] == "frozen"
    assert signals(children[1]) == [signal.SIGSTOP]
    r = await client.post("/processes/payment/kill", headers=AUTH)
    body = await r.json()
    assert (body["running"], body["frozen"], body["state"]) == (False, False, "restarting")


@pytest.mark.parametrize("name", ["kiosk", "runner", "payment-2"])
async def test_an_unknown_name_is_404(api: Api, name: str) -> None:
    client, _ = api
    r = await client.post(f"/processes/{name}/kill", headers=AUTH)
    assert r.status == 404
    assert (await r.json())["error"] == "UNKNOWN_PROCESS"


async def test_a_refusal_is_409_with_its_code(api: Api) -> None:
    client, _ = api
    r = await client.post("/processes/payment/thaw", headers=AUTH)
    assert r.status == 409
    assert await r.json() == {"error": "NOT_FROZEN", "message": "payment is not frozen"}


async def test_a_wrong_route_or_method_is_answered_in_json(api: Api) -> None:
    client, _ = api
    r = await client.get("/processes/payment/kill", headers=AUTH)
    assert (r.status, r.headers["Allow"]) == (405, "POST")
    assert (await r.json())["error"] == "METHOD_NOT_ALLOWED"
    r = await client.post("/processes/payment/explode", headers=AUTH)
    assert r.status == 404
    assert (await r.json())["error"] == "NOT_FOUND"


# -- the token -------------------------------------------------------------------------------


def test_the_token_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    (tmp_path / control.TOKEN_FILE).write_text("an old one")
    (tmp_path / control.TOKEN_FILE).chmod(0o644)
    path = control.write_token(tmp_path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert control.read_token(tmp_path) == "new"


def test_each_token_is_new() -> None:
    assert control.new_token() != control.new_token()


# -- when the runner serves it ---------------------------------------------------------------


def runner(tmp_path: Path, env: dict[str, str], settings: RunnerSettings | None = None) -> Runner:
    """A runner of no children, as `up` is before it starts any."""
    return Runner(Wiring(tmp_path, dict(env), ports={}), settings or RunnerSettings())


def asked(control_port: int) -> RunnerSettings:
    """Settings that ask for the control API on ``control_port`` by name."""
    return RunnerSettings(control_port=control_port)


async def test_in_development_the_children_get_the_url_and_the_token(tmp_path: Path) -> None:
    [port] = free_ports(1)
    r = runner(tmp_path, {"ERESTAURANT_CONTROL_TOKEN": "an outer one"}, asked(port))
    await r._open_control()
    try:
        assert r.env["ERESTAURANT_CONTROL_URL"] == f"http://127.0.0.1:{port}" == r.control_url
        assert r.env["ERESTAURANT_CONTROL_TOKEN"] == control.read_token(tmp_path)
    finally:
        await r._close_control()
    assert not (tmp_path / control.TOKEN_FILE).exists()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # the server let go of its port


async def test_port_0_turns_it_off(tmp_path: Path) -> None:
    r = runner(tmp_path, {"ERESTAURANT_CONTROL_URL": "http://elsewhere"}, asked(0))
    await r._open_control()
    assert_off(r, tmp_path)


async def test_outside_development_it_stays_off(tmp_path: Path) -> None:
    r = runner(tmp_path, {"ERESTAURANT_ENVIRONMENT": "production"})
    await r._open_control()
    assert_off(r, tmp_path)


async def test_outside_development_asking_for_it_stops_up(tmp_path: Path) -> None:
    r = runner(tmp_path, {"ERESTAURANT_ENVIRONMENT": "production"}, asked(8089))
    with pytest.raises(RunnerError, match="development environment only"):
        await r._open_control()
    assert_off(r, tmp_path)


async def test_a_taken_default_port_leaves_it_off(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        # As if by default: the port is not one asked for by name.
        port = taken.getsockname()[1]
        settings = RunnerSettings.model_construct(_fields_set=set(), control_port=port)
        r = runner(tmp_path, {}, settings)
        await r._open_control()
    assert_off(r, tmp_path)


async def test_a_taken_port_asked_for_stops_up(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        r = runner(tmp_path, {}, asked(taken.getsockname()[1]))
        with pytest.raises(RunnerError, match="in use"):
            await r._open_control()
    assert_off(r, tmp_path)


def assert_off(r: Runner, data_dir: Path) -> None:
    assert r.control_url is None
    assert "ERESTAURANT_CONTROL_URL" not in r.env
    assert "ERESTAURANT_CONTROL_TOKEN" not in r.env
    assert not (data_dir / control.TOKEN_FILE).exists()


async def test_stopping_thaws_a_frozen_child_so_that_it_exits_on_sigterm() -> None:
    supervisor = Supervisor({}, RunnerSettings())
    c = Child("payment", ["sleep", "60"], 1)
    supervisor.children.append(c)
    await supervisor.start(c)
    await control.freeze(c)
    await asyncio.wait_for(supervisor.stop_all(), 5)  # not the 15 s after which it is killed
    assert c.process is not None
    assert c.process.returncode == -signal.SIGTERM


# -- what each child is given ----------------------------------------------------------------


@pytest.fixture
def outer(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment that sets each service's port, as a profile (or a test) would."""
    prefixes = ("ERESTAURANT_", *(s.env_prefix for s in services.REGISTRY.values()))
    for name in [name for name in os.environ if name.startswith(prefixes)]:
        monkeypatch.delenv(name)
    *ports, nats, identity = free_ports(len(services.NAMES) + 2)
    registry = services.REGISTRY.values()
    env = {f"{s.env_prefix}PORT": str(p) for s, p in zip(registry, ports, strict=True)}
    for variable, port in (
        ("ERESTAURANT_NATS_PORT", nats),
        ("ERESTAURANT_IDENTITY_PORT", identity),
    ):
        monkeypatch.setenv(variable, str(port))  # read by the NATS and identity settings
        env[variable] = str(port)
    return env


def test_each_child_gets_its_port_and_where_the_others_are(
    outer: dict[str, str], tmp_path: Path
) -> None:
    wiring = Wiring.from_environment(outer, replicas=2, data_dir=tmp_path / "data")
    children = {c.name: c for c in wiring.children()}

    replicated = [n for n in services.NAMES if n != "gateway"]
    assert list(children) == [
        "nats",
        "identity",
        *(f"{n}{suffix}" for n in replicated for suffix in ("", "-2")),
        "gateway",
    ]
    nats, identity = children["nats"], children["identity"]
    assert (nats.kind, nats.port, nats.url) == (
        Kind.NATS,
        int(outer["ERESTAURANT_NATS_PORT"]),
        None,
    )
    assert nats.argv[1:] == ["-c", str(tmp_path / "data" / "nats.conf")]
    assert f"listen: 127.0.0.1:{nats.port}" in (tmp_path / "data" / "nats.conf").read_text()
    assert (identity.kind, identity.kind.ready_path) == (
        Kind.IDENTITY,
        "/.well-known/openid-configuration",
    )
    env = wiring.env
    assert env["ERESTAURANT_DATA_DIR"] == str(tmp_path / "data")
    assert env["ERESTAURANT_NATS_URL"] == f"nats://127.0.0.1:{nats.port}"
    assert env["ERESTAURANT_AUTH_ISSUER"] == f"http://127.0.0.1:{identity.port}"
    for name in replicated:
        first, second = children[name], children[f"{name}-2"]
        prefix = services.REGISTRY[name].env_prefix
        assert first.argv[-2:] == second.argv[-2:] == ["serve", name]
        assert first.env == {f"{prefix}PORT": outer[f"{prefix}PORT"]}
        assert second.env == {f"{prefix}PORT": str(second.port)} != first.env
        assert env[f"GATEWAY_{name.upper()}_URL"] == f"{first.url},{second.url}"
    assert env["HALL_KITCHEN_URL"] == env["GATEWAY_KITCHEN_URL"]
    assert env["WEB_PAYMENT_URL"] == env["GATEWAY_PAYMENT_URL"]
    assert env["GATEWAY_PUBLIC_URL"] == children["gateway"].url == wiring.front


def test_a_broker_a_provider_and_urls_of_ones_own_are_kept(
    outer: dict[str, str], tmp_path: Path
) -> None:
    own = {
        **outer,
        "ERESTAURANT_NATS_URL": "nats://broker.internal:4222",
        "ERESTAURANT_AUTH_ISSUER": "https://sso.internal/realms/cafeteria",
        "GATEWAY_PUBLIC_URL": "https://lunch.example.com/",
        "HALL_KITCHEN_URL": "http://kitchen.internal:8082",
    }

    wiring = Wiring.from_environment(own, replicas=1, data_dir=tmp_path)

    assert [c.kind for c in wiring.children()] == [Kind.SERVICE] * len(services.NAMES)
    assert not (tmp_path / "nats.conf").exists()
    for variable in ("ERESTAURANT_NATS_URL", "ERESTAURANT_AUTH_ISSUER", "HALL_KITCHEN_URL"):
        assert wiring.env[variable] == own[variable]
    assert wiring.front == "https://lunch.example.com/"


def test_ports_for_the_services_lie_below_the_range_of_outgoing_connections() -> None:
    # A port in that range can become the local end of another process's connection
    # before the replica meant to listen on it binds it (seen: hall-2 never started).
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = free_ports(50)
    assert len(set(ports)) == 50
    assert all(1024 <= port < low for port in ports)
    with socket.socket() as first:
        first.bind(("127.0.0.1", ports[0]))  # nothing had it
