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


def test_the_models_read_the_beginning_and_the_end_of_a_long_message():
    from atrophy.input_policy import MODEL_CHARS, for_models

    short = "why are my legs getting thinner?"
    assert for_models(short) is short
    long = (
        "I have been meaning to ask this for a while. "
        + "Some background about my life. " * 200
        + "So, can being in bed for weeks make your thigh muscles waste?"
    )
    cut = for_models(long)
    assert len(cut) <= MODEL_CHARS
    assert cut.startswith("I have been meaning to ask this for a while.")
    assert cut.endswith("can being in bed for weeks make your thigh muscles waste?")
    assert " … " in cut
    assert all(word in long.split() for word in cut.replace(" … ", " ").split())  # no word cut in half
