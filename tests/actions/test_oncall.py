"""The optional on-call webhook: posted when configured, never blocking or failing the escalation."""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from atrophy import escalations, oncall
from tests.support.action_calls import make_tracker

SECRET = "oncall-test-secret"


@pytest.fixture()
def webhook():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                {
                    **json.loads(body),
                    "_valid_signature": hmac.compare_digest(
                        self.headers.get(oncall.SIGNATURE_HEADER, ""), oncall.signature(body, SECRET)
                    ),
                }
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/oncall", received
    server.shutdown()


def test_not_configured_means_no_notification(monkeypatch):
    monkeypatch.delenv(oncall.WEBHOOK_ENV, raising=False)
    assert oncall.notify("c1", "rest", ["vision"]) is None


@pytest.mark.parametrize(
    "url, secret",
    [
        ("http://oncall.example.org/hook", SECRET),  # plain http off this machine
        ("ftp://oncall.example.org/hook", SECRET),
        ("https://oncall.example.org/hook", None),
    ],
)  # unsigned
def test_nothing_is_posted_unencrypted_or_unsigned(monkeypatch, url, secret):
    monkeypatch.setenv(oncall.WEBHOOK_ENV, url)
    if secret:
        monkeypatch.setenv(oncall.SECRET_ENV, secret)
    else:
        monkeypatch.delenv(oncall.SECRET_ENV, raising=False)
    assert oncall.notify("c1", "rest", ["vision"]) is None


def test_escalation_is_posted_to_the_webhook(db_url, webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv(oncall.WEBHOOK_ENV, url)
    monkeypatch.setenv(oncall.SECRET_ENV, SECRET)
    tracker = make_tracker(
        "my wife's face is drooping",
        "report_stroke_signs",
        [{"entity": "stroke_sign", "value": "face_droop"}],
        sender="conv-oncall",
    )
    asyncio.run(actions.ActionRecordEscalation().run(CollectingDispatcher(), tracker, {}))
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert received and received[0]["conversation_id"] == "conv-oncall"
    assert received[0]["signs"] == ["face_droop"] and received[0]["event"] == "stroke_escalation"
    assert received[0]["_valid_signature"], "signed with the shared secret"
    assert "drooping" not in json.dumps(received[0]), "what the user wrote is not sent"
    assert escalations.count_for("conv-oncall") == 1


def test_unreachable_webhook_neither_blocks_nor_loses_the_record(db_url, monkeypatch):
    monkeypatch.setenv(oncall.WEBHOOK_ENV, "http://127.0.0.1:9/unreachable")
    monkeypatch.setenv(oncall.SECRET_ENV, SECRET)
    tracker = make_tracker("he passed out", "report_stroke_signs", sender="conv-down")
    started = time.monotonic()
    asyncio.run(actions.ActionRecordEscalation().run(CollectingDispatcher(), tracker, {}))
    assert time.monotonic() - started < 1.0
    assert escalations.count_for("conv-down") == 1
