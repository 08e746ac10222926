"""The layers of the red-flag decision, each on its own: spelling, concepts, the classifier, the decision."""

from __future__ import annotations

import pytest

from atrophy.red_flags import default_detector
from atrophy.red_flags.decide import ESCALATE, NONE, UNSURE, StrokeDecider, Thresholds, adds_up, level_of, levels_of
from atrophy.red_flags.normalise import correct_word, domain_vocabulary, normalise
from tests.support.paths import ROOT

THRESHOLDS = Thresholds(escalate_at=0.6, unsure_at=0.2, veto_below=0.01)


class FixedClassifier:
    """A stand-in with a chosen probability, to test the decision's thresholds apart from any model."""

    def __init__(self, probability: float):
        self.p = probability

    def probability(self, text: str) -> float:
        return self.p


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("storke", "stroke"),
        ("sudenly", "suddenly"),
        ("numbb", "numb"),
        ("vison", "vision"),
        ("paralized", "paralyzed"),
        ("SUDENLY", "SUDDENLY"),
    ],
)
def test_misspelled_key_words_are_corrected_towards_the_domain(typed, meant):
    assert correct_word(typed) == meant


@pytest.mark.parametrize("word", ["store", "cnt", "pls", "jelly", "gym", "dentist", "Tuesday"])
def test_known_and_short_words_are_left_alone(word):
    assert correct_word(word) == word


def test_normalise_keeps_everything_but_the_typos_and_the_shorthand():
    assert normalise("I think mum is having a storke!! pls help") == "I think mum is having a stroke!! please help"
    assert normalise("rt arm weak 5mins, cnt lift it") == "right arm weak 5 minutes, can't lift it"
    assert normalise("2day b4 lunch, 3hrs ago") == "today before lunch, 3 hours ago"


def test_the_domain_vocabulary_comes_from_the_lexicon():
    vocabulary = domain_vocabulary()
    assert {"stroke", "drooping", "slurred", "numbness", "suddenly"} <= vocabulary


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my arm feels weak", {"weakness_numbness"}),
        ("it came on suddenly about 15 minutes ago", {"onset"}),
        ("only on the right side", {"one_side"}),
        ("no, it is not sudden at all", set()),
        ("I read that a drooping face is a sign of stroke, what are the others?", set()),
    ],
)
def test_concepts_of_one_message(text, expected):
    assert set(default_detector().concepts(text)) == expected


def test_signs_add_up_with_a_sudden_onset_only():
    assert adds_up({"weakness_numbness", "onset"})
    assert not adds_up({"weakness_numbness", "one_side"})
    assert not adds_up({"onset", "one_side"})


def decide(text: str, probability: float | None):
    classifier = None if probability is None else FixedClassifier(probability)
    return StrokeDecider(default_detector(), classifier, THRESHOLDS).decide(text)


def test_a_rule_finding_escalates_whatever_a_doubtful_classifier_says():
    decision = decide("my dad's face is drooping on one side", 0.3)
    assert decision.level == ESCALATE and decision.findings


def test_a_rule_finding_the_classifier_is_all_but_sure_about_goes_to_the_unsure_tier_not_to_silence():
    assert decide("my dad's face is drooping on one side", 0.001).level == UNSURE


def test_the_classifier_escalates_what_no_rule_knows():
    decision = decide("grandad is just not with it, staring and not answering me", 0.9)
    assert decision.level == ESCALATE and not decision.findings


@pytest.mark.parametrize("probability, level", [(0.3, UNSURE), (0.05, NONE)])
def test_the_classifier_in_between_is_unsure_and_below_is_nothing(probability, level):
    assert decide("something feels off with my gran today", probability).level == level


def test_without_a_classifier_the_rules_decide_alone():
    assert decide("my dad's face is drooping on one side", None).level == ESCALATE
    assert decide("what foods help muscle loss?", None).level == NONE


