"""The input policy shared by every channel (atrophy/input_policy.py)."""
from __future__ import annotations

from atrophy import input_policy


def test_control_characters_and_lone_surrogates_are_removed_and_line_breaks_kept():
    assert input_policy.clean_text("what\x00 is\x07 it\u200b?\nsecond\tline") == "what  is  it ?\nsecond\tline"
    assert "\ud800" not in input_policy.clean_text("atrophy \ud800 here")


def test_the_limit_follows_the_environment_and_the_reply_gives_the_number(monkeypatch):
    monkeypatch.delenv("ATROPHY_MAX_MESSAGE_CHARS", raising=False)
    monkeypatch.setenv("ATROPHY_EMERGENCY_NUMBER", "999")
    assert not input_policy.too_long("x" * 5000) and input_policy.too_long("x" * 5001)
    reply = input_policy.too_long_reply()
    assert "5,000 characters" in reply and "call 999 now" in reply
    monkeypatch.setenv("ATROPHY_MAX_MESSAGE_CHARS", "100")
    assert input_policy.too_long("x" * 101) and "100 characters" in input_policy.too_long_reply()
