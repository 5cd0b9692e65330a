"""What the task bodies share: the settings variable, the two connections
(`process_db`, `msgraph_default`), the masking of client API keys in task logs, and the
names of the files the tasks leave in the run's folder for one another.

Bad configuration fails the task at once, unretried: a retry cannot fix it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from airflow.sdk import ObjectStoragePath, Variable
from airflow.sdk.exceptions import AirflowFailException

from process_report import artifacts
from process_report.db_errors import PERMANENT, classify_sqlstate, process_db_error, sqlstate
from process_report.graph.auth import GraphConfig, GraphConfigError
from process_report.graph.client import GraphClient
from process_report.graph.connect import graph_client as client_from_connection
from process_report.graph.connect import graph_config as config_from_connection
from process_report.logs.stored_extracts import extract_lines
from process_report.settings import VARIABLE_NAME, Settings, SettingsError, parse_settings

PROCESS_DB_CONN_ID = "process_db"
GRAPH_CONN_ID = "msgraph_default"
VIDEO_PLAN = "videos/plan.json"


def load_settings() -> Settings:
    """The validated settings variable; a bad value fails the task at once, unretried,
    because a retry cannot fix it."""
    try:
        return parse_settings(settings_variable(), default_artifacts_root=default_artifacts_root())
    except SettingsError as exc:
        raise AirflowFailException(str(exc)) from None


def settings_variable() -> str | None:
    """The settings variable's raw value, wherever Airflow keeps it (None: not set)."""
    return Variable.get(VARIABLE_NAME, default=None)


def default_artifacts_root() -> str:
    """Where run folders go when the settings name no `artifacts_root`."""
    return "file://" + os.path.join(
        os.environ.get("AIRFLOW_HOME", os.path.expanduser("~/airflow")), "process_report"
    )


def mask_api_keys(keys: Iterable[str | None], settings: Settings) -> int:
    """Register the clients' API keys (those read from the database and the skip-listed
    ones) with Airflow's secrets masker of this task's process, all at once, so that any
    log line holding one shows *** instead. Returns how many were registered.

    Not `mask_secret` per key: each call recompiles one alternation of every secret
    registered so far, here and again in the supervisor, which the task waits for
    (quadratic: 27.5 s for 1,000 keys, about a second per key at 3,000). The masker of
    this process is the one that redacts what the task logs (its log processors run here,
    before a line goes to the supervisor), so the keys are added to it in one step and
    compiled once (dev/bench_redact.py measures it). Our tasks log through logging only,
    never print to stdout, whose lines the supervisor masks with its own masker.

    Each task runs in its own process, so every task that reads keys registers them."""
    from airflow.sdk._shared.secrets_masker import _secrets_masker

    unique = {key for key in [*keys, *settings.skip_api_keys] if key}
    add_masks(_secrets_masker(), unique)
    return len(unique)


def add_masks(masker: Any, values: Iterable[str]) -> None:
    """`masker.add_mask` for many values with one compilation of its pattern: the same
    checks (length, the words it never masks), longest first so that a key that starts
    another is not masked in part. A masker that adapts secrets (`secret_mask_adapter`)
    or whose internals differ (checked by masking the first value) gets them one by
    one, as Airflow would."""
    from airflow.sdk._shared.secrets_masker.secrets_masker import SECRETS_TO_SKIP_MASKING

    patterns = getattr(masker, "patterns", None)
    if not isinstance(patterns, set) or getattr(masker, "secret_mask_adapter", None):
        for value in values:
            masker.add_mask(value)
        return
    kept = [
        value
        for value in values
        if len(value) >= masker.min_length_to_mask and value.lower() not in SECRETS_TO_SKIP_MASKING
    ]
    new = {re.escape(value) for value in kept} - patterns
    if new:
        patterns |= new
        masker.replacer = re.compile("|".join(sorted(patterns, key=len, reverse=True)))
    # The masker's state is Airflow's, not an API: should a release read it otherwise,
    # the values still get masked, one by one.
    if kept and kept[0] in masker.redact(kept[0]):
        for value in kept:
            masker.add_mask(value)


