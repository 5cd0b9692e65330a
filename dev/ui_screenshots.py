"""`make screenshots-ui`: the DAG's pages in Airflow's real UI, signed in, as an
operator sees them: the DAG page (its description names the report time and zone) and
the trigger form (the Report day date picker). Written to out/ui/.

Starts an isolated Airflow (SQLite metadata DB under out/ui/, the DAG parsed with the
settings variable as production gives it) and `airflow api-server` on a loopback port,
signs in through the API server's token endpoint, and drives Debian's headless
Chromium through its DevTools protocol (its command line cannot sign in or click).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import requests

from dev.run_demo import airflow_environment, api_server, free_port, password_file, run
from process_report.links import DAG_ID
from tests.support import PROJECT_DIR
from tests.support.devtools import Page, signed_in_page

USER = "screens"  # an admin: the trigger form is for those who may trigger


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
        with signed_in_page(base, token.json()["access_token"], out) as page:
            shots = take_screenshots(page, base, out)
    for label, path in shots:
        print(f"{label:<44}{path}")
    return 0


def take_screenshots(page: Page, base: str, out: Path) -> list[tuple[str, Path]]:
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