def test_a_broken_classifier_never_silences_the_rules():
    class Broken:
        def probability(self, text):
            raise RuntimeError("model file damaged")

    decision = StrokeDecider(default_detector(), Broken(), THRESHOLDS).decide("his speech is slurred suddenly")
    assert decision.level == ESCALATE


CLASSIFIER = ROOT / "build" / "red_flags" / "classifier.joblib"


@pytest.mark.skipif(not CLASSIFIER.is_file(), reason="make build trains the classifier")
def test_the_trained_classifier_separates_reports_from_near_misses_it_never_saw():
    from atrophy.red_flags.classifier import load_classifier

    model = load_classifier(CLASSIFIER)
    reports = [
        "grandpa's grin has gone all crooked in the last half hour and he's dribbling",
        "my sister can't find her words since lunch, keeps saying cup instead of phone",
    ]
    near = ["my calves are wrecked after the marathon yesterday", "what are the warning signs of a stroke?"]
    assert min(model.probabilities(reports)) > max(model.probabilities(near))


@pytest.mark.parametrize("typed, meant", [("slurd", "slurred"), ("stoke", "stroke"), ("seing", "seeing")])
def test_the_lexicons_known_misspellings_win_over_a_nearer_english_word(typed, meant):
    assert correct_word(typed) == meant


@pytest.mark.parametrize("word", ["skinful", "convo", "brekkie", "cuppa"])
def test_informal_words_are_not_corrected_into_other_words(word):
    assert correct_word(word) == word


@pytest.mark.parametrize(
    "text",
    [
        "i couldnt talk rite for like 10 minits this afternon, fine now",  # speech, passed today
        "worst headache, came on like a bang, nothing like my usual ones",  # a thunderclap, in idiom
        "I have very strong pain of head, the strongest of my life",  # ... in a learner's words
        "i have very dizzy and the eyes see two, since the lunch",  # double vision, a meal as onset
        "flatmate been proper confused since bout 4pm dunno what day it is",  # a clock time as onset
        "son 19. arm limp. cant raise it",  # "it" is the arm before it
        "stroke i think. face numb arm numb",  # the suspicion after the word
    ],
)
def test_kinds_of_report_the_rules_now_read(text):
    assert default_detector().assess(normalise(text)).escalate, text


def test_two_kinds_of_sign_together_escalate_unless_the_classifier_is_fairly_sure_it_is_no_report():
    strict = Thresholds(
        escalate_at=0.9, unsure_at=0.2, veto_below=0.9, dismiss_below=0.05, two_signs_from=0.3, short_words=0
    )  # the rule for terse messages apart
    text = "neighbr: face down. arm weak. words slurd"
    assert StrokeDecider(default_detector(), FixedClassifier(0.35), strict).decide(text).level == ESCALATE
    assert StrokeDecider(default_detector(), FixedClassifier(0.1), strict).decide(text).level != ESCALATE
    # one kind of sign alone, with the same doubt, is not enough
    assert StrokeDecider(default_detector(), FixedClassifier(0.35), strict).decide("words slurd").level != ESCALATE


def test_a_report_after_an_unrelated_question_is_read_without_the_question():
    class DilutedByTheQuestion:
        """Sure of the report alone, unsure of it with the question before it."""

        def probability(self, text):
            return 0.4 if "steroids" in text else 0.95

    strict = Thresholds(escalate_at=0.9, unsure_at=0.2, veto_below=0.8)
    text = (
        "hi, what helps muscle wasting from steroids? My partner's on them. Actually sorry, more urgent, he's "
        "just come in and his left leg's dragging behind him and he can't lift the foot."
    )
    assert StrokeDecider(default_detector(), DilutedByTheQuestion(), strict).decide(text).level == ESCALATE


def test_the_log_summary_names_the_signs_but_not_the_persons_words():
    decision = decide("my dad's face is drooping on one side", 0.3)
    assert "face" in decision.summary() and "drooping" not in decision.summary()


