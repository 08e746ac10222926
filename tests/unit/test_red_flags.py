"""Tests of the stroke red-flag detector: the labelled set's figures, then focused behaviours.

The labelled set (tests/data/red_flag_messages.yml) gates release: every must-escalate message must be
flagged (a missed stroke is the worst failure) and at most 3% of the near-misses and information
questions may be. Run with `-s` to see the figures; they are also in the assertion messages.
"""

from __future__ import annotations

import json
import runpy
import time

import pytest
import yaml

from atrophy.red_flags import (
    SIGNS,
    Assessment,
    Finding,
    RedFlagDetector,
    build_pipeline,
    default_detector,
    rules_fingerprint,
)
from tests.support.paths import ROOT, TEST_DATA

DATA = TEST_DATA / "red_flag_messages.yml"

MAX_FALSE_ESCALATION = 0.03


@pytest.fixture(scope="session")
def detector() -> RedFlagDetector:
    """Built in memory from the rules, so the tests never depend on a stale build/ directory."""
    return RedFlagDetector(build_pipeline())


@pytest.fixture(scope="session")
def labelled() -> dict[str, list[dict]]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def escalates(detector: RedFlagDetector, text: str) -> bool:
    return detector.assess(text).escalate


def signs_of(detector: RedFlagDetector, text: str) -> set[str]:
    return {f.sign for f in detector.assess(text).findings}


# --- The labelled set -------------------------------------------------------------------------------------


def test_labelled_set_is_big_enough_and_well_formed(labelled):
    assert len(labelled["escalate"]) >= 110
    assert len(labelled["near_miss"]) >= 90
    assert len(labelled["info_question"]) >= 30
    assert not {"nlu", "stories", "rules", "responses"} & labelled.keys()
    texts = [m["text"] for key in ("escalate", "near_miss", "info_question") for m in labelled[key]]
    assert len(texts) == len(set(texts)), "duplicate messages"
    for message in labelled["escalate"]:
        assert set(message.get("signs", [])) <= set(SIGNS), message


def test_recall_and_false_escalation_rate(detector, labelled):
    missed = [m["text"] for m in labelled["escalate"] if not escalates(detector, m["text"])]
    harmless = labelled["near_miss"] + labelled["info_question"]
    false_alarms = [
        f"{m['text']!r}: {detector.assess(m['text']).explain()}" for m in harmless if escalates(detector, m["text"])
    ]
    recall = 1 - len(missed) / len(labelled["escalate"])
    false_rate = len(false_alarms) / len(harmless)
    near_rate = sum(escalates(detector, m["text"]) for m in labelled["near_miss"]) / len(labelled["near_miss"])
    info_rate = sum(escalates(detector, m["text"]) for m in labelled["info_question"]) / len(labelled["info_question"])
    figures = (
        f"recall on must-escalate: {recall:.1%} ({len(labelled['escalate']) - len(missed)}"
        f"/{len(labelled['escalate'])}); false escalation: {false_rate:.1%} ({len(false_alarms)}"
        f"/{len(harmless)}; near-misses {near_rate:.1%}, info questions {info_rate:.1%})"
    )
    print(f"\n[red flags] {figures}")
    assert not missed, f"missed emergencies ({figures}):\n" + "\n".join(missed)
    assert false_rate <= MAX_FALSE_ESCALATION, f"too many false alarms ({figures}):\n" + "\n".join(false_alarms)


def test_expected_signs_are_reported(detector, labelled):
    wrong = []
    for message in labelled["escalate"]:
        missing = set(message.get("signs", [])) - signs_of(detector, message["text"])
        if missing:
            wrong.append(f"{message['text']!r} lacks {sorted(missing)}: {detector.assess(message['text']).explain()}")
    assert not wrong, "\n".join(wrong)


# --- What is reported, and why ----------------------------------------------------------------------------


def test_findings_say_which_sign_which_words_and_why(detector):
    assessment = detector.assess("my dad suddenly can't move his arm and his vision went blurry")
    assert assessment.escalate
    by_sign = {f.sign: f for f in assessment.findings}
    assert set(by_sign) == {"paralysis", "vision"}
    assert by_sign["vision"].evidence == "vision went blurry"
    assert "BE-FAST: Eyes" in by_sign["vision"].reason
    assert by_sign["paralysis"].evidence == "can't move his arm"
    line = assessment.explain()
    assert "\n" not in line and "vision: 'vision went blurry' (" in line


def test_the_context_that_made_a_sign_count_is_in_the_reason(detector):
    (finding,) = detector.assess("Suddenly my left leg feels weak").findings
    assert finding.sign == "weakness_numbness"
    assert "Suddenly" in finding.reason or "left leg" in finding.reason


