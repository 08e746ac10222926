"""The optional on-call webhook: posted when configured, never blocking or failing the escalation."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from atrophy import escalations, oncall
from tests.test_actions import make_tracker


@pytest.fixture()
def webhook():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
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
    assert oncall.notify("c1", "rest", ["vision"], "text") is None


def test_escalation_is_posted_to_the_webhook(db_url, webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv(oncall.WEBHOOK_ENV, url)
    tracker = make_tracker("my wife's face is drooping", "report_stroke_signs",
                           [{"entity": "stroke_sign", "value": "face_droop"}], sender="conv-oncall")
    asyncio.run(actions.ActionRecordEscalation().run(CollectingDispatcher(), tracker, {}))
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert received and received[0]["conversation_id"] == "conv-oncall"
    assert received[0]["signs"] == ["face_droop"] and received[0]["event"] == "stroke_escalation"
    assert escalations.count_for("conv-oncall") == 1


def test_unreachable_webhook_neither_blocks_nor_loses_the_record(db_url, monkeypatch):
    monkeypatch.setenv(oncall.WEBHOOK_ENV, "http://127.0.0.1:9/unreachable")
    tracker = make_tracker("he passed out", "report_stroke_signs", sender="conv-down")
    started = time.monotonic()
    asyncio.run(actions.ActionRecordEscalation().run(CollectingDispatcher(), tracker, {}))
    assert time.monotonic() - started < 1.0
    assert escalations.count_for("conv-down") == 1
