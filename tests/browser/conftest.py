"""The screens in a real browser: Debian's Chromium driven by Playwright, against the whole
system started as `erestaurant up` starts it, signed in through the real identity provider.

Playwright's sync API runs an event loop in this thread for as long as it is open: its
fixtures, and the system's, last as long as this package's tests only, so that the asyncio
tests after them find no loop running.

Browsers cannot be downloaded here, so Playwright drives the system's Chromium
(/usr/bin/chromium; `.ci/run` installs it) through ``executable_path``. Set
ERESTAURANT_SCREENSHOTS to a folder (docs/screens) to keep a picture of each screen.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from erestaurant.identity import signin
from erestaurant.identity.local import ACCOUNTS, KIOSKS, Account, LocalIdentitySettings
from erestaurant.platform.access import Role
from erestaurant.runner.wiring import free_ports
from tests.e2e.conftest import System, running_system

CHROMIUM = os.environ.get("ERESTAURANT_CHROMIUM", "/usr/bin/chromium")
# A small kitchen, so that a test can fill it and watch hall pause orders (503) and resume.
KITCHEN_CAPACITY = 6
ENV = {
    # The operations screen's drills need the runner's control API, on a port of its own.
    "ERESTAURANT_CONTROL_PORT": str(free_ports(1)[0]),
    # A kiosk left alone clears itself after this long (the shortest allowed).
    "WEB_KIOSK_IDLE_SECONDS": "5",
    # An unreadable event is set aside after two tries (the dead letters' drill).
    "ERESTAURANT_MAX_DELIVERIES": "2",
    "KITCHEN_MAX_OPEN_ORDERS": str(KITCHEN_CAPACITY),
    "KITCHEN_BUSY_RETRY_AFTER_SECONDS": "3",
    # Tickets age fast on the kitchen display, so that its colours can be seen to change.
    "WEB_KITCHEN_WARN_SECONDS": "2",
    "WEB_KITCHEN_LATE_SECONDS": "4",
}
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    root = tmp_path_factory.mktemp("erestaurant-browser")
    with running_system(root, "default", ENV) as running:
        yield running


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (as .ci/run does)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield chromium
    chromium.close()


@dataclass
class Screens:
    """Browsers, each signed in as someone of the cafeteria."""

    system: System
    browser: Browser
    opened: list[BrowserContext] = field(default_factory=list)

    def context(self, locale: str = "en-US", **options: object) -> BrowserContext:
        context = self.browser.new_context(
            base_url=self.system.gateway,
            locale=locale,
            accept_downloads=True,
            **options,  # type: ignore[arg-type]
        )
        self.opened.append(context)
        context.set_default_timeout(15_000)
        # What the pages print or throw is in the test's output when it fails.
        context.on("console", lambda m: print(f"console {m.type}: {m.text}"))
        context.on("weberror", lambda e: print(f"page error: {e.error}"))
        return context

    def person(self, account: Account, path: str, **options: Any) -> Page:
        """A browser of ``account``, signed in at the provider's page, on ``path``."""
        page = self.context(**options).new_page()
        page.goto(path, wait_until="domcontentloaded")
        page.locator("#username").fill(account.username)
        password = page.locator("#password")
        if not password.count():  # a provider that asks in two steps
            page.locator("button[type=submit]").click()
        password.fill(account.password)
        page.locator("button[type=submit]").click()
        page.wait_for_url(f"**{path}")
        return page

    def role(self, role: Role, path: str, **options: Any) -> Page:
        return self.person(next(a for a in ACCOUNTS if a.role is role), path, **options)

    def kiosk(self, **options: Any) -> Page:
        """A kiosk device, set up with its client's credentials."""
        kiosk = KIOSKS[0]
        page = self.context(viewport={"width": 1280, "height": 800}, **options).new_page()
        page.goto("/kiosk")
        page.wait_for_url("**/kiosk/setup")
        page.get_by_label("Kiosk client id").fill(kiosk.client_id)
        page.get_by_label("Kiosk secret").fill(kiosk.secret)
        page.get_by_role("button", name="Sign the kiosk in").click()
        page.wait_for_url("**/kiosk")
        return page

    def new_employee(self, name: str) -> tuple[str, Account]:
        """A card registered nowhere yet, and the employee's account at the provider."""
        card = f"E{uuid.uuid4().hex[:7].upper()}"
        adding = signin.add_employee(self.system.issuer, card, LocalIdentitySettings.load())
        return card, in_thread(adding)


T = TypeVar("T")


def in_thread(work: Coroutine[object, object, T]) -> T:
    """Run ``work`` to its end in a thread of its own: Playwright's sync API runs an event
    loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


@pytest.fixture
def screens(system: System, browser: Browser) -> Iterator[Screens]:
    opened = Screens(system, browser)
    yield opened
    for context in opened.opened:  # their live streams end with them
        context.close()


def accessible(page: Page) -> None:
    """No serious or critical violation that axe finds on the page as it is now."""
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, results.generate_report()


def picture(page: Page, name: str) -> None:
    """Keep a screenshot of the screen where ERESTAURANT_SCREENSHOTS says."""
    folder = os.environ.get("ERESTAURANT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def settle_kitchen(system: System) -> None:
    """Cook every open ticket, so that a test starts with an idle kitchen."""
    for status, then in (("RECEIVED", ("COOKING", "COOKED")), ("COOKING", ("COOKED",))):
        for ticket in system.kitchen.get("/kitchens/cooks", params={"status": status}).json():
            for step in then:
                system.kitchen.patch(f"/kitchens/cooks/{ticket['cookId']}", json={"status": step})


@pytest.fixture(autouse=True)
def _an_idle_kitchen(system: System) -> None:
    """Each test starts with no open ticket: the kitchen here is small (it pauses ordering
    past KITCHEN_CAPACITY), and a ticket a test left behind must not make the next one's
    orders wait."""
    settle_kitchen(system)
