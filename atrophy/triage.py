"""The guided symptom check's logic, pure and testable: read answers, pick cause categories and a level of care.

It never diagnoses: it names the kinds of causes the sources link to what the user described and how soon to get
care. Stroke signs are handled before this module (the RedFlagClassifier escalates at once); if they are passed
in anyway, the result is the emergency level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

EMERGENCY = "emergency"
PROMPT = "prompt"
ROUTINE = "routine"

SUDDEN, GRADUAL = "sudden", "gradual"
ONE_MUSCLE, MUSCLE_GROUP, ONE_SIDE, WHOLE_BODY = "one_muscle", "muscle_group", "one_side", "whole_body"
NONE = "none"

_NO = r"\b(no|nope|nah|none|neither|nothing|not really|don'?t|do not|never|haven'?t|have not|i'?m not|am not|isn'?t)\b"
_YES = r"\b(yes|yeah|yep|yup|sure|correct|i do|i am|i have|a lot|heavily|daily|every day|regularly|quite a bit)\b"

_ONSET = [
    (SUDDEN, r"sudden|overnight|all at once|out of nowhere|quickly|fast|today|yesterday|hours?\b|this morning"),
    (
        GRADUAL,
        r"gradual|slow|over (the )?(weeks|months|years)|for (weeks|months|years)|bit by bit|little by little"
        r"|weeks|months|years|over time|creeping|steadily",
    ),
]
_EXTENT = [
    (ONE_SIDE, r"one side|left side|right side|half of (my|the|his|her) body"),
    (WHOLE_BODY, r"whole body|entire body|all over|everywhere|all (my|his|her|of my) muscles|every muscle|whole"),
    (
        MUSCLE_GROUP,
        r"group|both (legs|arms|thighs|calves|shoulders|hips)|legs|arms|thighs|shoulders|hips|several"
        r"|a few|more than one|muscles",
    ),
    (
        ONE_MUSCLE,
        r"one muscle|single|just (one|my|the)|only (one|my|the)|one (arm|leg|hand|calf|thigh|shoulder|foot)"
        r"|\b(arm|leg|hand|calf|thigh|shoulder|foot|bicep|quad)\b",
    ),
]
_SYMPTOMS = {
    "numbness": r"numb|tingl|pins and needles|can'?t feel|no feeling|loss of feeling",
    "pain": r"pain|hurt|ache|aching|sore|burning",
    "swelling": r"swell|swollen|puffy",
}
# Known conditions the user may mention, and the cause categories the knowledge base links them to.
_CONDITIONS = {
    "diabetes": (r"diabet|blood sugar", ["neurogenic"]),
    "arthritis": (r"arthrit|\bra\b|\boa\b|joint", ["disuse"]),
    "injury": (r"injur|broke|broken|fracture|accident|fall\b|fell|surgery|operation|burn", ["injury", "disuse"]),
    "bed_rest": (
        r"bed ?rest|bedridden|bed bound|hospital|cast|immobil|sitting|inactive|sedentary|couch|desk",
        ["disuse"],
    ),
    "nerve_disease": (
        r"multiple sclerosis|\bms\b|\bals\b|lou gehrig|motor neuron|guillain|\bgbs\b|neuropath|nerve",
        ["neurogenic"],
    ),
    "spinal_cord_injury": (r"spinal|spine|back injury", ["neurogenic", "injury"]),
    "past_stroke": (r"stroke|\btia\b", ["neurogenic", "injury"]),
    "steroids": (r"steroid|prednis|cortison", ["other"]),
    "malnutrition": (r"not eating|weight loss|lost weight|malnutri|poor diet|appetite", ["nutritional"]),
    "illness": (r"cancer|heart failure|copd|chemo", ["other"]),
}
_CATEGORY_ORDER = ["neurogenic", "disuse", "injury", "alcohol", "nutritional", "ageing", "other"]


def _first(patterns: list[tuple[str, str]], text: str) -> str | None:
    text = (text or "").lower()
    for value, pattern in patterns:
        if re.search(pattern, text):
            return value
    return None


def parse_onset(text: str) -> str | None:
    return _first(_ONSET, text)


def parse_extent(text: str) -> str | None:
    return _first(_EXTENT, text)


def parse_yes_no(text: str, intent: str | None = None) -> bool | None:
    """Yes/no from the intent when the NLU is sure of it, else from the words."""
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    text = (text or "").lower()
    if re.search(_NO, text):
        return False
    if re.search(_YES, text):
        return True
    return None


def parse_symptoms(text: str, intent: str | None = None) -> list[str] | None:
    """The accompanying symptoms named (numbness, pain, swelling), [NONE] for "no", None when unclear."""
    found = [name for name, pattern in _SYMPTOMS.items() if re.search(pattern, (text or "").lower())]
    if found:
        return found
    return [NONE] if parse_yes_no(text, intent) is False else None


def parse_conditions(text: str, intent: str | None = None) -> list[str] | None:
    """Known conditions named (diabetes, arthritis, injury, bed rest, ...), [NONE] for "no", None when unclear."""
    found = [name for name, (pattern, _) in _CONDITIONS.items() if re.search(pattern, (text or "").lower())]
    if found:
        return found
    return [NONE] if parse_yes_no(text, intent) is False else None


@dataclass(frozen=True)
class Answers:
    onset: str | None = None
    extent: str | None = None
    symptoms: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    alcohol: bool | None = None
    treated: bool | None = None


@dataclass(frozen=True)
class Assessment:
    care: str
    categories: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def likely_categories(answers: Answers) -> list[str]:
    """Cause-category slugs linked to the answers, most specific first; empty when nothing points anywhere."""
    found: list[str] = []
    for condition in answers.conditions:
        found += _CONDITIONS.get(condition, ("", []))[1]
    if answers.alcohol:
        found.append("alcohol")
    if "numbness" in answers.symptoms or answers.onset == SUDDEN:
        found.append("neurogenic")  # nerve problems bring numbness and can start suddenly
    if answers.extent == WHOLE_BODY and answers.onset == GRADUAL:
        found += ["ageing", "nutritional"]
    if not found and answers.onset == GRADUAL:
        found += ["disuse", "ageing"]
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=_CATEGORY_ORDER.index)


def assess(answers: Answers) -> Assessment:
    """The level of care and the likely cause categories. Emergency > prompt > routine."""
    categories = likely_categories(answers)
    # Stroke signs reported during the check never reach here: the red-flag decision escalates them first
    # (addons/red_flag_classifier.py, the emergency rules in data/rules.yml).
    if answers.onset == SUDDEN and answers.extent == ONE_SIDE:
        # Weakness (the subject of the check) that came on suddenly on one side of the body is a stroke sign.
        return Assessment(EMERGENCY, categories, ["sudden weakness on one side of the body can be a stroke"])
    reasons = []
    if answers.treated:
        reasons.append("you are already being treated for muscle atrophy and the symptoms are still there")
    if answers.onset == SUDDEN:
        reasons.append("it came on suddenly")
    if answers.extent == ONE_SIDE:
        reasons.append("it affects one side of the body")
    if reasons:
        return Assessment(PROMPT, categories, reasons)
    return Assessment(ROUTINE, categories, ["nothing you described calls for faster care"])
