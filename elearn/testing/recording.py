"""A real HTTP server on 127.0.0.1 that records what it receives: the stand-in for a
webhook gateway, an xAPI LRS or any outside service a channel or plugin sends to."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator, Mapping

from werkzeug.datastructures import Headers


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived, and the status it was answered with."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    status: int


@dataclass
class RecordingServer:
    """`answers`: status codes to give the next requests, in order (then `default_status`);
    `decide(method, path, headers, body)` may answer first (a check that refuses: 400), or
    return None to leave it to `answers`. Every request lands in `requests`."""

    port: int
    default_status: int = 200
    answers: list[int] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    decide: Callable[[str, str, Mapping[str, str], bytes], int | None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[tuple[Mapping[str, str], bytes]]:
        """(headers, body) of each request answered with a 2xx: what was delivered."""
        return [(r.headers, r.body) for r in self.requests if 200 <= r.status < 300]

    def answer(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> int:
        status = self.decide(method, path, headers, body) if self.decide else None
        if status is None:
            status = self.answers.pop(0) if self.answers else self.default_status
        self.requests.append(Recorded(method, path, headers, body, status))
        return status


@contextmanager
def recording_server(*, default_status: int = 200, decide: Callable[
        [str, str, Mapping[str, str], bytes], int | None] | None = None
        ) -> Iterator[RecordingServer]:
    """Serve on a free port for the `with` block; answers every method with an empty body."""
    recorder: list[RecordingServer] = []

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            # Header names are case-insensitive (HTTP/2 clients send them in lower case).
            headers = Headers(list(self.headers.items()))
            status = recorder[0].answer(self.command, self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_DELETE = _any  # noqa: N815 - http.server's names

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.append(RecordingServer(port=server.server_port, default_status=default_status,
                                    decide=decide))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
