"""Every user message gets at least one bot message, in every state a conversation can be in.

For every intent of the training data, a few of its examples (and the button payloads that stand for intents
without examples) are sent in each state the tests can reach: a new conversation, after an answer, inside the
symptom check, after "stop", after an emergency, in the unsure tier, after the offer of the symptom check. A reply
with no bot message fails the test. The answers must also be real answers: the server's safety net
(`utter_no_answer`, addons/always_reply.py) may only answer intents no rule or story covers in that state, and this
test lists where it did, so a new silence is seen here first.
"""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from tests.support.paths import ROOT

pytestmark = pytest.mark.e2e


_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
EXAMPLES_PER_INTENT = 2
# Intents that have no NLU examples; a person reaches them with buttons or the classifiers set them.
PAYLOADS = [
    "/ask_question",
    '/ask_question{"question_topic": "disuse_atrophy"}',
    "/possible_stroke_signs",
    "/report_stroke_signs",
]
STATES = {
    "new conversation": [],
    "after an answer": ["what is muscle atrophy?"],
    "inside the symptom check": ["/check_symptoms"],
    "in the middle of the symptom check": ["/check_symptoms", "about three months ago"],
    "after stop": ["/check_symptoms", "stop"],
    "after an emergency": ["my dad's face is drooping and he can't lift his arm, it started 10 minutes ago"],
    "after help was called": [
        "my dad's face is drooping and he can't lift his arm, it started 10 minutes ago",
        "/affirm",
    ],
    "in the unsure tier": ["/possible_stroke_signs"],
    "after the offer of the symptom check": ["my calf has got thinner since my cast came off, why?"],
}
NO_ANSWER = "I don't have an answer to that"


def examples() -> list[tuple[str, str]]:
    out: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data").glob("nlu*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" not in block:
                continue
            lines = [
                _ANNOTATION.sub(r"\1", line.strip()[2:])
                for line in str(block["examples"]).splitlines()
                if line.strip().startswith("- ")
            ]
            out.setdefault(block["intent"], []).extend(lines)
    picked = [(intent, text) for intent, texts in sorted(out.items()) for text in texts[:EXAMPLES_PER_INTENT]]
    return picked + [("payload", payload) for payload in PAYLOADS]


def reach(bot, before: list[str]) -> list[dict]:
    """Play the state's turns once; the events of that conversation (the state), every turn answered."""
    sender = f"state-{uuid.uuid4()}"
    silent = [turn for turn in before if not bot.send(sender, turn)]
    assert not silent, f"the set-up turns themselves got no reply: {silent}"
    return bot.events(sender) if before else []


def play(bot, state_events: list[dict], text: str) -> tuple[None, list[dict]]:
    """`text` in a new conversation restored to the recorded state (scripts/servers.py: Servers.restore, checked
    against played turns by tests/e2e/test_red_flags_frozen_end_to_end.py)."""
    sender = f"every-{uuid.uuid4()}"
    if state_events:
        bot.restore(sender, state_events)
    return None, bot.send(sender, text)


@pytest.mark.parametrize("state", list(STATES))
def test_every_intent_gets_a_reply_in_every_state(bot, state):
    cases = examples()
    assert len({intent for intent, _ in cases}) >= 15
    state_events = reach(bot, STATES[state])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: play(bot, state_events, case[1]), cases))
    silent = [f"{intent}: {text!r}" for (intent, text), (_, reply) in zip(cases, results) if not reply]
    assert not silent, f"{len(silent)} messages got no reply {state}: {silent}"
    safety_net = [
        f"{intent}: {text!r}"
        for (intent, text), (_, reply) in zip(cases, results)
        if NO_ANSWER in (reply[0].get("text") or "")
    ]
    assert len(safety_net) <= len(cases) // 10, f"answered only by the safety net {state}: {safety_net}"
