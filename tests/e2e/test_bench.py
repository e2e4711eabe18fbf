"""`erestaurant bench` runs from a checkout and writes its report with real figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_a_quick_bench_writes_a_report_of_what_it_measured(tmp_path: Path) -> None:
    out = tmp_path / "report"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "erestaurant",
            "bench",
            "--quick",
            "--rates",
            "5",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((out / "bench.json").read_text())
    assert (out / "bench.png").read_bytes().startswith(b"\x89PNG")
    assert "### Targets" in (out / "bench.md").read_text()

    primitives = report["primitives"]
    assert primitives["hello_world"]["per_second"] > 0
    assert primitives["jetstream"]["publish_per_second"] > 0
    assert primitives["jetstream"]["consume_per_second"] > 0
    assert primitives["sqlite_commits_per_second"] > 0
    assert primitives["hello_world"]["server_cpu_us"] > 0
    assert primitives["hello_world"]["client_cpu_us"] > 0
    assert primitives["jetstream"]["publish_cpu_us"] > 0
    assert primitives["plain_sqlite"]["transaction_us"] > 0
    # The floor is summed from those, and the targets are stated against it.
    assert 0 < report["floor"]["ms_per_order"] < report["search"][0]["cpu"]["ms_per_order"]
    assert report["floor"]["orders_per_second"] > 0
    assert "of the floor's" in report["targets"][0]["against"]
    [step] = report["search"]
    assert step["rate"] == 5
    assert step["orders"]["requests"] == 15  # 5 a second for 3 s, on schedule
    assert step["all_finished"]  # deducted, messaged, completed, and in the view
    assert 0 < step["lag_p50_s"] <= step["finish_p99_s"]
    # Every process of the system used CPU for those orders beyond what it uses idle; the
    # bench's own CPU is set apart.
    used = step["cpu"]
    by_process = used["by_process_ms_per_order"]
    assert set(by_process) == {
        "nats",
        "identity",
        "gateway",
        "hall",
        "kitchen",
        "payment",
        "workercenter",
        "notification",
        "web",  # it hears every event, for the screens
    }
    assert set(report["idle_cores"]) == {*by_process, "bench"}
    assert used["apart_ms_per_order"]["bench"] > 0
    assert used["ms_per_order"] == pytest.approx(sum(by_process.values()), abs=0.1)
    assert used["ms_per_order"] > 0
    assert used["gross_ms_per_order"] >= used["ms_per_order"]
    assert report["mixed"]["page_limit"] == 20
    assert "CPU per order" in (out / "bench.md").read_text()
    catch_up = report["payment_catch_up"]
    assert catch_up["deducted"] == catch_up["orders"] > 0
    assert catch_up["seconds"] > 0
    assert len(report["targets"]) == 7
