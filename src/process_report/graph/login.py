"""`make login`: the one-time device-code sign-in for `auth: delegated`.

Reads the `msgraph_default` connection from the secrets backend or the environment,
prints Microsoft's sign-in instructions, waits for the person to complete them, and
stores the MSAL token cache at the connection's `token_cache` (mode 0600). Run it on
a machine whose `token_cache` path the workers share, and again when a task says the
sign-in expired (refresh tokens last about 90 days and rotate; a password change
revokes them).
"""

from __future__ import annotations

import sys

import requests
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from process_report.graph.auth import SignInRequiredError, device_code_login, http_session
from process_report.tasks.common import GRAPH_CONN_ID, graph_config

# Outside a task Airflow 3 looks a connection up in the secrets backend and the
# environment only, not in the metadata DB, so `airflow connections add` is no help here.
NO_CONNECTION = (
    f"No Airflow connection '{GRAPH_CONN_ID}' where this command looks (the secrets "
    f"backend, e.g. the connections file, or AIRFLOW_CONN_{GRAPH_CONN_ID.upper()}; not the "
    "metadata DB): define it there (docs/operations.md, the msgraph_default connection) "
    "and run again."
)


def main() -> int:
    """Exit status 0 when signed in (or nothing to sign in to), 1 with a one-line reason
    otherwise: the person running it needs what to do next, not a traceback."""
    try:
        config = graph_config()
    except AirflowNotFoundException:
        print(NO_CONNECTION, file=sys.stderr)
        return 1
    except AirflowFailException as exc:  # the connection exists but is malformed
        print(exc, file=sys.stderr)
        return 1
    if config.auth != "delegated":
        print("msgraph_default uses client_credentials: there is nothing to sign in to.")
        return 0
    try:
        account = device_code_login(config, http_session(config))
    except SignInRequiredError as exc:
        print(exc, file=sys.stderr)
        return 1
    except requests.RequestException as exc:
        print(f"Cannot reach {config.authority}: {exc}", file=sys.stderr)
        return 1
    print(f"Signed in as {account}; token cache: {config.token_cache} (mode 0600).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
