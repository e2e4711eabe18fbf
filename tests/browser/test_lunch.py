"""One lunch from start to finish, on the screens only, each in its own browser: the
payroll office registers an employee, a kiosk orders with the card, the kitchen display
shows the ticket without a reload, the cook starts and finishes it, the employee's page
turns "ready" and then "deducted" without a reload, and the payroll month shows the
amount, in the CSV too."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from erestaurant.platform.access import Role
from tests.browser.conftest import Screens, accessible, picture

pytestmark = pytest.mark.browser


def test_a_lunch_from_registration_to_payroll(screens: Screens) -> None:
    dish = f"Bibimbap {uuid.uuid4().hex[:4]}"
    card, employee = screens.new_employee("Han Jiwoo")

    office = screens.role(Role.PAYROLL, "/payroll")
    office.get_by_label("Card number").fill(card)
    office.get_by_label("Name").fill("Han Jiwoo")
    office.get_by_role("button", name="Register").click()
    expect(office.locator("#employees")).to_contain_text(card)
    # The list is read again when the registration's event arrives; the message stays.
    office.wait_for_timeout(1_500)
    expect(office.locator("#registration")).to_contain_text(f"Card {card} is registered")

    kitchen = screens.role(Role.KITCHEN, "/kitchen", viewport={"width": 1024, "height": 768})
    kitchen.locator("#new-name").fill(dish)
    kitchen.locator("#new-price").fill("7000")
    kitchen.locator("#new-portions").fill("20")
    kitchen.get_by_role("button", name="Add to the menu").click()
    expect(kitchen.locator("#menus")).to_contain_text(dish)

    kiosk = screens.kiosk()
    tile = kiosk.locator(".tile", has_text=dish)
    expect(tile).to_be_visible()
    tile.click()
    expect(tile).to_have_attribute("aria-pressed", "true")
    expect(kiosk.locator("#card")).to_be_focused()
    kiosk.keyboard.type(card)  # the card reader types the number, then Enter
    kiosk.keyboard.press("Enter")
    placed = kiosk.locator("[data-outcome=placed]")
    expect(placed).to_be_visible()
    order_id = placed.get_attribute("data-order-id")
    assert order_id
    picture(kiosk, "kiosk")
    accessible(kiosk)
    # The confirmation closes by itself, and the kiosk is ready for the next person.
    expect(placed).to_be_hidden(timeout=15_000)
    expect(kiosk.locator("#card")).to_have_value("")

    me = screens.person(employee, "/me", viewport={"width": 390, "height": 844}, is_mobile=True)
    row = me.locator(f".order[data-order-id='{order_id}']")
    expect(row).to_have_attribute("data-step", "placed")

    ticket = kitchen.locator(".ticket", has_text=dish)
    expect(ticket).to_be_visible()  # no reload: the display heard the ticket arrive
    # Its age counts up in the browser and turns red past the configured threshold (4 s here).
    expect(ticket).to_have_class(re.compile(r"\blate\b"), timeout=10_000)
    picture(kitchen, "kitchen")
    accessible(kitchen)
    ticket.get_by_role("button", name=f"Start {dish}").click()
    expect(row).to_have_attribute("data-step", "cooking")
    ticket.get_by_role("button", name=f"Finish {dish}").click()
    expect(ticket).to_be_hidden()

    # "Ready" and "deducted" come a moment apart: the toast is what says it was ready.
    expect(me.locator(".toast")).to_contain_text(f"Your meal is ready: {dish}")
    expect(row).to_have_attribute("data-step", "deducted")
    expect(me.locator("#month-total")).to_contain_text("₩7,000")
    picture(me, "me")
    accessible(me)

    month = datetime.now(ZoneInfo("Asia/Seoul")).strftime("%Y-%m")
    office.get_by_label("Month", exact=True).fill(month)
    office.get_by_role("button", name="Show").click()
    line = office.locator(f"tr[data-card='{card}']")
    expect(line).to_contain_text("₩7,000")
    picture(office, "payroll")
    accessible(office)
    with office.expect_download() as download:
        office.get_by_role("link", name=f"Download {month} as CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = {r[0]: r for r in csv.reader(io.StringIO(text))}
    assert card in rows, text
    assert "7000" in rows[card], rows[card]
