"""Local fakes of the Slack Web API and the Telegram Bot API that record every call.

The channel tests point the project's Slack and Telegram channels at these (SLACK_API_URL, TELEGRAM_API_URL),
so nothing ever goes to slack.com or api.telegram.org.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

from scripts.processes import free_port


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    path: str = ""


class FakeAPI:
    """A recording HTTP API on 127.0.0.1; subclasses answer each API method."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.calls: list[Call] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def method_of(self, path: str) -> str:
        return path.rstrip("/").rsplit("/", 1)[-1]

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def start(self) -> "FakeAPI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = fake.parse(body, self.headers.get("Content-Type", ""))
                method = fake.method_of(self.path.split("?", 1)[0])
                with fake._lock:
                    fake.calls.append(Call(method, params, dict(self.headers), self.path))
                reply = json.dumps(fake.answer(method, params)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @staticmethod
    def parse(body: bytes, content_type: str) -> dict[str, Any]:
        if not body:
            return {}
        if "json" in content_type:
            return json.loads(body)
        if "x-www-form-urlencoded" in content_type:
            return {key: values[-1] for key, values in parse_qs(body.decode()).items()}
        if "multipart/form-data" in content_type:
            boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
            params = {}
            for part in body.split(b"--" + boundary):
                head, _, value = part.partition(b"\r\n\r\n")
                if b'name="' in head:
                    name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
                    params[name] = value.rstrip(b"\r\n").decode()
            return params
        return {"_raw": body.decode(errors="replace")}

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 30, what: str = "calls") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                result = predicate(list(self.calls))
            if result:
                return result
            time.sleep(0.2)
        raise AssertionError(f"{what} not seen in {timeout:.0f} s; calls: {[c.method for c in self.calls]}")


class FakeSlack(FakeAPI):
    """The Slack Web API at <url>/api/<method>."""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": f"{time.time():.6f}",
                "message": {"text": params.get("text", "")},
            }
        return {"ok": True}

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [
            call.params
            for call in self.calls_to("chat.postMessage")
            if channel is None or call.params.get("channel") == channel
        ]


class FakeTelegram(FakeAPI):
    """The Telegram Bot API at <url>/bot<token>/<method>."""

    username = "atrophy_test_bot"

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "getMe":
            return {
                "ok": True,
                "result": {"id": 123456, "is_bot": True, "first_name": "Atrophy", "username": self.username},
            }
        if method == "sendMessage":
            with self._lock:
                message_id = len(self.calls)
            return {
                "ok": True,
                "result": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "text": params.get("text", ""),
                    "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                    "from": {"id": 123456, "is_bot": True, "first_name": "Atrophy", "username": self.username},
                },
            }
        return {"ok": True, "result": True}

    def messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        return [
            call.params
            for call in self.calls_to("sendMessage")
            if chat_id is None or str(call.params.get("chat_id")) == str(chat_id)
        ]
