"""The fault matrix at CI size: each fault on real processes, every invariant must hold, on
the default profile and on the production one (PostgreSQL, MariaDB, the view on Redis).

`erestaurant faults --orders 10000` runs the full size (docs/faults.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from erestaurant.faults.matrix import report, run_fault
from erestaurant.faults.nemesis import FAULTS
from tests import profiles

pytestmark = pytest.mark.faults

ORDERS = 250
PACE = (1.0, 3.0)


@pytest.mark.parametrize("profile", profiles.PROFILES)
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_nothing_is_lost_under(fault: str, profile: str, tmp_path: Path) -> None:
    lent = profiles.servers(profile)
    result = await run_fault(fault, ORDERS, tmp_path, PACE, settle_seconds=240, profile=lent)
    print(report([result]))
    assert result.counts["attempted"] == ORDERS
    assert result.counts["acknowledged"] > ORDERS * 0.8
    assert result.counts["lost"] == 0
    assert result.counts["double_deductions"] == 0
    assert result.counts["gave_up"] == 0
    assert [c.name for c in result.checks if not c.ok] == []
    assert result.server_errors == []
    if fault != "none":
        assert result.actions > 0, "the fault never struck"
