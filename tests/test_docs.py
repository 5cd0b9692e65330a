"""The manual: a README a newcomer reads in two minutes, pointing to docs/ pages, and
every relative link in them leads somewhere (a file, and for a page, its heading)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import PROJECT_DIR

PAGES = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def relative_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text())
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in FENCE.sub("", page.read_text()).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_the_readme_is_short_and_names_the_two_commands():
    readme = (PROJECT_DIR / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    assert "make demo" in readme
    assert "make test" in readme


def test_every_docs_page_is_linked_from_the_readme():
    linked = {Path(t.split("#")[0]).name for t in relative_links(PROJECT_DIR / "README.md")}
    assert {p.name for p in PAGES[1:]} <= linked


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves_to_a_file_and_heading(page: Path):
    links = relative_links(page)
    for target in links:
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{page.name}: no heading #{anchor} in {path}"


def test_the_link_check_finds_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("See [the missing page](nowhere.md) and [ok](https://example.com).\n")
    assert relative_links(page) == ["nowhere.md"]
    assert not (page.parent / "nowhere.md").exists()
