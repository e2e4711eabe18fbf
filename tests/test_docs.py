"""The docs that are generated from code stay true to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from erestaurant import settings_reference

DOCS = Path(__file__).parents[1] / "docs"


def test_the_configuration_reference_matches_the_settings_classes() -> None:
    written = (DOCS / "configuration.md").read_text()
    assert written == settings_reference.render(), (
        "docs/configuration.md is stale: "
        "python -m erestaurant.settings_reference > docs/configuration.md"
    )


# A Markdown link (not an image: screenshots are made by the browser tests) outside code.
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _prose(page: Path) -> str:
    return FENCE.sub("", page.read_text())


@pytest.mark.parametrize(
    "page",
    [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))],
    ids=lambda p: p.name,
)
def test_every_link_between_the_docs_leads_somewhere(page: Path) -> None:
    broken = []
    for target in LINK.findall(_prose(page)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # another site
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+\s+(.+)$", _prose(linked), re.MULTILINE)
            if anchor not in {_anchor(h) for h in headings}:
                broken.append(f"{target}: no such heading")
    assert not broken, f"{page.name}: {broken}"