def test_no_sign_gives_an_empty_assessment(detector):
    assessment = detector.assess("How much protein should I eat to rebuild muscle?")
    assert assessment == Assessment(escalate=False, findings=())
    assert assessment.explain() == "no stroke warning sign found"


def test_public_types(detector):
    finding = detector.assess("my speech is slurred").findings[0]
    assert isinstance(finding, Finding) and finding.sign in SIGNS
    with pytest.raises(AttributeError):
        finding.sign = "vision"  # frozen


def test_dropped_candidates_are_traced_with_a_reason(detector):
    verdicts = dict((f.sign, v) for f, v in detector.trace("I can't move my arm because it's in a cast"))
    assert verdicts["paralysis"].startswith("dropped: explained by injury")


@pytest.mark.parametrize(
    "text, sign",
    [
        ("sudden weakness and a sudden change in vision", "vision"),
        ("I lost consciousness for a moment", "consciousness"),
        ("my leg is paralysed", "paralysis"),
        ("I can't move my arm", "paralysis"),
        ("her smile is lopsided", "face_droop"),
        ("his left arm drifts down", "arm_weakness"),
        ("she's slurring", "speech"),
        ("I suddenly lost my balance and keep falling over", "balance"),
        ("my mum is suddenly confused", "confusion"),
        ("worst headache of my life", "headache"),
        ("suddenly I can't swallow", "weakness_numbness"),
    ],
)
def test_each_sign(detector, text, sign):
    assert sign in signs_of(detector, text)


# --- Negation, slow change, injuries, everyday causes -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no vision changes",
        "I didn't faint",
        "no numbness or weakness",
        "she never lost consciousness",
        "without any slurred speech",
        "no numbness, weakness or slurred speech",
        "Vision problems: none",
    ],
)
def test_negated_signs_do_not_escalate(detector, text):
    assert not escalates(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "I didn't faint but my face is drooping",
        "No numbness, but his speech is slurred",
        "I didn't faint and my face is drooping",
        "Not sure if her face is drooping",
        "I don't know what's happening, he can't lift his arm",
    ],
)
def test_negation_is_clause_scoped(detector, text):
    assert escalates(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "my legs have slowly got weaker over the past year",
        "gradual muscle loss since retiring",
        "My arms have been getting weaker for months",
        "I've had blurry vision for years",
    ],
)
def test_slow_change_does_not_escalate(detector, text):
    assert not escalates(detector, text)


def test_sudden_wins_over_a_slow_background(detector):
    assert escalates(detector, "My legs have been weak for years and today my face is drooping")
    assert escalates(detector, "My legs have got weaker over the years but suddenly I can't move my left arm")


@pytest.mark.parametrize(
    "text",
    [
        "I can't move my arm because it's in a cast",
        "My arm is in a sling and I can't move it",
        "I can't move my fingers with the splint on",
        "I can't move my arm. It's in a sling after my operation.",
    ],
)
def test_cast_sling_or_surgery_explains_a_still_limb(detector, text):
    assert not escalates(detector, text)


def test_an_injury_elsewhere_does_not_explain_a_sign(detector):
    assert escalates(detector, "My dad had knee surgery last month. Today he suddenly can't move his arm.")


@pytest.mark.parametrize(
    "text",
    [
        "my legs are sore after the gym",
        "pins and needles from sitting on my leg",
        "tired legs after a long walk",
    ],
)
def test_everyday_causes_do_not_escalate(detector, text):
    assert not escalates(detector, text)


# --- Questions about strokes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "what are the signs of a stroke?",
        "what does BE-FAST stand for?",
        "can a stroke cause muscle atrophy?",
        "how do I know if someone is having a stroke?",
        "what is a TIA?",
        "what should I do if someone's face droops?",
        "Is slurred speech a sign of stroke?",
    ],
)
def test_information_questions_do_not_escalate(detector, text):
    assert not escalates(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Is my dad's slurred speech a sign of stroke?",
        "My wife's face is drooping, what should I do?",
        "Why is my vision suddenly blurry?",
        "What should I do if my dad's face is drooping right now?",
    ],
)
def test_a_question_about_a_real_person_is_a_report(detector, text):
    assert escalates(detector, text)


# --- Wording --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "her vison went blurry suddently",
        "my visoin is blurry all of a sudden",
        "Sudenly my arm went numb",
        "I cnt move my hand",
        "he cant move his leg",
        "my arm is paralyzed",
        "my leg is paralised",
        "numbess in my face",
        "he has slured speech",
    ],
)
def test_common_typos(detector, text):
    assert escalates(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "MY DAD CANT TALK PROPERLY",
        "I CAN'T MOVE MY LEG",
        "SHE DIDN'T FAINT BUT HER FACE IS DROOPING",
        "HER FACE IS DROOPING",
    ],
)
def test_all_caps(detector, text):
    assert escalates(detector, text)
    assert not escalates(detector, "I DIDN'T FAINT")


