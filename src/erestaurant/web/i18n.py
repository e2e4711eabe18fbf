"""Korean and English: every label the screens show comes from a message catalog.

The catalogs are JSON files in ``locales/``, one per language, with the same keys (a test
holds them to it, and to every key a template uses). The language is the one the person
chose with the switch (a cookie), else the best of the browser's Accept-Language, else
Korean: the cafeteria is in Seoul.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

LANGUAGES = ("ko", "en")
DEFAULT = "ko"
COOKIE = "erestaurant_lang"


@functools.cache
def catalog(language: str) -> dict[str, str]:
    text = resources.files("erestaurant.web").joinpath(f"locales/{language}.json").read_text()
    loaded: dict[str, str] = json.loads(text)
    return loaded


def chosen(cookie: str | None, accept_language: str | None) -> str:
    """The language to answer in."""
    if cookie in LANGUAGES:
        return cookie
    for tag, _ in _ranked(accept_language or ""):
        primary = tag.split("-", 1)[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT


def _ranked(header: str) -> list[tuple[str, float]]:
    ranked = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((tag, quality))
    return sorted(ranked, key=lambda pair: -pair[1])


class Translator:
    """``t("key", name=...)`` in a template: the label in the chosen language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._messages = catalog(language)

    def __call__(self, key: str, **values: Any) -> str:
        text = self._messages.get(key)
        if text is None:
            text = catalog(DEFAULT).get(key, key)
        return text.format(**values) if values else text
