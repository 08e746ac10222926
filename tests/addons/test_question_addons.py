"""The Rasa-side pieces of question answering: source links in each channel's form, the always-reply check of a
turn, and the topic classifier's reading of a question worded as a description."""

from __future__ import annotations

import pytest


def test_source_links_take_each_channels_form():
    from addons.channels.common import plain_links, slack_links

    line = "Source: [MedlinePlus](https://medlineplus.gov/ency/article/003188.htm); HealthGrades (reviewed 2026-11-25)"
    assert slack_links(line) == (
        "Source: <https://medlineplus.gov/ency/article/003188.htm|MedlinePlus>; HealthGrades (reviewed 2026-11-25)"
    )
    assert plain_links(line).startswith("Source: MedlinePlus (https://medlineplus.gov/ency/article/003188.htm);")
    assert plain_links("no links [here] (at all)") == "no links [here] (at all)"


def test_a_turn_is_unanswered_only_when_no_bot_message_follows_the_user_message():
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from addons.always_reply import unanswered

    answered = [UserUttered("hi"), ActionExecuted("utter_greet"), BotUttered("Hello"), ActionExecuted("action_listen")]
    assert not unanswered(answered)
    assert unanswered(answered + [UserUttered("yes"), ActionExecuted("action_listen")])
    assert not unanswered([ActionExecuted("action_session_start")])


@pytest.mark.parametrize(
    "text, question",
    [
        ("legs have gone proper skinny and they throb like mad, does atrophy do that", True),
        ("my arm is thin, is it normal", True),
        ("why does it hurt", True),
        ("my legs are thin", False),
        ("I was bedbound and have lost muscle", False),
        ("I want to check my symptoms", False),
    ],
)
def test_a_question_after_a_description_is_worded_as_one(text, question):
    """Answer first: a description ending in a question without a question mark is still a question."""
    from addons.question_topic_classifier import worded_as_question

    assert worded_as_question(text) is question
