"""A local stand-in for a Microsoft Teams Workflows webhook (HTTPS on 127.0.0.1 with
its own CA). It accepts the POST the way a Workflows "When a Teams webhook request is
received" trigger does (202, empty body), checks the URL's `sig`, and keeps every card
it accepted, in order: a second card for the same run is a duplicate channel message.

Faults: the next answers' statuses (`statuses`, e.g. [503] or [400]: nothing posted),
a redirect to another host (`redirect_to`), an answer dropped after the card was
accepted (`lose_answer_once`), an answer dripped one byte a second (`drip_s`).
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme


@dataclass
class TeamsFaults:
    statuses: list[int] = field(default_factory=list)
    redirect_to: str | None = None
    lose_answer_once: bool = False
    drip_s: float = 0.0


class TeamsStandIn:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.sig = secrets.token_urlsafe(24)
        self.faults = TeamsFaults()
        self.cards: list[dict[str, Any]] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._ca = trustme.CA()
        self.ca_path = root / "teams-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_path))

    def __enter__(self) -> TeamsStandIn:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1").configure_cert(context)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return (
            f"https://127.0.0.1:{port}/workflows/5e1f/triggers/manual/paths/invoke"
            f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={self.sig}"
        )

    def airflow_connection(self) -> str:
        """The `teams_report` connection (JSON form): type HTTP, host = the webhook URL."""
        return json.dumps(
            {"conn_type": "http", "host": self.url, "extra": {"verify": str(self.ca_path)}}
        )


class _Handler(BaseHTTPRequestHandler):
    standin: TeamsStandIn

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        standin = self.standin
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with standin._lock:
            standin.requests += 1
            status = standin.faults.statuses.pop(0) if standin.faults.statuses else None
        query = parse_qs(urlsplit(self.path).query)
        if query.get("sig") != [standin.sig]:
            return self._reply(401, {"error": {"code": "DirectApiAuthorizationRequired"}})
        if standin.faults.redirect_to:
            self.send_response(307)
            self.send_header("Location", standin.faults.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if status:
            return self._reply(status, {"error": {"code": "Injected", "message": str(status)}})
        try:
            message = json.loads(body)
            card = message["attachments"][0]["content"]
            assert message["type"] == "message"
        except (ValueError, KeyError, IndexError, TypeError, AssertionError):
            return self._reply(400, {"error": {"code": "InvalidRequestContent"}})
        with standin._lock:
            standin.cards.append(card)
            lose = standin.faults.lose_answer_once
            standin.faults.lose_answer_once = False
        if lose:
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        if standin.faults.drip_s:
            self.send_response(202)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(standin.faults.drip_s)
            return None
        return self._reply(202, None)

    def _reply(self, status: int, payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
