"""The emergency number of a reply given without a conversation (addons/reply_without_conversation.py)."""

from __future__ import annotations

from addons.reply_without_conversation import _number


def test_the_pipelines_number_first_else_the_configured_one(monkeypatch):
    monkeypatch.setenv("ATROPHY_EMERGENCY_NUMBER", "999")
    assert _number({"entities": [{"entity": "emergency_number", "value": "112"}]}) == "112"
    assert _number({}) == "999", "a failed pipeline must not fall back to the domain's 911"
    monkeypatch.delenv("ATROPHY_EMERGENCY_NUMBER")
    assert _number({"entities": []}) == "911"
