"""The README's tour, run call by call as written, with a person's pause between steps."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e

README = Path(__file__).parents[2] / "README.md"


def tour_script(gateway: str) -> str:
    text = README.read_text()
    tour = text[text.index("<!-- tour:start -->") : text.index("<!-- tour:end -->")]
    blocks = re.findall(r"```bash\n(.*?)```", tour, flags=re.S)
    assert len(blocks) >= 6
    script = "\nsleep 1\n".join(blocks)
    return script.replace("GATEWAY=http://127.0.0.1:8088", f"GATEWAY={gateway}", 1)


def test_the_tour_works_as_written(system: System) -> None:
    # `erestaurant token` signs in to this system's provider, as to the one `up` starts.
    scripts = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "ERESTAURANT_AUTH_ISSUER": system.issuer,
        "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    run = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", tour_script(system.gateway)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    out = run.stdout
    assert "X-Correlation-ID: tour-order-1" in out
    assert '"status":"ORDERED"' in out
    assert '"status":"COOKING"' in out
    assert '"status":"COMPLETED"' in out
    assert '"status":"DEDUCTED"' in out
    assert '"orderStatus":"COMPLETED","cookStatus":"COOKED","paymentStatus":"DEDUCTED"' in out
    assert "is ready" in out
    assert "employeeCardNo,name,deductions,totalAmount" in out
    assert "E1001,Kim Minji,1,13000" in out
    for refusal in (
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "UNKNOWN_CARD",
        "NOT_ON_MENU",
        "COOKING_STARTED",
    ):
        assert refusal in out
    assert '"status":"CANCELLED"' in out.rstrip().splitlines()[-1]  # the second order
    assert "INTERNAL_ERROR" not in out
    assert "cid=tour-order-1" in system.logs()
