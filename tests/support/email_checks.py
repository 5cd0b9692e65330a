"""The report email as the mail clients that support the least see it.

`without_ignored_css` takes away what Outlook for Windows and the Gmail apps ignore
(caniemail.com: `overflow-wrap`, `table-layout` and `@media` rules), so Chromium can
render the page as they lay it out. `check_email_html` runs the project's npm checks
(`tests/support/email_check.mjs`: doiuse-email against the caniemail data, and
html-validate) on rendered files; `make test` installs them with `npm ci`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.support import PROJECT_DIR

IGNORED_PROPERTIES = ("overflow-wrap", "word-wrap", "table-layout")
CLIENTS = "gmail.*,outlook.*,apple-mail.*,yahoo.*,samsung-email.*"
"""Mail clients the email must work in: the caniemail names of Gmail (web and apps),
Outlook (Windows, Mac, web, apps), Apple Mail, Yahoo and Samsung Email."""
_DECLARATION = re.compile(
    r"(?<![\w-])(?:" + "|".join(IGNORED_PROPERTIES) + r")\s*:[^;\"'}]*;?", re.IGNORECASE
)
_MEDIA = re.compile(r"@media[^{]*\{", re.IGNORECASE)


def without_ignored_css(html: str) -> str:
    """`html` without the declarations and @media rules those clients ignore."""
    return _DECLARATION.sub("", _without_media_rules(html))


def _without_media_rules(html: str) -> str:
    """Drop each `@media … { … }` block, nested braces included."""
    while match := _MEDIA.search(html):
        depth, end = 1, match.end()
        while depth and end < len(html):
            depth += {"{": 1, "}": -1}.get(html[end], 0)
            end += 1
        html = html[: match.start()] + html[end:]
    return html


def check_email_html(files: Sequence[Path], clients: str = CLIENTS) -> dict[str, dict]:
    """What doiuse-email and html-validate find in each file, by file path."""
    node = shutil.which("node")
    if not node or not (PROJECT_DIR / "node_modules" / "doiuse-email").is_dir():
        raise RuntimeError("The email checks need Node.js and `npm ci` (make test runs it)")
    script = PROJECT_DIR / "tests" / "support" / "email_check.mjs"
    result = subprocess.run(
        [node, str(script), clients, *map(str, files)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout)
