"""The running bot over REST: knowledge-base follow-ups and the symptom check, including an emergency inside it."""

from __future__ import annotations

import uuid

import pytest

from tests.support.replies import is_emergency, texts

pytestmark = pytest.mark.e2e


def test_listed_conditions_resolve_ordinal_named_and_pronoun_follow_ups(bot):
    sender = f"kb-{uuid.uuid4()}"
    listed = texts(bot.send(sender, "what conditions cause neurogenic atrophy?"))
    assert "1. Multiple sclerosis" in listed and "2. Amyotrophic lateral sclerosis (ALS)" in listed
    assert "Osteoarthritis" not in listed
    second = texts(bot.send(sender, "tell me more about the second one"))
    assert second.startswith("Amyotrophic lateral sclerosis (ALS) is") and "Source:" in second
    named = texts(bot.send(sender, "what about guillain barre?"))
    assert named.startswith("Guillain-Barre syndrome is")
    care = texts(bot.send(sender, "when should someone with it see a doctor?"))
    assert "Guillain-Barre syndrome" in care and "breathing" in care and "not a diagnosis" in care


def test_symptom_check_ends_with_care_level_and_escalates_if_stroke_signs_appear(bot):
    sender = f"form-{uuid.uuid4()}"
    first = texts(bot.send(sender, "what could be causing my muscle loss?"))
    assert "kinds of causes" in first and "short symptom check" in first  # the answer first, then the offer
    assert "suddenly, or gradually" in texts(bot.send(sender, "yes please"))
    for answer in ["gradually", "both legs", "none of these", "bed rest", "no"]:
        assert bot.send(sender, answer)
    result = texts(bot.send(sender, "no"))
    assert "Book a visit with your doctor" in result and "Disuse atrophy" in result and "Source:" in result

    sender = f"form-stroke-{uuid.uuid4()}"
    bot.send(sender, "check my symptoms")
    replies = bot.send(sender, "my dad suddenly can't move his arm and his vision went blurry")
    assert is_emergency(replies[0]), replies
    assert "Have you called 911" in texts(replies[1:])
