"""`make screenshots-ui`: the DAG's pages in Airflow's real UI, signed in, as an
operator sees them: the DAG page (its description names the report time and zone) and
the trigger form (the Report day date picker). Written to out/ui/.

Starts an isolated Airflow (SQLite metadata DB under out/ui/, the DAG parsed with the
settings variable as production gives it) and `airflow api-server` on a loopback port,
signs in through the API server's token endpoint, and drives Debian's headless
Chromium through its DevTools protocol (its command line cannot sign in or click).
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import connect

from dev.run_demo import airflow_environment, api_server, free_port, password_file, run
from process_report.links import DAG_ID
from tests.support import PROJECT_DIR
from tests.support.browser import FLAGS, chromium

USER = "screens"  # an admin: the trigger form is for those who may trigger
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
    port = free_port()
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
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
            page = next(t for t in targets if t["type"] == "page")
            return process, page["webSocketDebuggerUrl"]
        except (requests.ConnectionError, StopIteration):
            time.sleep(0.5)
    process.kill()
    raise SystemExit("chromium did not open its DevTools endpoint")


def main(out: Path = PROJECT_DIR / "out" / "ui") -> int:
    """Take the screenshots into `out` (recreated); each waits for what it must show
    (the report time and zone, the Report day field) and fails naming what is missing."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # No task runs here: the process database is never reached.
    env = airflow_environment(out, "postgresql://reader@127.0.0.1:1/processes", (), port)
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = f"{USER}:admin"
    run([sys.executable, "-m", "airflow", "db", "migrate"], env, out / "migrate.log")
    run([sys.executable, "-m", "airflow", "dags", "reserialize"], env, out / "reserialize.log")
    with api_server(env, port, out / "api-server.log"):
        password = json.loads(password_file(out).read_text())[USER]
        token = requests.post(
            f"{base}/auth/token", json={"username": USER, "password": password}, timeout=60
        )
        token.raise_for_status()
        with tempfile.TemporaryDirectory() as profile:
            process, websocket_url = browser(Path(profile))
            try:
                with connect(websocket_url, max_size=64 * 2**20) as socket:
                    page = Page(socket, out)
                    shots = take_screenshots(page, base, token.json()["access_token"], out)
            finally:
                process.kill()
                process.wait(timeout=30)
    for label, path in shots:
        print(f"{label:<44}{path}")
    return 0


def take_screenshots(page: Page, base: str, token: str, out: Path) -> list[tuple[str, Path]]:
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
    page.call("Page.navigate", url=f"{base}/dags/{DAG_ID}/details")
    page.wait_for(
        "document.body && document.body.innerText.includes('08:00 Europe/Paris')",
        "the DAG's Details tab naming 08:00 Europe/Paris",
    )
    shots = [
        ("DAG details (description: time and zone):", page.screenshot(out / "dag-details.png"))
    ]
    page.evaluate(
        "[...document.querySelectorAll('button')]"
        ".find(b => /doc/i.test(b.getAttribute('aria-label') || b.title || '')"
        " && b.getBoundingClientRect().left > 300).click()"
    )
    page.wait_for(
        "document.body.innerText.includes('Every morning at 08:00 Europe/Paris')",
        "the DAG's doc naming 08:00 Europe/Paris",
    )
    shots.append(("DAG doc (report time and zone):", page.screenshot(out / "dag-doc.png")))
    page.call("Page.navigate", url=f"{base}/dags/{DAG_ID}")
    page.wait_for(
        "[...document.querySelectorAll('button')].some(b => b.innerText.trim() === 'Trigger')",
        "the Trigger button",
    )
    page.evaluate(
        "[...document.querySelectorAll('button')]"
        ".find(b => b.innerText.trim() === 'Trigger').click()"
    )
    page.wait_for("document.body.innerText.includes('Report day')", "the trigger form's Report day")
    page.evaluate(
        "(() => { const label = [...document.querySelectorAll('label, p, span')]"
        ".find(e => e.innerText && e.innerText.trim() === 'Report day');"
        " label && label.scrollIntoView({block: 'center'}); })()"
    )
    shots.append(
        ("Trigger form (Report day date picker):", page.screenshot(out / "trigger-form.png"))
    )
    return shots


if __name__ == "__main__":
    sys.exit(main())
