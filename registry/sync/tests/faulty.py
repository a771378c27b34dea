"""A faulty network between a province and the hub: drops, duplicates and reorders deliveries."""

from __future__ import annotations

import random
import threading
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultyProxy:
    def __init__(
        self, target: str, *, seed: int, fail: float = 0.2, duplicate: float = 0.05, reorder: float = 0.25
    ) -> None:
        self.target = target.rstrip("/")
        self.rng = random.Random(seed)
        self.fail, self.duplicate, self.reorder = fail, duplicate, reorder
        self.held: list[tuple[str, bytes]] = []
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = proxy.deliver(self.path, body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the drain was killed while waiting: exactly the fault under test

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _forward(self, path: str, body: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 -- loopback test hub
            self.target + path, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 -- loopback test hub
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def deliver(self, path: str, body: bytes) -> tuple[int, bytes]:
        with self.lock:  # one delivery at a time, so "later" is well defined
            roll = self.rng.random()
            late, self.held = self.held, []
            unavailable = (503, b'{"message_type":"error","code":"UNAVAILABLE","message":"proxy"}')
            if roll < self.fail / 2:
                self.counts["lost before delivery"] += 1
                outcome = unavailable
            elif roll < self.fail:
                self._forward(path, body)
                self.counts["lost answer"] += 1
                outcome = unavailable
            elif roll < self.fail + self.reorder:
                self.held.append((path, body))  # delivered after the next message
                self.counts["reordered"] += 1
                outcome = unavailable
            else:
                outcome = self._forward(path, body)
                if self.rng.random() < self.duplicate / (1 - self.fail - self.reorder):
                    self._forward(path, body)
                    self.counts["duplicated"] += 1
                self.counts["delivered"] += 1
            for late_path, late_body in late:
                self._forward(late_path, late_body)
            return outcome

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
