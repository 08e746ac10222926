"""Each custom action, run as the action server would run it, against a real knowledge database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from rasa_sdk.events import SlotSet

from actions import actions
from atrophy import escalations
from atrophy.answers import DISCLAIMER
from tests.support.action_calls import UNREACHABLE_DB, entity, make_tracker, run


def test_list_causes_names_every_category_with_source(db_url):
    messages, events = run(actions.ActionListCauses(), make_tracker("what causes muscle atrophy?", "ask_causes"))
    text = messages[0]["text"]
    for name in ("Disuse atrophy", "Neurogenic atrophy", "Malnutrition", "Alcohol", "Ageing", "Injuries"):
        assert name in text
    assert "Source: HealthGrades" in text and DISCLAIMER in text
    assert SlotSet("knowledge_base_last_object_type", "cause") in events


@pytest.mark.parametrize(
    "intent, expected",
    [
        ("ask_what_is_atrophy", "muscle tissue is being lost"),
        ("ask_when_to_seek_care", "emergency number"),
        ("ask_symptoms", "numbness, pain or swelling"),
        ("ask_prevention_treatment", "physical therapist"),
        ("ask_stroke_info", "BE-FAST"),
    ],
)
def test_topics_answer_from_the_database(db_url, intent, expected):
    messages, _ = run(actions.ActionExplainTopic(), make_tracker("?", intent))
    assert expected in messages[0]["text"]


def test_record_escalation_writes_every_escalation(db_url):
    text = "my dad suddenly can't move his arm and his vision went blurry"
    tracker = make_tracker(
        text,
        "report_stroke_signs",
        [entity("stroke_sign", "paralysis"), entity("stroke_sign", "vision")],
        sender="conv-9",
    )
    for _ in range(2):
        messages, events = run(actions.ActionRecordEscalation(), tracker)
        assert messages == [] and events == []
    assert escalations.count_for("conv-9") == 2


def test_knowledge_actions_apologise_when_the_database_is_unreachable(monkeypatch):
    monkeypatch.setenv("ATROPHY_DB_URL", UNREACHABLE_DB)
    messages, events = run(actions.ActionListCauses(), make_tracker("what causes it", "ask_causes"))
    assert messages[0]["response"] == "utter_knowledge_unavailable" and events == []


def test_a_broad_name_is_narrowed_not_guessed(db_url):
    from atrophy import answers, knowledge

    text = answers.unknown_condition_answer("arthritis", knowledge.conditions())
    assert "Rheumatoid arthritis and Osteoarthritis" in text and "Which one" in text
    assert "don't have checked information" in answers.unknown_condition_answer("lupus", knowledge.conditions())


def test_importing_the_actions_writes_no_database(tmp_path):
    """The knowledge base is built by `make build` or on first use, not when the action module is imported (a
    linter, a test collector or a script importing it must not write a database)."""
    database = tmp_path / "kb.db"
    subprocess.run(
        [sys.executable, "-c", "import actions.actions"],
        check=True,
        timeout=120,
        env={**os.environ, "ATROPHY_DB_URL": f"sqlite:///{database}"},
    )
    assert not database.exists()


@pytest.mark.parametrize(
    "action, intent",
    [
        (actions.ActionListCauses, "ask_causes"),
        (actions.ActionAnswerQuestion, "ask_question"),
        (actions.ActionQueryAtrophyKnowledgeBase, "query_knowledge_base"),
    ],
)
def test_the_first_answer_builds_a_missing_knowledge_base(tmp_path, monkeypatch, action, intent):
    """Every action that answers from the knowledge base builds it when it is missing (a fresh database)."""
    database = tmp_path / "fresh" / "kb.db"
    monkeypatch.setenv("ATROPHY_DB_URL", f"sqlite:///{database}")
    topic = [{"entity": "question_topic", "value": "causes", "label": "causes", "label_confidence": 0.9}]
    messages, _ = run(action(), make_tracker("what causes muscle atrophy?", intent, entities=topic))
    assert database.exists() and "Disuse atrophy" in messages[0]["text"], messages
