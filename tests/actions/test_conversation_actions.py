"""The knowledge-base action's follow-ups and the symptom check's actions, against a real knowledge database."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions import actions
from atrophy.answers import DISCLAIMER
from tests.support.action_calls import UNREACHABLE_DB, entity, make_tracker, run

# What the symptom check asks, in domain.yml's words: the actions must reset exactly these.
CHECK_SLOTS = [
    "symptom_onset",
    "symptom_extent",
    "symptom_accompanying",
    "symptom_conditions",
    "symptom_alcohol",
    "symptom_treated",
]


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def ask_kb(text, entities=(), slots=None):
    return run(actions.ActionQueryAtrophyKnowledgeBase(), make_tracker(text, "query_knowledge_base", entities, slots))


def test_lists_conditions_of_a_cause_and_remembers_them(db_url):
    messages, events = ask_kb(
        "what conditions cause neurogenic atrophy?", [entity("object_type", "condition"), entity("cause", "neurogenic")]
    )
    text = messages[0]["text"]
    assert "linked to Neurogenic atrophy" in text and "2. Amyotrophic lateral sclerosis (ALS)" in text
    assert "Osteoarthritis" not in text and "Source:" in text and DISCLAIMER in text
    slots = slots_of(events)
    assert slots["knowledge_base_listed_objects"][:2] == ["multiple_sclerosis", "als"]
    assert slots["knowledge_base_last_object_type"] == "condition" and slots["knowledge_base_last_object"] is None


def test_ordinal_mention_picks_from_the_last_list(db_url):
    listed = {
        "knowledge_base_listed_objects": ["multiple_sclerosis", "als", "guillain_barre"],
        "knowledge_base_last_object_type": "condition",
        "mention": "2",
    }
    messages, events = ask_kb("tell me more about the second one", [entity("mention", "2")], listed)
    assert messages[0]["text"].startswith("Amyotrophic lateral sclerosis (ALS) is")
    assert slots_of(events)["knowledge_base_last_object"] == "als"
    assert slots_of(events)["mention"] is None
    messages, _ = ask_kb("the last one", [entity("mention", "LAST")], listed)
    assert messages[0]["text"].startswith("Guillain-Barre syndrome is")


def test_a_named_condition_wins_over_the_last_object(db_url):
    messages, events = ask_kb(
        "what about ALS?",
        [entity("condition", "ALS")],
        {"knowledge_base_last_object": "burns", "knowledge_base_last_object_type": "condition"},
    )
    assert "Amyotrophic lateral sclerosis (ALS)" in messages[0]["text"]
    assert slots_of(events)["condition"] == "Amyotrophic lateral sclerosis (ALS)"


def test_attribute_follow_up_about_the_last_object(db_url):
    messages, events = ask_kb(
        "when should someone with it see a doctor?",
        [entity("attribute", "seek_care")],
        {"knowledge_base_last_object": "guillain_barre", "knowledge_base_last_object_type": "condition"},
    )
    text = messages[0]["text"]
    assert text.startswith("Guillain-Barre syndrome. When to seek care:") and "breathing" in text
    assert "Source:" in text and DISCLAIMER in text
    assert slots_of(events)["attribute"] is None


def test_a_cause_category_lists_its_conditions_for_follow_ups(db_url):
    messages, events = ask_kb("tell me about disuse atrophy", [entity("cause", "disuse")])
    assert "Disuse atrophy: This is the most common kind" in messages[0]["text"]
    assert slots_of(events)["knowledge_base_listed_objects"] == ["rheumatoid_arthritis", "osteoarthritis", "burns"]
    messages, _ = ask_kb("can steroids cause muscle wasting", [entity("cause", "other")])
    assert "corticosteroids" in messages[0]["text"]


def test_causes_list_feeds_follow_ups(db_url):
    _, events = run(actions.ActionListCauses(), make_tracker("what causes muscle atrophy?", "ask_causes"))
    slots = slots_of(events)
    assert slots["knowledge_base_listed_objects"][:2] == ["disuse", "neurogenic"]
    messages, _ = ask_kb("tell me more about the second one", [entity("mention", "2")], {**slots, "mention": "2"})
    assert messages[0]["text"].startswith("Neurogenic atrophy:")


def test_unknown_names_and_nothing_to_refer_to_are_admitted(db_url):
    messages, _ = ask_kb("what is lupus?", [entity("condition", "lupus")])
    assert 'don\'t have checked information about "lupus"' in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]]  # with the closest topics to choose from
    messages, _ = ask_kb("tell me more about it")
    assert messages[0]["response"] == "utter_which_topic" and len(messages[0]["buttons"]) == 3
    messages, _ = ask_kb("the ninth one", [entity("mention", "9")], {"knowledge_base_listed_objects": ["als"]})
    assert messages[0]["response"] == "utter_which_topic"


def test_misspelt_and_lay_names_reach_their_topic_not_an_unknown_word_answer(db_url):
    messages, _ = ask_kb("can alchohol do that", [entity("condition", "alchohol")])
    assert messages[0]["text"].startswith("Alcohol-related muscle disease:")
    messages, _ = ask_kb("is it the lou gehrigs thing", [entity("condition", "lou gehrigs")])
    assert messages[0]["text"].startswith("Amyotrophic lateral sclerosis (ALS) is")


def test_stroke_questions_get_information_and_tia_gets_its_own_answer(db_url):
    messages, _ = run(actions.ActionExplainTopic(), make_tracker("what is a TIA?", "ask_stroke_info"))
    assert "even if the symptoms have gone away" in messages[0]["text"]


def test_start_resets_the_answers(db_url):
    messages, events = run(
        actions.ActionStartSymptomCheck(),
        make_tracker("check my symptoms", "check_symptoms", slots={"symptom_onset": "sudden"}),
    )
    assert messages[0]["response"] == "utter_symptom_check_intro"
    assert SlotSet("symptom_onset", None) in events and {e["name"] for e in events} == set(CHECK_SLOTS)


@pytest.mark.parametrize(
    "slot, text, intent, value",
    [
        ("symptom_onset", "gradually over a few months", "inform", "gradual"),
        ("symptom_extent", "both legs", "inform", "muscle_group"),
        ("symptom_accompanying", "numbness", "inform", ["numbness"]),
        ("symptom_conditions", "no", "deny", ["none"]),
        ("symptom_alcohol", "a bottle of wine most days", "inform", None),
        ("symptom_treated", "yes", "affirm", True),
    ],
)
def test_form_validation_reads_free_text(slot, text, intent, value):
    validator = actions.ValidateSymptomCheckForm()
    tracker = make_tracker(text, intent)
    dispatcher = actions.CollectingDispatcher()
    result = getattr(validator, f"validate_{slot}")(text, dispatcher, tracker, {})
    assert result == {slot: value}
    assert bool(dispatcher.messages) == (value is None)  # an unclear answer is asked again


def test_result_gives_care_level_and_kinds_of_causes_without_diagnosing(db_url):
    answers = {
        "symptom_onset": "sudden",
        "symptom_extent": "one_muscle",
        "symptom_accompanying": ["numbness"],
        "symptom_conditions": ["diabetes"],
        "symptom_alcohol": False,
        "symptom_treated": False,
    }
    messages, events = run(actions.ActionSymptomCheckResult(), make_tracker("no", "deny", slots=answers))
    text = messages[0]["text"]
    assert "Get prompt medical care" in text and "Neurogenic atrophy" in text
    assert "only a doctor can tell" in text and "call the emergency number at once" in text
    assert "Source:" in text and DISCLAIMER in text
    slots = slots_of(events)
    assert all(slots[s] is None for s in CHECK_SLOTS)
    assert slots["knowledge_base_listed_objects"] == ["neurogenic"]


def test_result_routine_visit(db_url):
    answers = {
        "symptom_onset": "gradual",
        "symptom_extent": "muscle_group",
        "symptom_accompanying": ["none"],
        "symptom_conditions": ["bed_rest"],
        "symptom_alcohol": False,
        "symptom_treated": False,
    }
    messages, _ = run(actions.ActionSymptomCheckResult(), make_tracker("no", "deny", slots=answers))
    assert "Book a visit with your doctor" in messages[0]["text"] and "Disuse atrophy" in messages[0]["text"]


def test_kb_action_apologises_when_the_database_is_unreachable(monkeypatch):
    monkeypatch.setenv("ATROPHY_DB_URL", UNREACHABLE_DB)
    messages, events = ask_kb("what about ALS?", [entity("condition", "ALS")])
    assert messages[0]["response"] == "utter_knowledge_unavailable" and events == []


def ask(text, ranking, entities=(), slots=None, active_loop=None):
    topic = {
        "entity": "question_topic",
        "value": ranking[0][0],
        "start": 0,
        "end": 0,
        "confidence_entity": ranking[0][1],
        "ranking": [list(r) for r in ranking],
    }
    tracker = make_tracker(text, "ask_question", [*entities, topic], slots)
    if active_loop:
        tracker.active_loop = {"name": active_loop}
    return run(actions.ActionAnswerQuestion(), tracker)


def test_a_question_gets_its_topics_answer_with_a_linked_source_and_review_date(db_url):
    messages, events = ask(
        "do your muscles come back after months in bed", [("recovery", 0.9), ("disuse_atrophy", 0.05)]
    )
    text = messages[0]["text"]
    assert text.startswith("Can muscle atrophy be reversed?") and DISCLAIMER in text
    assert "[MedlinePlus](https://medlineplus.gov/ency/article/003188.htm)" in text and "(reviewed 2026-11-25)" in text
    assert not [e for e in events if e.get("event") == "followup"]  # no description of one's own muscle loss


def test_own_muscle_loss_is_answered_first_then_the_symptom_check_is_offered(db_url):
    messages, events = ask(
        "my aunt has lupus and her thighs are thinning, could that be the steroids?",
        [("other_causes", 0.7), ("rheumatoid_arthritis", 0.1)],
    )
    assert messages[0]["text"].startswith("Other causes:")
    assert {"event": "followup", "timestamp": None, "name": "utter_offer_symptom_check"} in events
    messages, events = ask(
        "my calf got thin after the cast, why?", [("disuse_atrophy", 0.8)], active_loop="symptom_check_form"
    )
    assert messages[0]["text"].startswith("Disuse atrophy:")
    assert not [e for e in events if e.get("event") == "followup"]  # already in the symptom check


def test_an_unsure_topic_offers_the_closest_topics_as_buttons(db_url):
    messages, events = ask("hmm what about that", [("pain", 0.15), ("recovery", 0.12), ("ageing", 0.1)])
    assert messages[0]["response"] == "utter_which_topic" and events == []
    assert [b["payload"] for b in messages[0]["buttons"]][0] == '/ask_question{"question_topic": "pain"}'


def test_a_condition_answer_remembers_the_condition_for_follow_ups(db_url):
    messages, events = ask("can that lou gehrig thing start in one hand?", [("als", 0.8)])
    assert messages[0]["text"].startswith("Amyotrophic lateral sclerosis (ALS) is")
    assert slots_of(events)["knowledge_base_last_object"] == "als"
    messages, _ = ask("what does a mini stroke mean", [("stroke_info", 0.9)])
    assert messages[0]["text"].startswith("Stroke signs that go away")


def test_after_the_unsure_tier_only_a_clear_question_is_answered(db_url):
    def after_unsure(text, label, confidence):
        topic = {
            "entity": "question_topic",
            "value": "when_to_seek_care",
            "start": 0,
            "end": 0,
            "confidence_entity": confidence,
            "label": label,
            "label_confidence": confidence,
            "ranking": [["when_to_seek_care", confidence]],
        }
        return run(actions.ActionAnswerQuestion(), make_tracker(text, "possible_stroke_signs", [topic]))

    messages, _ = after_unsure(
        "his calf got thin over two months and feels weak, how soon should he be seen?", "when_to_seek_care", 0.8
    )
    assert messages[0]["text"].startswith("When to get medical help") and len(messages) == 1  # no offer
    assert after_unsure("my arm feels weird", "none", 0.7) == ([], [])
    assert after_unsure("my arm feels weird and numb?", "when_to_seek_care", 0.3) == ([], [])


def test_any_answer_about_a_condition_says_when_to_seek_care_for_a_stroke_the_emergency_number(db_url):
    messages, _ = ask_kb(
        "what are the other symptoms of a stroke?",
        [entity("attribute", "symptoms")],
        {"knowledge_base_last_object": "stroke", "knowledge_base_last_object_type": "condition"},
    )
    text = messages[0]["text"]
    assert text.startswith("Stroke. Other symptoms:") and "slurred speech" in text
    assert "When to seek care: call the emergency number immediately" in text
