"""The runner's control API on a real `erestaurant up`: it freezes, thaws and kills real
processes, which the runner then treats as it treats any hung or dead child."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from erestaurant.runner import control
from erestaurant.runner.wiring import free_ports
from erestaurant.services import NAMES
from tests.e2e.conftest import System, eventually, running_system

pytestmark = pytest.mark.e2e

# Liveness checks faster than the default, and patient enough that a freeze and a thaw fit
# well before a kill: each check of a frozen process waits out its 1 s timeout, so eight
# missed ones take some twelve seconds.
LIVENESS_FAILURES = 8
LIVENESS_ENV = {
    "ERESTAURANT_LIVENESS_PERIOD_SECONDS": "0.5",
    "ERESTAURANT_LIVENESS_FAILURES": str(LIVENESS_FAILURES),
}


@dataclass
class Control:
    system: System
    url: str
    token: str
    http: httpx.Client  # sends the token

    def processes(self) -> dict[str, dict[str, Any]]:
        r = self.http.get("/processes")
        assert r.status_code == 200, r.text
        return {p["name"]: p for p in r.json()}

    def process(self, name: str) -> dict[str, Any]:
        return self.processes()[name]

    def act(self, name: str, action: str) -> httpx.Response:
        return self.http.post(f"/processes/{name}/{action}")


@contextlib.contextmanager
def controlled(root: Path, extra_env: dict[str, str] | None = None) -> Iterator[Control]:
    """`erestaurant up` with its control API on a free port, and a client with its token."""
    [port] = free_ports(1)
    env = {"ERESTAURANT_CONTROL_PORT": str(port), **(extra_env or {})}
    with running_system(root, extra_env=env) as system:
        token = control.read_token(system.local.data_dir)
        url = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=auth, timeout=10) as http:
            yield Control(system, url, token, http)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Control]:
    with controlled(tmp_path_factory.mktemp("erestaurant-control"), LIVENESS_ENV) as running:
        yield running


def _live(system: System, service: str) -> bool:
    """Whether the service answers /health/live (a frozen one lets the call time out)."""
    try:
        return httpx.get(f"{system.urls[service]}/health/live", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _os_state(pid: int) -> str:
    """The kernel's word for the process: R, S (running, sleeping), T (stopped)..."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("State:"):
            return line.split()[1]
    raise AssertionError(f"no State in /proc/{pid}/status")


def _environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().partition("=")[::2] for entry in raw if entry)


def test_every_process_is_listed_as_the_runner_started_it(api: Control) -> None:
    listed = api.processes()
    assert set(listed) == {"nats", "identity", *NAMES}
    for name, process in listed.items():
        assert process["pid"] == api.system.local.pid(name)
        assert (process["running"], process["frozen"], process["state"]) == (
            True,
            False,
            "running",
        )
        assert process["service"] == name
        assert datetime.fromisoformat(process["startedAt"]).utcoffset() == timedelta(0)
    assert listed["nats"]["url"] is None
    assert listed["payment"]["url"] == api.system.urls["payment"]


def test_the_token_is_private_and_every_service_is_told_where_the_api_is(api: Control) -> None:
    path = api.system.local.data_dir / control.TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"{'control':<15} {api.url}" in api.system.logs()
    env = _environment(api.system.local.pid("gateway"))
    assert env["ERESTAURANT_CONTROL_URL"] == api.url
    assert env["ERESTAURANT_CONTROL_TOKEN"] == api.token


@pytest.mark.parametrize("authorization", [None, "Bearer not-the-token", "not-the-token"])
def test_no_call_is_answered_without_the_token(api: Control, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    before = api.system.local.pid("payment")
    for method, path in (("GET", "/processes"), ("POST", "/processes/payment/kill")):
        r = httpx.request(method, f"{api.url}{path}", headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.json()["error"] == "UNAUTHORIZED"
    assert api.process("payment")["pid"] == before


@pytest.mark.parametrize("name", ["runner", "kiosk"])
def test_only_the_runners_children_can_be_named(api: Control, name: str) -> None:
    r = api.act(name, "kill")
    assert r.status_code == 404
    assert r.json()["error"] == "UNKNOWN_PROCESS"
    assert api.system.local.process.poll() is None  # the runner is still up


def test_a_frozen_service_stops_answering_until_it_is_thawed(api: Control) -> None:
    pid = api.process("notification")["pid"]
    frozen = api.act("notification", "freeze")
    assert frozen.status_code == 200, frozen.text
    assert (frozen.json()["frozen"], frozen.json()["state"]) == (True, "frozen")
    assert _os_state(pid) == "T"
    assert not _live(api.system, "notification")
    again = api.act("notification", "freeze")
    assert (again.status_code, again.json()["error"]) == (409, "ALREADY_FROZEN")

    thawed = api.act("notification", "thaw")
    assert thawed.status_code == 200, thawed.text
    assert (thawed.json()["frozen"], thawed.json()["state"]) == (False, "running")
    eventually(lambda: _live(api.system, "notification"), bool)
    assert api.process("notification")["pid"] == pid  # the same process, never restarted
    again = api.act("notification", "thaw")
    assert (again.status_code, again.json()["error"]) == (409, "NOT_FROZEN")


def test_a_killed_service_is_started_again_with_a_new_pid(api: Control) -> None:
    before = api.process("payment")
    killed = api.act("payment", "kill")
    assert killed.status_code == 200, killed.text
    assert (killed.json()["running"], killed.json()["state"]) == (False, "restarting")
    with pytest.raises(ProcessLookupError):
        os.kill(before["pid"], 0)  # gone, and reaped by the runner

    back = eventually(lambda: api.process("payment"), lambda p: p["state"] == "running", 30)
    assert back["pid"] != before["pid"]
    assert back["pid"] == api.system.local.pid("payment")
    assert back["restarts"] == before["restarts"] + 1
    assert back["startedAt"] > before["startedAt"]
    eventually(lambda: _live(api.system, "payment"), bool)


def test_a_service_left_frozen_is_killed_by_liveness_and_comes_back_thawed(
    api: Control,
) -> None:
    before = api.process("workercenter")["pid"]
    assert api.act("workercenter", "freeze").status_code == 200
    back = eventually(
        lambda: api.process("workercenter"),
        lambda p: p["pid"] != before and p["state"] == "running",
        60,
    )
    assert back["frozen"] is False
    missed = f"workercenter missed {LIVENESS_FAILURES} liveness checks in a row; killing it"
    assert missed in api.system.logs()
    eventually(lambda: _live(api.system, "workercenter"), bool)


def test_stopping_up_thaws_a_frozen_service_so_that_it_stops_gracefully(tmp_path: Path) -> None:
    with controlled(tmp_path) as api:
        assert api.act("notification", "freeze").status_code == 200
        stops_before = api.system.logs().count("notification stopped")
    # Leaving the block stopped `up` as Ctrl-C does, and saw it exit 0 in time.
    logs = api.system.logs()
    assert logs.count("notification stopped") == stops_before + 1
    assert "did not stop in time" not in logs
    assert not (api.system.local.data_dir / control.TOKEN_FILE).exists()
