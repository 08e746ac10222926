"""Questions through the running bot over REST, as a person meets them: answer first, the symptom check only when
accepted, follow-ups, a question in the middle of the check, a "which one?" offer taken up, and wording DIET
alone used to send elsewhere (the word "stop", "doctor", a typo in a name)."""

from __future__ import annotations

import uuid

import pytest

from tests.support.replies import buttons, texts

pytestmark = pytest.mark.e2e


def new_sender():
    return f"q-{uuid.uuid4()}"


def test_own_muscle_loss_gets_the_answer_then_the_offer_and_the_check_only_when_accepted(bot):
    sender = new_sender()
    reply = bot.send(sender, "my legs have gone skinny after six weeks stuck in bed, is that normal?")
    assert reply[0]["text"].startswith("Disuse atrophy:")
    assert "short symptom check" in reply[-1]["text"] and [b["payload"] for b in buttons(reply)] == ["/affirm", "/deny"]
    assert "Ask me anything else" in texts(bot.send(sender, "/deny"))
    sender = new_sender()
    bot.send(sender, "my legs have gone skinny after six weeks stuck in bed, is that normal?")
    assert "suddenly, or gradually" in texts(bot.send(sender, "/affirm"))


def test_a_general_question_gets_no_offer(bot):
    reply = bot.send(new_sender(), "does atrophy hurt?")
    assert reply[0]["text"].startswith("Does muscle atrophy hurt?") and "symptom check" not in texts(reply)


def test_a_question_inside_the_symptom_check_is_answered_and_the_check_goes_on(bot):
    sender = new_sender()
    bot.send(sender, "/check_symptoms")
    reply = bot.send(sender, "wait, can heavy drinking do this to muscles?")
    assert "Alcohol-related muscle disease" in texts(reply)
    assert "suddenly, or gradually" in texts(reply)  # the check asks its question again


def test_a_topic_answer_feeds_follow_ups(bot):
    sender = new_sender()
    assert "Neurogenic atrophy" in texts(bot.send(sender, "what kinds of nerve problems waste muscles?"))
    assert texts(bot.send(sender, "tell me more about the second one")).startswith(
        "Amyotrophic lateral sclerosis (ALS) is"
    )
    assert "reversed" in texts(bot.send(sender, "and can the muscle come back?"))


def test_an_unclear_question_offers_topics_and_a_button_answers(bot):
    sender = new_sender()
    reply = bot.send(sender, "tell me more about it")
    offered = buttons(reply)
    assert offered and all(b["payload"].startswith("/ask_question{") for b in offered)
    answer = texts(bot.send(sender, offered[0]["payload"]))
    assert "Source:" in answer and "not a diagnosis" in answer


@pytest.mark.parametrize(
    "text, start",
    [
        ("how do I stop my legs wasting away", "Preventing and treating muscle atrophy"),
        ("thigh going thin for months, doctor or wait?", "When to get medical help"),
        ("is guillan bare the one that starts in the feet", "Guillain-Barre syndrome is"),
        ("legs like twigs after three months laid up in hospital, why", "Disuse atrophy:"),
    ],
)
def test_wording_that_used_to_go_elsewhere_reaches_its_answer(bot, text, start):
    assert texts(bot.send(new_sender(), text)).startswith(start)
