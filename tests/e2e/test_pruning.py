"""The services prune their outbox and inbox on their own: with retentions of a few seconds,
the rows an order made are gone soon after, and the order's effects stay."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from erestaurant.services import WITH_DATABASE
from tests.e2e.conftest import eventually, running_system

pytestmark = pytest.mark.e2e

SECONDS = 2.0
PRUNING = {
    "ERESTAURANT_PRUNE_EVERY_SECONDS": "0.5",
    "ERESTAURANT_OUTBOX_RETENTION_DAYS": str(SECONDS / 86_400),
    "ERESTAURANT_INBOX_RETENTION_DAYS": str(SECONDS / 86_400),
}


def _rows(data_dir: Path) -> dict[str, tuple[int, int]]:
    """Each service's (outbox rows, inbox rows), read apart from the services."""
    counts = {}
    for name in WITH_DATABASE:
        with sqlite3.connect(f"file:{data_dir / name}.db?mode=ro", uri=True) as db:
            tables = {t for (t,) in db.execute("SELECT name FROM sqlite_master")}
            outbox = (
                db.execute("SELECT count(*) FROM outbox").fetchone()[0] if "outbox" in tables else 0
            )
            inbox = db.execute("SELECT count(*) FROM inbox").fetchone()[0]
        counts[name] = (outbox, inbox)
    return counts


def test_an_orders_outbox_and_inbox_rows_are_pruned_after_their_retention(
    tmp_path: Path,
) -> None:
    with running_system(tmp_path, extra_env=PRUNING) as system:
        card = system.register()
        menu_id = system.menu()["menuId"]
        placed = system.order(card, menu_id)
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["orderId"]
        for status in ("COOKING", "COOKED"):
            cook = system.kitchen.patch(
                f"/kitchens/cooks/{system.cook(order_id)}", json={"status": status}
            )
            assert cook.status_code == 200, cook.text
        # The saga's last events have been handled: the view shows the order deducted and
        # its employee told.
        eventually(
            lambda: system.http.get(f"/workercenters/mypages/{order_id}").json(),
            lambda row: row.get("notified") is True and row.get("paymentStatus") == "DEDUCTED",
        )

        # Every outbox and inbox row the saga wrote goes, once it is a few seconds old.
        eventually(
            lambda: _rows(system.local.data_dir),
            lambda counts: all(c == (0, 0) for c in counts.values()),
            seconds=30,
        )
        # What the order did stays.
        order = system.http.get(f"/halls/orders/{order_id}")
        assert order.json()["status"] == "COMPLETED"
        payments = system.http.get("/payments/payments", params={"employeeCardNo": card})
        assert [p["status"] for p in payments.json()] == ["DEDUCTED"]
        assert "pruned" in system.logs()
