"""Every screen in both languages, checked with axe: no serious or critical violation; the
browser's language picks Korean or English and the switch overrides it; someone signed in
without a screen's role is told so."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from erestaurant.platform.access import Role
from tests.browser.conftest import Screens, accessible

pytestmark = pytest.mark.browser

SCREENS = [
    (Role.KITCHEN, "/kitchen", "주방 화면"),
    (Role.EMPLOYEE, "/me", "내 주문"),
    (Role.PAYROLL, "/payroll", "급여 담당"),
    (Role.ADMIN, "/ops", "운영"),
]


@pytest.mark.parametrize(("role", "path", "korean"), SCREENS)
def test_a_screen_in_korean_is_accessible(
    screens: Screens, role: Role, path: str, korean: str
) -> None:
    page = screens.role(role, path, locale="ko-KR")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator(".screen-name")).to_have_text(korean)
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    accessible(page)


def test_the_kiosk_and_its_setup_in_korean_are_accessible(screens: Screens) -> None:
    setup = screens.context(locale="ko-KR").new_page()
    setup.goto("/kiosk/setup")
    expect(setup.get_by_label("키오스크 클라이언트 ID")).to_be_visible()
    accessible(setup)
    kiosk = screens.kiosk()  # signed in in English, then switched
    kiosk.get_by_role("link", name="한국어").click()
    expect(kiosk.locator(".prompt")).to_have_text("메뉴를 고른 뒤 사원증을 대 주세요")
    accessible(kiosk)
    kiosk.goto("/kiosk")  # the choice is kept (a cookie the gateway lets through)
    expect(kiosk.locator("html")).to_have_attribute("lang", "ko")
    screens.system.menu(f"Sundubu {uuid.uuid4().hex[:4]}", 7000, 5)
    # The tiles read again live are in Korean too.
    expect(kiosk.locator(".tile", has_text="Sundubu")).to_contain_text("5인분 남음")


def test_the_home_page_lists_the_screens(screens: Screens) -> None:
    page = screens.context().new_page()
    page.goto("/")
    for name in ("Kiosk", "Kitchen display", "My orders", "Payroll office", "Operations"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    accessible(page)


def test_someone_without_the_screens_role_is_told_so(screens: Screens) -> None:
    page = screens.role(Role.EMPLOYEE, "/me")
    answer = page.goto("/payroll")
    assert answer is not None
    assert answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This screen is not for you")
    accessible(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")
    answer = page.goto("/me")
    page.wait_for_url("**/authorize**")  # signed out: the provider asks again
