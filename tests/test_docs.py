"""The docs that are generated from code stay true to it."""

from __future__ import annotations

from pathlib import Path

from erestaurant import settings_reference

DOCS = Path(__file__).parents[1] / "docs"


def test_the_configuration_reference_matches_the_settings_classes() -> None:
    written = (DOCS / "configuration.md").read_text()
    assert written == settings_reference.render(), (
        "docs/configuration.md is stale: "
        "python -m erestaurant.settings_reference > docs/configuration.md"
    )
