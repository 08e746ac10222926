"""Every labelled message through the running bot over REST: emergencies escalate first, near-misses do not."""

from __future__ import annotations

import uuid

import pytest
import yaml

from tests.support.paths import TEST_DATA

pytestmark = pytest.mark.e2e

LABELLED = TEST_DATA / "red_flag_messages.yml"
MAX_FALSE_ESCALATION_RATE = 0.03


def labelled(kind: str) -> list[str]:
    data = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    return [item["text"] if isinstance(item, dict) else item for item in data[kind]]


def first_reply_is_emergency(bot, message: str) -> bool:
    replies = bot.send(f"e2e-{uuid.uuid4()}", message)
    return bool(replies) and (replies[0].get("custom") or {}).get("emergency") is True


# The first set was the rules' own tuning set, which they escalated entirely; the rules alone now misfire on a
# quarter of near misses written by others, so a sign they find escalates only with the classifier's agreement and
# otherwise gets the unsure tier (the number first). Same contract as the frozen split's end-to-end test.
MIN_ALERT_RATE = 0.98


def test_every_must_escalate_message_gets_the_number_first_and_nearly_all_the_alert(bot):
    messages = labelled("escalate")
    replies = [bot.send(f"e2e-{uuid.uuid4()}", m) for m in messages]
    no_number = [
        m
        for m, r in zip(messages, replies)
        if not (r and ((r[0].get("custom") or {}).get("emergency") is True or "911" in (r[0].get("text") or "")))
    ]
    assert not no_number, f"emergencies without the number first: {no_number}"
    alerts = sum(bool(r) and (r[0].get("custom") or {}).get("emergency") is True for r in replies)
    assert alerts / len(messages) >= MIN_ALERT_RATE, f"{alerts}/{len(messages)} alerts first"


def test_near_misses_and_questions_rarely_escalate(bot):
    messages = labelled("near_miss") + labelled("info_question")
    false = [m for m in messages if first_reply_is_emergency(bot, m)]
    rate = len(false) / len(messages)
    print(f"\nREST false-escalation rate: {rate:.1%} ({len(false)}/{len(messages)}): {false}")
    assert rate <= MAX_FALSE_ESCALATION_RATE, f"false escalations {rate:.1%}: {false}"


def test_escalation_interrupts_another_flow_and_the_conversation_goes_on(bot):
    sender = f"flow-{uuid.uuid4()}"
    causes = bot.send(sender, "what causes muscle atrophy?")
    assert "Disuse atrophy" in " ".join(m.get("text", "") for m in causes)
    replies = bot.send(sender, "wait, my wife's face just started drooping and she can't lift her arm")
    assert (replies[0].get("custom") or {}).get("emergency") is True
    after = bot.send(sender, "yes, the ambulance is on its way")
    assert any("Stay with the person" in m.get("text", "") for m in after)
    again = bot.send(sender, "what is ALS?")
    assert any("motor neurons" in m.get("text", "") for m in again)