def text_masker(masker: Any) -> Callable[[str], str]:
    """`masker.redact` for much text (the failure-log extracts), with the same result,
    that first looks for the masker's secrets with `in`: Airflow matches them with one
    regex alternation, ~8 ns a byte under the GIL (1 s of the big day's 130 MB of
    extracts, which the threads storing them waited for), and a text that holds none
    of them comes back unchanged. A masker whose regex is not an alternation of plain
    secrets, or of more than _LOOKED_UP_SECRETS, redacts every text itself."""

    def redact_text(text: str) -> str:
        secrets = _plain_secrets(getattr(masker, "replacer", None))
        if secrets is not None and not any(secret in text for secret in secrets):
            return text
        return masker.redact(text)

    return redact_text


_LOOKED_UP_SECRETS = 32  # each is a pass over the text: past this many, the regex is faster
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


@functools.lru_cache(maxsize=8)
def _plain_secrets(replacer: Any) -> tuple[str, ...] | None:
    """The secrets a masker's regex is an alternation of (Airflow joins them escaped, with
    `|`), or None when it is anything else (checked: the secrets escaped and joined
    again must give the regex back) or has more than _LOOKED_UP_SECRETS of them."""
    if not isinstance(replacer, re.Pattern) or replacer.flags != re.UNICODE:
        return None
    parts = re.findall(r"(?:\\.|[^\\|])+", replacer.pattern, re.DOTALL)
    secrets = tuple(_ESCAPED.sub(r"\1", part) for part in parts)
    if len(secrets) > _LOOKED_UP_SECRETS or "|".join(map(re.escape, secrets)) != replacer.pattern:
        return None
    return secrets


@contextlib.contextmanager
def process_db() -> Iterator[Any]:
    """A DB-API connection to `process_db`. Its errors are classified by SQLSTATE
    (db_errors.py): a refusal that only a person can fix (wrong password, a role that
    lost SELECT, a missing table) fails the task at once, so the alert comes within
    minutes instead of after the retries; an unreachable or busy server is retried."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    try:
        conn = PostgresHook(postgres_conn_id=PROCESS_DB_CONN_ID).get_conn()
    except Exception as exc:  # the driver's error type depends on the hook's driver
        where = f"Airflow connection '{PROCESS_DB_CONN_ID}'"
        refused = classify_sqlstate(sqlstate(exc)) == PERMANENT
        what = (
            f"The process database refused {where}"
            if refused
            else f"Cannot reach the process database through {where}"
        )
        error = process_db_error(exc, what, unknown_is_transient=True)
        if error.transient:  # unreachable, busy or restarting: a ConnectionError, retried
            raise ConnectionError(str(error)) from exc
        raise error from exc
    try:
        yield conn
    except Exception as exc:
        if sqlstate(exc) is None:
            raise
        raise process_db_error(exc, "The process database failed a query") from exc
    finally:
        conn.close()


def extract_text(url: str) -> str:
    """A stored failure-log extract as text (gunzipped when it was stored gzipped); an
    extract is capped when stored (logs/cap.py), so this stays a few MiB at most."""
    with artifacts.open_file(ObjectStoragePath(url)) as handle:
        return "".join(extract_lines(handle, url))


def graph_connection() -> dict[str, Any]:
    """`msgraph_default` in its JSON form, wherever Airflow keeps it."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(GRAPH_CONN_ID)
    fields = ("host", "schema", "login", "password")
    return {**{name: getattr(conn, name) for name in fields}, "extra": conn.extra_dejson}


def graph_config() -> GraphConfig:
    """`msgraph_default`, validated; a malformed connection fails the task at once,
    unretried."""
    try:
        return config_from_connection(graph_connection())
    except GraphConfigError as exc:
        raise AirflowFailException(str(exc)) from None


def graph_client() -> tuple[GraphClient, GraphConfig]:
    """The Graph client configured from `msgraph_default`."""
    try:
        return client_from_connection(graph_connection())
    except GraphConfigError as exc:
        raise AirflowFailException(str(exc)) from None


def summaries_name(batch: Mapping[str, Any]) -> str:
    """Where `summarize_failures` leaves one batch's summaries for the report task."""
    return f"summaries/{batch['start']}-{batch['stop']}.json"


def videos_found_name(index: int) -> str:
    """Where `resolve_videos` leaves one batch's lookups for the report task."""
    return f"videos/found-{index}.json"
