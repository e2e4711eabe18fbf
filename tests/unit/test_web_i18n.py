"""Every label of the screens is in both catalogs, and the language is chosen as a person
would expect: their switch, else their browser's preference, else Korean."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from erestaurant.web import i18n

TEMPLATES = resources.files("erestaurant.web").joinpath("templates")
SOURCES = resources.files("erestaurant.web")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for template in TEMPLATES.iterdir():
        keys |= set(re.findall(r"""\bt\(["']([a-z_]+\.[a-zA-Z_]+)["']""", template.read_text()))
    for module in SOURCES.iterdir():
        if module.name.endswith(".py"):
            keys |= set(
                re.findall(
                    r'"((?:kiosk|kitchen|me|payroll|ops|setup)\.[a-z_]+)"', module.read_text()
                )
            )
    return {k for k in keys if not k.endswith(".html")}


def test_both_catalogs_hold_the_same_labels() -> None:
    assert set(i18n.catalog("ko")) == set(i18n.catalog("en"))


def test_every_label_the_screens_use_is_in_the_catalogs() -> None:
    missing = used_keys() - set(i18n.catalog("en"))
    assert not missing


def test_placeholders_are_the_same_in_both_languages() -> None:
    for key, english in i18n.catalog("en").items():
        korean = i18n.catalog("ko")[key]
        assert set(re.findall(r"{(\w+)}", english)) == set(re.findall(r"{(\w+)}", korean)), key


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "ko"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR,fr;q=0.9,en;q=0.5", "en"),
        (None, "en;q=0.4,ko;q=0.8", "ko"),
        (None, "de", "ko"),
        ("en", "ko-KR", "en"),
        ("xx", "en", "en"),
        (None, "en;q=zero, ko", "ko"),
    ],
)
def test_the_language(cookie: str | None, header: str | None, expected: str) -> None:
    assert i18n.chosen(cookie, header) == expected


def test_a_label_missing_from_a_catalog_falls_back_to_korean_then_to_its_key() -> None:
    assert i18n.Translator("en")("no.such.key") == "no.such.key"
    assert i18n.Translator("en")("kiosk.left", n=3) == "3 left"
