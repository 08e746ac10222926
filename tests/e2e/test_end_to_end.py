"""The running bot over REST: the two conversations every release must get right."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.support.replies import is_emergency

pytestmark = pytest.mark.e2e


def test_causes_question_gets_the_causes_from_the_database(bot):
    replies = bot.send(f"causes-{uuid.uuid4()}", "what causes muscle atrophy?")
    text = " ".join(m.get("text", "") for m in replies)
    assert "Disuse atrophy" in text and "Neurogenic atrophy" in text and "Source:" in text
    assert not any(is_emergency(m) for m in replies)


def test_stroke_signs_escalate_first_with_911_and_the_marker(bot):
    replies = bot.send(f"stroke-{uuid.uuid4()}", "my dad suddenly can't move his arm and his vision went blurry")
    first = replies[0]
    assert is_emergency(first), replies
    assert "911" in first["custom"]["text"] and first["custom"]["number"] == "911"
    assert any("Have you called 911" in m.get("text", "") for m in replies[1:])


def test_each_escalation_is_recorded_even_twice_in_one_conversation(bot, monkeypatch):
    from atrophy import escalations

    sender = f"twice-{uuid.uuid4()}"
    for message in ("I suddenly can't move my left leg", "now my speech is slurred too"):
        assert is_emergency(bot.send(sender, message)[0])
    monkeypatch.setenv("ATROPHY_DB_URL", bot.env["ATROPHY_DB_URL"])
    # the record is written in the background, after the reply (the alert waits for nothing)
    deadline = time.monotonic() + 15
    while escalations.count_for(sender) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert escalations.count_for(sender) == 2


def test_a_long_message_is_read_whole_for_a_stroke_and_its_question_at_the_end_is_answered(bot):
    """The models read the beginning and the end of a long message (addons/input_limit.py); the red-flag decision
    reads all of it."""
    # ~2,200 characters on each side of the report: out of the models' 1,500 (beginning and end), and the whole
    # message within the channels' 5,000
    background = "Some background on how my week went, work and the kids and the garden. " * 30
    stroke = bot.send(
        f"long-stroke-{uuid.uuid4()}",
        "Sorry for the long message. "
        + background
        + "Anyway, the reason I'm writing: half an hour ago my husband's face drooped on one side "
        + "and his words came out slurred. "
        + background,
    )
    assert is_emergency(stroke[0]), stroke
    question = bot.send(
        f"long-question-{uuid.uuid4()}", "Hello. " + background + "So my question is: what causes muscle atrophy?"
    )
    text = " ".join(m.get("text", "") for m in question)
    assert "Disuse atrophy" in text and not any(is_emergency(m) for m in question)
