"""Conversation ids per channel and server-issued web session ids (atrophy/conversation_ids.py)."""

from __future__ import annotations

from atrophy import conversation_ids as ids


def test_each_chat_channel_has_its_own_namespace_and_the_native_id_comes_back():
    assert ids.conversation_id("telegram", 123456) == "telegram:123456"
    assert ids.conversation_id("slack", "U1_C2") == "slack:U1_C2"
    assert ids.conversation_id("socketio", "abc.def") == "web:abc.def"
    for conversation, native in [
        ("telegram:123456", "123456"),
        ("slack:U1_C2", "U1_C2"),
        ("web:abc.def", "abc.def"),
        ("plain-rest-sender", "plain-rest-sender"),
        ("other:thing", "other:thing"),
    ]:
        assert ids.native_id(conversation) == native


def test_rest_senders_that_would_reach_another_channel_are_reserved():
    for sender in ["telegram:123", "slack:U1", "web:x.y", "Telegram:123", " web:x"]:
        assert ids.reserved(sender), sender
    for sender in ["me", "user-42", "mail:someone", "123456", "webby:1"]:
        assert not ids.reserved(sender), sender


def test_a_session_id_is_kept_only_when_the_server_issued_it(monkeypatch):
    monkeypatch.setenv(ids.SESSION_SECRET_ENV, "one secret")
    issued = ids.new_session_id()
    assert ids.valid_session_id(issued) and ids.session_id(issued) == issued
    token, signature = issued.split(".")
    forged = [
        f"{token}.{'0' * len(signature)}",
        token,
        "",
        None,
        42,
        f"{'a' * 32}.{signature}",
        f"{token.upper()}.{signature}",
        f"é{token[1:]}.{signature}",
        issued + ".x",
    ]
    for candidate in forged:
        assert not ids.valid_session_id(candidate), candidate
        replaced = ids.session_id(candidate)
        assert replaced != candidate and ids.valid_session_id(replaced)
    monkeypatch.setenv(ids.SESSION_SECRET_ENV, "another secret")
    assert not ids.valid_session_id(issued), "a session id signed under another secret is not this server's"


def test_without_a_configured_secret_sessions_last_as_long_as_the_process(monkeypatch):
    monkeypatch.delenv(ids.SESSION_SECRET_ENV, raising=False)
    issued = ids.new_session_id()
    assert ids.valid_session_id(issued)
    assert ids.new_session_id() != issued
