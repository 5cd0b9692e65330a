"""Headless Chromium driven through its DevTools protocol: what a test or the demo needs
to look at Airflow's real UI signed in (Chromium's command line cannot sign in or click).

`signed_in_page` opens a tab with the API server's session cookie set; `Page` waits for
what a page must show and screenshots it.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import connect

from tests.support.browser import FLAGS, chromium

WIDTH, HEIGHT = 1280, 900


class Page:
    """One Chromium tab, driven through the DevTools protocol over its websocket."""

    def __init__(self, socket: Any, out: Path):
        self.socket = socket
        self.out = out
        self.ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            answer = json.loads(self.socket.recv(timeout=60))
            if answer.get("id") == number:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, what: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                shown = self.screenshot(self.out / "not-shown.png")
                raise SystemExit(
                    f"the UI did not show {what} within {timeout_s:.0f} s: {shown} shows "
                    f"what it showed"
                )
            time.sleep(0.5)

    def screenshot(self, path: Path) -> Path:
        time.sleep(1.5)  # let the last render and its transitions settle
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path


def browser(profile: Path) -> tuple[subprocess.Popen, str]:
    """Headless Chromium with its DevTools endpoint on a free loopback port."""
    port = _free_port()
    process = subprocess.Popen(
        [
            chromium(),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            "--remote-debugging-address=127.0.0.1",
            f"--window-size={WIDTH},{HEIGHT}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its renderer and GPU processes: one group to stop
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
            page = next(t for t in targets if t["type"] == "page")
            return process, page["webSocketDebuggerUrl"]
        except (requests.ConnectionError, StopIteration):
            time.sleep(0.5)
    stop(process)
    raise SystemExit("chromium did not open its DevTools endpoint")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def signed_in_page(base: str, token: str, out: Path) -> Iterator[Page]:
    """A 1280 px tab of a fresh headless Chromium, signed in to the API server at `base`
    with `token` (its `/auth/token` answer) as Airflow's UI cookie."""
    # Chromium's helper processes may still be writing the profile as it is removed
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process, websocket_url = browser(Path(profile))
        try:
            with connect(websocket_url, max_size=64 * 2**20) as channel:
                page = Page(channel, out)
                page.call("Page.enable")
                page.call("Runtime.enable")
                page.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=WIDTH,
                    height=HEIGHT,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                page.call("Network.enable")
                page.call("Network.setCookie", name="_token", value=token, url=base, path="/")
                yield page
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Chromium and every process it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
