"""The frozen red-flag test splits through the running bot over REST, as a person would meet them.

Every frozen emergency gets the emergency number in the bot's first message, in a new conversation, inside the
symptom check, after "stop", and as the second message of a conversation: the alert where the red-flag decision
escalates (at least RECALL_FLOOR of them, as `make eval-red-flags` measures), the unsure tier's number and onset
question otherwise. Near misses must rarely escalate or fall into the unsure tier.
"""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from tests.support.paths import TEST_DATA

pytestmark = pytest.mark.e2e

HELDOUT = TEST_DATA / "heldout"
MAX_FALSE_ESCALATION = 0.03
MAX_UNSURE_NEAR_MISS = 0.10
# The bar: every emergency of the frozen split gets the alert first, in every context.
RECALL_FLOOR = 1.0
NUMBER = re.compile(r"\b911\b")
# What comes before the emergency message in each context (an empty list: a new conversation).
CONTEXTS = {
    "new conversation": [],
    "inside the symptom check": ["/check_symptoms"],
    "after stop": ["/check_symptoms", "stop"],
    "second message": ["what is muscle atrophy?"],
}


def frozen(section: str) -> list[dict]:
    items = []
    for path in sorted(HELDOUT.glob("red-flags-*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        near = data.get("not_emergency_near_miss") or {}
        items += {
            "emergency": data.get("emergency"),
            "near_miss": near.get("near_miss"),
            "informational": near.get("informational_stroke"),
            "conversations": data.get("conversations"),
        }[section] or []
    return items


def is_alert(message: dict) -> bool:
    custom = message.get("custom") or {}
    return custom.get("emergency") is True and NUMBER.search(custom.get("text", "")) is not None


def is_unsure(message: dict) -> bool:
    text = message.get("text") or ""
    return NUMBER.search(text) is not None and "Did it start suddenly" in text


def talk(bot, before: list[str], text: str) -> list[dict]:
    sender = f"frozen-{uuid.uuid4()}"
    for turn in before:
        bot.send(sender, turn)
    return bot.send(sender, text)


def recorded(bot, before: list[str]) -> list[dict]:
    """The events of a conversation after the context's turns, played once through the bot."""
    sender = f"context-{uuid.uuid4()}"
    for turn in before:
        assert bot.send(sender, turn), f"the context's turn {turn!r} got no reply"
    return bot.events(sender)


def talk_in(bot, context_events: list[dict], text: str) -> list[dict]:
    """`text` sent over REST into a new conversation that is in the recorded context's state."""
    sender = f"frozen-{uuid.uuid4()}"
    if context_events:
        bot.restore(sender, context_events)
    return bot.send(sender, text)


def in_parallel(function, items: list) -> list:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(function, items))


@pytest.mark.parametrize("context", list(CONTEXTS))
def test_every_frozen_emergency_gets_the_alert_first(bot, context):
    items = frozen("emergency")
    assert len(items) >= 300
    # The context's turns are played once and the state restored for each message: every emergency meets the
    # same state the turns produce, at a fraction of the cost (test_restored_context_is_the_played_context).
    context_events = recorded(bot, CONTEXTS[context]) if CONTEXTS[context] else []
    replies = in_parallel(lambda item: talk_in(bot, context_events, item["text"]), items)
    no_number = [
        (item["id"], (reply[0].get("text") or "")[:60] if reply else "(no reply)")
        for item, reply in zip(items, replies)
        if not (reply and (is_alert(reply[0]) or is_unsure(reply[0])))
    ]
    assert not no_number, f"{len(no_number)} emergencies without the number first ({context}): {no_number[:15]}"
    alerts = sum(is_alert(reply[0]) for reply in replies)
    assert alerts / len(items) >= RECALL_FLOOR, f"{alerts}/{len(items)} alerts first ({context})"


@pytest.mark.parametrize("context", [c for c in CONTEXTS if CONTEXTS[c]])
def test_restored_context_is_the_played_context(bot, context):
    """The shortcut above is only sound if a restored conversation answers as the played one does."""
    events = recorded(bot, CONTEXTS[context])
    for text in [frozen("emergency")[0]["text"], "what causes muscle atrophy?", "yes", "about a week ago"]:
        played, restored = talk(bot, CONTEXTS[context], text), talk_in(bot, events, text)
        assert [m.get("text") or m.get("custom") for m in played] == [
            m.get("text") or m.get("custom") for m in restored
        ], (context, text)


def test_near_misses_rarely_escalate_and_rarely_need_the_unsure_tier(bot):
    items = frozen("near_miss") + frozen("informational")
    replies = in_parallel(lambda item: talk(bot, [], item["text"]), items)
    assert all(replies), "every message gets a reply"
    escalated = [i["id"] for i, r in zip(items, replies) if any(is_alert(m) for m in r)]
    unsure = [i["id"] for i, r in zip(items, replies) if not any(is_alert(m) for m in r) and is_unsure(r[0])]
    assert len(escalated) / len(items) <= MAX_FALSE_ESCALATION, f"false escalations: {escalated}"
    assert len(unsure) / len(items) <= MAX_UNSURE_NEAR_MISS, f"unsure tier: {unsure}"


def test_the_unsure_tier_gives_the_number_first_and_yes_escalates(bot):
    sender = f"unsure-{uuid.uuid4()}"
    first = bot.send(sender, "my dad seems a bit off and his hand feels a little funny")
    assert first and NUMBER.search(first[0].get("text") or ""), first
    assert "understand" not in (first[0].get("text") or "")
    assert [b["payload"] for b in first[0].get("buttons") or []] == ["/affirm", "/deny"]
    after = bot.send(sender, "/affirm")
    assert after and is_alert(after[0]), after


def test_the_unsure_tier_no_gives_advice_without_an_alert(bot):
    sender = f"unsure-no-{uuid.uuid4()}"
    bot.send(sender, "my dad seems a bit off and his hand feels a little funny")
    after = bot.send(sender, "/deny")
    assert after and not any(is_alert(m) for m in after)
    assert "doctor" in (after[0].get("text") or "")


def test_signs_given_over_several_messages_add_up_to_an_alert(bot):
    sender = f"adds-up-{uuid.uuid4()}"
    assert not any(is_alert(m) for m in bot.send(sender, "my hand feels a bit weak"))
    replies = bot.send(sender, "it happened all at once")
    assert replies and is_alert(replies[0]), replies


def test_sudden_and_one_sided_in_the_symptom_check_is_an_emergency(bot):
    """The check's own buttons: "Suddenly", then "one side of the body" is an emergency, the alert first."""
    sender = f"check-{uuid.uuid4()}"
    bot.send(sender, "/check_symptoms")
    bot.send(sender, "suddenly")
    replies = bot.send(sender, "one side of the body")
    assert replies and is_alert(replies[0]), replies


def test_sudden_and_one_sided_in_the_symptom_check_in_own_words_is_an_emergency(bot):
    """The same in the person's own words. Recall first: the decision may already alert at "it came on suddenly"
    (sudden weakness is a stroke sign), or else at the one-sided answer; by then the alert has come, first in its
    reply."""
    sender = f"check-{uuid.uuid4()}"
    bot.send(sender, "/check_symptoms")
    sudden = bot.send(sender, "it came on suddenly")
    one_side = bot.send(sender, "just one side of my body")
    assert (sudden and is_alert(sudden[0])) or (one_side and is_alert(one_side[0])), (sudden, one_side)
