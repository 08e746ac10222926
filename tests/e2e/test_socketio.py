"""The web page's socket.io channel as a socket.io client meets it: server-issued session ids, the input policy.

The browser test (tests/e2e/test_web_chat.py) shows the widget working; this one speaks the protocol directly, as a
script could, to check what a browser cannot forge easily: a session id the server never issued, a message over
the limit, a packet over the size cap.
"""

from __future__ import annotations

import queue
import time

import pytest
import socketio

from atrophy.conversation_ids import valid_session_id

pytestmark = pytest.mark.e2e


class Client:
    def __init__(self, url: str):
        self.events: queue.Queue = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("session_confirm", lambda session: self.events.put(("session", session)))
        self.sio.on("bot_uttered", lambda message: self.events.put(("bot", message)))
        self.sio.connect(url, transports=["polling"])

    def next(self, kind: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got, value = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if got == kind:
                return value
        return None

    def session(self, requested: str | None) -> str:
        self.sio.emit("session_request", {"session_id": requested})
        return self.next("session")

    def say(self, session: str, text: str) -> None:
        self.sio.emit("user_uttered", {"message": text, "session_id": session})

    def close(self) -> None:
        # abort: do not wait for the pending long-poll request to end (up to engine.io's 25 s ping interval)
        self.sio.eio.disconnect(abort=True)


@pytest.fixture
def client(channels):
    c = Client(channels.servers.url)
    yield c
    c.close()


def test_a_session_id_the_server_did_not_issue_is_replaced_and_its_own_is_kept(channels, client, monkeypatch):
    monkeypatch.setenv("ATROPHY_SESSION_SECRET", channels.session_secret)  # to check the server's signature here
    forged = "0123456789abcdef0123456789abcdef"
    issued = client.session(forged)
    assert issued and issued != forged and valid_session_id(issued)
    again = Client(channels.servers.url)
    try:
        assert again.session(issued) == issued  # a reload keeps its conversation
    finally:
        again.close()


def test_messages_under_a_forged_session_id_are_not_taken(client):
    client.session(None)
    client.say("0123456789abcdef0123456789abcdef.00000000000000000000000000000000", "what causes muscle atrophy?")
    assert client.next("bot", timeout=5) is None


def test_a_message_over_the_limit_gets_a_reply_saying_so(client):
    session = client.session(None)
    client.say(session, "what causes muscle atrophy? " + "x" * 6000)
    reply = client.next("bot")
    assert reply and "too long" in reply["text"] and "911" in reply["text"]
    client.say(session, "what causes muscle atrophy?")
    assert "Disuse atrophy" in (client.next("bot") or {}).get("text", "")


def test_a_packet_over_the_size_cap_is_refused_and_the_server_goes_on(channels, client):
    session = client.session(None)
    try:
        client.say(session, "x" * 200_000)
    except Exception:  # the server may drop the connection outright
        pass
    assert client.next("bot", timeout=5) is None
    fresh = Client(channels.servers.url)
    try:
        fresh.say(fresh.session(None), "hello")
        assert fresh.next("bot") is not None
    finally:
        fresh.close()
