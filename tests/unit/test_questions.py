"""The Rasa-free parts of question answering: names, topic choice, own-situation offers, the judge, sources."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from atrophy import answers
from atrophy.questions import catalogue, choose, judge, own_situation
from scripts import content_check


@pytest.mark.parametrize(
    "name, topic",
    [
        ("guillan bare", "guillain_barre"),
        ("rheumatiod arthritis", "rheumatoid_arthritis"),
        ("Lou Gehrigs", "als"),
        ("RA", "rheumatoid_arthritis"),
        ("ms", "multiple_sclerosis"),
        ("sarcopenia", "ageing"),
        ("prednisone", "other_causes"),
        ("multiple sclerosys", "multiple_sclerosis"),
    ],
)
def test_names_are_matched_despite_typos_and_lay_names(name, topic):
    assert catalogue.match_name(name) == topic


@pytest.mark.parametrize("word", ["disease", "the first one", "arthritis", "as", "it"])
def test_common_and_ambiguous_words_match_no_topic(word):
    assert catalogue.match_name(word) is None


def test_every_topic_has_an_answer_in_the_knowledge_base_and_expected_words():
    content = yaml.safe_load(catalogue.CONTENT_PATH.read_text(encoding="utf-8"))
    slugs = {
        kind: {e["slug"] for e in content[section]}
        for kind, section in [("topic", "topics"), ("category", "cause_categories"), ("condition", "conditions")]
    }
    for topic in catalogue.topics().values():
        kind, slug = next(iter(topic.answer.items()))
        assert kind == "causes" or slug in slugs[kind], topic.slug
        assert topic.expect_any and all(w == w.lower() for w in topic.expect_any)


def test_a_confident_classifier_answers_and_an_unsure_one_offers_the_closest_topics():
    assert choose.choose([("ageing", 0.8), ("recovery", 0.1)]).topic == "ageing"
    unsure = choose.choose([("pain", 0.12), ("recovery", 0.11), ("ageing", 0.1)], text="hmm")
    assert unsure.topic is None and unsure.offer == ("pain", "recovery", "ageing")


def test_a_name_decides_when_the_classifier_is_unsure():
    choice = choose.choose([("pain", 0.15), ("recovery", 0.1)], names=["guillan barre"])
    assert choice.topic == "guillain_barre"
    assert choose.choose([("pain", 0.3), ("als", 0.2)], text="does als hurt").topic == "als"


@pytest.mark.parametrize(
    "text, own",
    [
        ("my aunt has lupus and her thighs are thinning, is that related?", True),
        ("my calf has gone skinny since the cast came off", True),
        ("i'm losing muscle in my arms, why?", True),
        ("what is muscle atrophy?", False),
        ("can ALS cause wasting", False),
        ("does atrophy hurt?", False),
    ],
)
def test_own_or_a_relatives_muscle_loss_is_recognised(text, own):
    assert own_situation.describes_own_muscle_loss(text) is own


def test_the_judge_counts_whole_words_and_refuses_an_escalated_answer():
    reply = [{"text": "Disuse atrophy: muscles shrink when not used."}]
    assert judge.on_topic(reply, "disuse_atrophy", ["disuse"])
    assert not judge.on_topic([{"text": "disused"}], "disuse_atrophy", ["disuse"])
    alert = [{"custom": {"emergency": True, "text": "call 911"}}, *reply]
    assert not judge.on_topic(alert, "disuse_atrophy", ["disuse"])
    figures = judge.Figures()
    figures.add(
        {"id": "q1", "topic": "pain", "expect_any": ["hurt"]},
        [{"text": "Which one?", "buttons": [{"title": "Does it hurt?"}]}],
    )
    figures.add({"id": "q2", "topic": "pain", "expect_any": ["hurt"]}, [])
    assert (figures.right, figures.offered_only, figures.empty) == (1, 1, 1)


def test_source_line_lists_each_source_once_with_the_oldest_review_date():
    line = answers.source_line(
        "[NHS](https://www.nhs.uk/x); HealthGrades; reviewed 2026-11-25", "HealthGrades; reviewed 2026-10-01"
    )
    assert line == "Source: [NHS](https://www.nhs.uk/x); HealthGrades (reviewed 2026-10-01)"


def test_content_check_fails_past_the_review_date_and_lists_entries_due_soon():
    content = yaml.safe_load(content_check.CONTENT.read_text(encoding="utf-8"))
    assert content_check.problems(content, dt.date(2026, 11, 25)) == []
    entries = content_check.entries(content)
    last_due = max(e["review_due"] for e in entries)
    assert len(content_check.problems(content, last_due + dt.timedelta(days=1))) == len(entries)
    assert len(content_check.due_within(content, last_due - dt.timedelta(days=30), 90)) >= 1
    assert all(e.get("reviewed") and e.get("review_due") for e in entries)
    for source in content["sources"].values():
        assert source["title"] and source["short"]
        assert source["url"] is None or source["url"].startswith("https://")


def test_a_subject_and_an_aspect_of_it_are_both_answered():
    both = choose.choose([("recovery", 0.5), ("spinal_cord_injury", 0.3), ("pain", 0.1)])
    assert (both.topic, both.also) == ("recovery", "spinal_cord_injury")
    assert choose.choose([("als", 0.5), ("multiple_sclerosis", 0.3)]).also is None  # two subjects: the likelier
    assert choose.choose([("ageing", 0.8), ("pain", 0.1)]).also is None  # a runner-up that is unlikely


def test_source_line_stays_short_for_answers_built_from_many_entries():
    line = answers.source_line(
        "[MedlinePlus](https://a); HealthGrades; reviewed 2026-11-25",
        "[MedlinePlus](https://b); NHS; CDC; NINDS; reviewed 2026-11-25",
    )
    assert line == "Source: [MedlinePlus](https://a); HealthGrades; NHS and 2 more (reviewed 2026-11-25)"


def test_an_aspect_question_about_a_named_subject_gets_the_subject_too():
    choice = choose.choose([("prevention_treatment", 0.8), ("recovery", 0.1)], names=["ALS"])
    assert (choice.topic, choice.also) == ("prevention_treatment", "als")
    choice = choose.choose([("prevention_treatment", 0.8)], text="how is guillain barre treated")
    assert choice.also == "guillain_barre"


def test_a_follow_up_that_points_back_is_answered_on_the_last_subject_too():
    # "What exercise is safe with it?" after an answer about MS: the aspect, and MS beside it.
    choice = choose.choose(
        [("prevention_treatment", 0.8)], text="what exercise is safe to do with it?", previous="multiple_sclerosis"
    )
    assert (choice.topic, choice.also) == ("prevention_treatment", "multiple_sclerosis")
    # Nothing likely, but the message points back: the last subject rather than a list of buttons.
    assert (
        choose.choose(
            [("pain", 0.12), ("recovery", 0.11)], text="can it make your muscles waste?", previous="guillain_barre"
        ).topic
        == "guillain_barre"
    )
    # No pointing back, or a subject named: the previous subject is left alone.
    assert (
        choose.choose(
            [("prevention_treatment", 0.8)], text="what exercise is safe?", previous="multiple_sclerosis"
        ).also
        is None
    )
    choice = choose.choose([("recovery", 0.8)], text="does it get better with als?", previous="multiple_sclerosis")
    assert choice.also == "als"


def test_a_comparison_of_two_subjects_answers_both():
    ranking = [("malnutrition", 0.76), ("other_causes", 0.23), ("causes", 0.01)]
    choice = choose.choose(ranking, [], "how is cachexia different from weight loss from simply not eating enough?")
    assert (choice.topic, choice.also) == ("malnutrition", "other_causes")
    # the same two names without a comparison: the likelier subject alone
    assert choose.choose(ranking, [], "I have cachexia and I am not eating enough").also is None


@pytest.mark.parametrize(
    "text, subjects",
    [
        ("how long till my calf comes back after I broke my ankle", ["injury"]),
        ("CAN YOU BUILD MUSCLE BACK IN YOUR 70S?", ["ageing"]),
        ("my arm got thin in a cast, will it come back", ["disuse_atrophy"]),
        ("after his stroke last year his hand got thin, will physio help?", ["stroke_atrophy"]),
        ("should I ring the surgery about my thin calf?", []),  # a British GP surgery is no injury
        ("does atrophy hurt?", []),
    ],
)
def test_everyday_words_point_to_a_subject(text, subjects):
    assert catalogue.cued_subjects(text) == subjects


def test_an_aspect_question_in_everyday_words_gets_its_subject_too():
    ranking = [("recovery", 0.96), ("injury", 0.02), ("spinal_cord_injury", 0.01)]
    text = "how long does it take for muscle to come back after a broken ankle"
    assert choose.choose(ranking, [], text).also is None
    assert choose.choose(ranking, [], text, cued=["injury"]).also == "injury"
    # a subject first is not joined by another subject
    assert choose.choose([("ageing", 0.9), ("recovery", 0.05)], [], "in his 80s", cued=["injury"]).also is None


def test_a_long_message_is_asked_by_its_asking_sentence():
    from atrophy.questions.classifier import question_part

    assert question_part("what causes muscle atrophy?") is None  # short: read whole
    preamble = "Some background on how my week went, work and the kids and the garden. " * 10
    assert (
        question_part("Hello. " + preamble + "So my question is: what causes muscle atrophy? Thanks.")
        == "So my question is: what causes muscle atrophy?"
    )
