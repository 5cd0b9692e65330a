"""Microsoft's own Adaptive Cards library (npm `adaptivecards`, installed by `make
email-tools`) on a card: its parse and validation events in Node.js, and its HTML
renderer in headless Chromium for a screenshot."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.support import PROJECT_DIR
from tests.support.browser import _run, screenshot
from tests.support.tools import missing

LIBRARY = PROJECT_DIR / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.min.js"
VALIDATE = """
const AC = require(process.argv[1]);
const card = new AC.AdaptiveCard();
const context = new AC.SerializationContext();
card.parse(JSON.parse(require("fs").readFileSync(0, "utf8")), context);
const events = [];
for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
for (const e of card.validateProperties().validationEvents) events.push(e.message);
console.log(JSON.stringify(events));
"""


NOT_INSTALLED = "npm package adaptivecards is not installed: run `make email-tools`"


def library() -> Path:
    """The library's browser build. Missing: under pytest the test is skipped (failed
    under CI=true), elsewhere (`make demo`) FileNotFoundError."""
    if not LIBRARY.exists():
        if "PYTEST_CURRENT_TEST" in os.environ:
            missing(NOT_INSTALLED)
        raise FileNotFoundError(NOT_INSTALLED)
    return LIBRARY


def validation_events(card: dict[str, Any]) -> list[str]:
    """What the library reports while parsing and validating the card: unknown element
    types, invalid values, missing required properties. [] for a valid card."""
    done = subprocess.run(
        ["node", "-e", VALIDATE, str(library())],
        input=json.dumps(card),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def render_page(card: dict[str, Any], page: Path) -> Path:
    """An HTML page that renders the card with the library, as a Teams client would
    (Teams' own host config aside)."""
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<script src='{library().as_uri()}'></script>"
        "<style>body{font-family:'Segoe UI',sans-serif;background:#f5f5f5;margin:16px}"
        "#card{background:#fff;max-width:540px;border-radius:4px}</style></head><body>"
        "<div id='card'></div><script>"
        "const card = new AdaptiveCards.AdaptiveCard();"
        f"card.parse({json.dumps(card)});"
        "document.getElementById('card').appendChild(card.render());"
        "</script></body></html>",
        encoding="utf-8",
    )
    return page


def rendered_text(page: Path) -> str:
    """The page's DOM after the renderer ran (Chromium's --dump-dom)."""
    return _run(["--window-size=600,900", "--dump-dom", page.resolve().as_uri()])


def card_screenshot(card: dict[str, Any], png: Path, width: int = 600) -> Path:
    return screenshot(render_page(card, png.with_suffix(".html")), width, png, height=900)