@pytest.mark.parametrize(
    "text",
    [
        "my dad can't move his arm",
        "my wife sounds drunk",
        "grandma is talking gibberish",
        "he can't get his words out",
        "she is seeing double",
        "his face looks lopsided",
        "her arm is flopping",
        "my arm went dead",
    ],
)
def test_third_person_and_informal_words(detector, text):
    assert escalates(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "my arm went weak for 10 minutes and then it went away",
        "his speech was slurred earlier but it's fine now",
        "I had double vision for a few minutes, it has passed",
    ],
)
def test_symptoms_that_passed_still_escalate(detector, text):
    assessment = detector.assess(text)
    assert assessment.escalate
    assert any("TIA" in f.reason for f in assessment.findings)


def test_sign_in_the_middle_of_a_long_message(detector):
    before = "I've been doing my band exercises every morning and eating more protein. " * 12
    after = "Anyway, how many sets should I do for my calves? Thanks for the plan, it's great. " * 12
    assessment = detector.assess(before + "Last night my husband's face suddenly looked droopy. " + after)
    assert {f.sign for f in assessment.findings} == {"face_droop"}
    assert not escalates(detector, before + after)


# --- Odd input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t  \n",
        "😀",
        "🙃" * 5000,
        "‼️🆘",
        "\u200b\u200b",
        "ÀÉÎ õü 中文 العربية",
        "\x00\x07bell",
        "?!?!?!",
        "...",
        "'",
        "can't",
        "n't",
        "not",
        "no no no no",
        "💪🏽 legs 💪🏽",
    ],
)
def test_odd_input_does_not_crash_or_escalate(detector, text):
    assert detector.assess(text) == Assessment(escalate=False, findings=())


def test_odd_unicode_around_a_sign(detector):
    assert escalates(detector, "😱😱 my dad’s face is drooping!!! 🆘")
    assert escalates(detector, "my fa\u200bce is dro\u200boping")
    assert escalates(detector, "ｍｙ ｆａｃｅ ｉｓ ｄｒｏｏｐｉｎｇ")  # full-width letters


def test_none_and_non_strings_do_not_crash(detector):
    assert not detector.assess(None).escalate  # type: ignore[arg-type]
    assert not detector.assess(42).escalate  # type: ignore[arg-type]


def test_100_kb_message_is_fast_and_keeps_a_sign_in_the_middle(detector):
    half = "My legs feel a little tired after the stairs and I want to build muscle slowly. " * 625
    text = half + "Then out of nowhere his speech was slurred. " + half
    assert len(text) > 100_000
    started = time.perf_counter()
    assessment = detector.assess(text)
    elapsed = time.perf_counter() - started
    print(f"\n[red flags] 100 KB message assessed in {elapsed:.2f}s")
    assert {f.sign for f in assessment.findings} == {"speech"}
    assert elapsed < 3.0


def test_100_kb_without_spaces_is_fast(detector):
    started = time.perf_counter()
    assert not escalates(detector, "😀" * 50_000 + "x" * 50_000)
    assert time.perf_counter() - started < 3.0


# --- Pipeline: build, load, fallbacks ------------------------------------------------------------------------


def test_build_script_writes_a_loadable_pipeline_idempotently(tmp_path):
    import spacy

    build_script = runpy.run_path(str(ROOT / "scripts" / "build_spacy.py"))
    out = tmp_path / "en_atrophy"
    snapshots = []
    for _ in range(2):
        assert build_script["main"]([str(out)]) == 0
        snapshots.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert snapshots[0] == snapshots[1], "rebuilding changed the output"
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["entity_ruler"]
    assert [t.text for t in nlp("I can't move my arm.")] == ["I", "ca", "n't", "move", "my", "arm", "."]
    assert json.loads((out / "meta.json").read_text())["atrophy_red_flag_rules"] == rules_fingerprint()
    assert escalates(RedFlagDetector.load(str(out)), "my leg is paralysed")


def test_load_builds_in_memory_when_the_path_is_missing(tmp_path):
    detector = RedFlagDetector.load(str(tmp_path / "missing"))
    assert "entity_ruler" in detector.nlp.pipe_names
    assert escalates(detector, "I can't move my arm")


def test_stale_build_falls_back_to_the_current_rules():
    nlp = build_pipeline()
    nlp.get_pipe("entity_ruler").clear()
    nlp.meta["atrophy_red_flag_rules"] = "stale"
    assert escalates(RedFlagDetector(nlp), "my leg is paralysed")


def test_default_detector_is_a_cached_singleton():
    assert default_detector() is default_detector()