def test_a_sign_in_a_terse_message_is_never_silenced():
    strict = Thresholds(escalate_at=0.9, unsure_at=0.2, veto_below=0.9, dismiss_below=0.15, short_report_from=0.25)
    text = "husb slurrng. sober"
    assert StrokeDecider(default_detector(), FixedClassifier(0.3), strict).decide(text).level == ESCALATE
    assert StrokeDecider(default_detector(), FixedClassifier(0.01), strict).decide(text).level == UNSURE
    # the same doubt about the same sign in a long message that explains it away: no alert
    long = "husb slurring after eight pints at the wedding, he's sober by the morning every time, so it's the drink"
    assert StrokeDecider(default_detector(), FixedClassifier(0.01), strict).decide(long).level != ESCALATE


T = Thresholds(
    escalate_at=0.65,
    unsure_at=0.25,
    veto_below=0.6,
    dismiss_below=0.1,
    two_signs_from=0.3,
    short_words=8,
    short_report_from=0.25,
    onset_from=0.45,
)


@pytest.mark.parametrize(
    "rule, p, concepts, words, level",
    [
        (False, 0.70, set(), 20, ESCALATE),  # the classifier alone, confident
        (False, 0.50, set(), 20, UNSURE),  # the classifier alone, unsure
        (False, 0.10, set(), 20, NONE),
        (True, 0.60, {"speech"}, 20, ESCALATE),  # a sign the classifier does not doubt
        (True, 0.35, {"speech", "face_droop"}, 20, ESCALATE),  # two kinds of sign: FAST itself
        (True, 0.20, {"speech", "face_droop"}, 20, UNSURE),  # ... unless it is fairly sure it is no report
        (True, 0.50, {"speech", "onset"}, 20, ESCALATE),  # a sign and its time of onset
        (True, 0.40, {"speech", "onset"}, 20, UNSURE),
        (True, 0.30, {"speech"}, 5, ESCALATE),  # a terse report
        (True, 0.05, {"speech"}, 5, UNSURE),  # ... never silence
        (True, 0.15, {"speech"}, 20, UNSURE),
        (True, 0.05, {"speech"}, 20, NONE),  # a rule finding the classifier all but rules out
        (True, None, {"speech"}, 20, ESCALATE),  # no classifier: the rules decide alone
        (False, None, set(), 20, NONE),
    ],
)
def test_the_decision_levels(rule, p, concepts, words, level):
    assert level_of(T, rule, p, concepts, words) == level


def test_the_decision_over_arrays_is_the_decision_on_each_message():
    """The thresholds are tuned on `levels_of` over the whole corpus at once."""
    import numpy as np

    cases = [
        (True, 0.35, True, False, False),
        (True, 0.5, False, True, False),
        (True, 0.05, False, False, True),
        (False, 0.5, False, False, True),
        (False, 0.7, True, True, True),
    ]
    rule, p, two, onset, short = (np.array(column) for column in zip(*cases))
    escalate, unsure = levels_of(T, rule, p, two, onset, short)
    assert escalate.tolist() == [True, True, False, False, True]
    assert unsure.tolist() == [False, False, True, True, False]


def test_a_long_message_is_also_read_in_windows_of_whole_sentences():
    from atrophy.red_flags.decide import LONG_WORDS, WINDOW_WORDS, windows, word_count

    assert windows("my dad's face is drooping. help") == []  # short: read whole only
    story = "We had a lovely lunch with the family and talked about the garden. " * 12
    report = "Half an hour ago his face drooped on one side and his words came out slurred. "
    text = story + report + story
    assert word_count(text) > LONG_WORDS
    parts = windows(text)
    assert any(report.strip() in part for part in parts)
    assert all(word_count(part) <= WINDOW_WORDS for part in parts)
    # nothing after a hypothetical is read out of its frame
    hypothetical = "If my dad ever had a stroke, what would happen? " + story + report
    assert not any(report.strip() in part for part in windows(hypothetical))
