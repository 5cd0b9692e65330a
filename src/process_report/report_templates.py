"""The Jinja2 environment of `include/templates` and the filters the templates use:
which values become links, where long words may break on a phone, how durations read.
Shared by the email and the report viewer's pages."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from process_report.paths import templates_dir

BREAK_EVERY = 20  # characters of a word between break opportunities
_LONG_WORD = re.compile(rf"(\S{{{BREAK_EVERY + 1},}})")  # captured: split keeps it
_AFTER_SEPARATOR = re.compile(r"(?<=[/\\_.:?&=,;-])(?=.)")
_RUN = re.compile(rf"([^\0]{{{BREAK_EVERY}}})(?=[^\0])")  # BREAK_EVERY chars, more to come


def safe_url(value: Any) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:, file:) is text."""
    if not isinstance(value, str):
        return None
    return value if _scheme(value) in ("http", "https") else None


@functools.lru_cache(maxsize=4096)
def _scheme(url: str) -> str:
    """A URL's scheme, lower case; remembered for the video folders and links a big
    day's report repeats (300,000 calls at 100,000 processes)."""
    return urlsplit(url.strip()).scheme.lower()


def breakable(value: Any) -> Markup:
    """`value` escaped, with a `<wbr>` break opportunity after each separator (`/ - _ . :`
    …) and every BREAK_EVERY characters of a word longer than that: UUIDs, paths and URLs
    then wrap on a phone in clients that ignore CSS word wrapping. Copying the text
    copies no extra character."""
    return _breakable(str(value))


@functools.lru_cache(maxsize=4096)
def _breakable(text: str) -> Markup:
    """`breakable` of a text, remembered: a big day's lists repeat the same few hundred
    clients, sources and error lines thousands of times (125,000 calls at 20,000)."""
    if not _LONG_WORD.search(text):
        return escape(text)  # most values: nothing to break
    parts = _LONG_WORD.split(text.replace("\0", ""))  # text, word, text, word, …, text
    parts[0::2] = [str(escape(part)) for part in parts[0::2]]
    parts[1::2] = [_with_breaks(word) for word in parts[1::2]]
    return Markup("".join(parts))


def _with_breaks(word: str) -> str:
    """One long word, escaped, with <wbr> after separators and every BREAK_EVERY
    characters (NUL marks them through the escaping; the text holds none)."""
    marked = _RUN.sub("\\1\0", _AFTER_SEPARATOR.sub("\0", word))
    return str(escape(marked)).replace("\0", "<wbr>")


def template_environment() -> Environment:
    """The Jinja2 environment of the templates in `include/templates` (the email and the
    report viewer's page): HTML escaped, text as written, missing values an error."""
    return _environment(templates_dir())


class _RowsEnvironment(Environment):
    """Jinja2's environment, reading `p.uuid` of a dict as its key first: the report's
    rows are dicts, and Jinja2 looks for an attribute first, which a dict's key is not,
    at the cost of a raised AttributeError per lookup (270,000 of them in the complete
    report of 20,000 processes, ~0.3 s). The templates call no dict method, so a key
    never hides one they use; anything else is looked up as Jinja2 does."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@functools.cache
def _environment(folder: Path) -> Environment:
    """One environment per templates folder, so each template is compiled once per
    process; Jinja2 still reloads a template whose file an operator edited."""
    env = _RowsEnvironment(
        loader=FileSystemLoader(folder),
        # HTML is escaped; the plain-text part must show data as it is, not as entities.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["minutes"] = _format_minutes
    env.filters["breakable"] = breakable
    return env


def _format_minutes(value: float | None) -> str:
    """A duration as people say it: `45 min`, `3 h 05 min`, and from a day on in days and
    hours (`8 d 23 h`, not `215 h 55 min`), where the minutes no longer matter."""
    if value is None:
        return "—"
    total = round(value)
    hours, minutes = divmod(abs(total), 60)
    days, hours_of_day = divmod(hours, 24)
    sign = "-" if total < 0 else ""
    if days:
        return f"{sign}{days} d {hours_of_day} h"
    return f"{sign}{hours} h {minutes:02d} min" if hours else f"{sign}{minutes} min"
