"""The words and patterns of the stroke red-flag rules, read from `data/red_flags/lexicon.yml`.

Sources: the BE-FAST / FAST signs and "other sudden signs" in shared/content/atrophy-facts.md, and the seed page's
"seek immediate care" list (sudden weakness with a change in vision, loss of consciousness, paralysis or inability
to move a body part).

Patterns are written in a tiny token language compiled by `atrophy.red_flags.rules.compile_pattern`; every token is
matched on its normalised form (lower case, contractions split, typos corrected):

    word        that exact word                 a|b|c     any of these words
    @CLASS      any word of WORDS[CLASS]        <PHRASE>  any word sequence of PHRASES[PHRASE]
    #           a number ("10", "two")          ~         one optional filler word (not a negation,
    x?          makes the element optional                 not a clause break)
    $           (last) the match must end its clause, so "can't talk" is not "can't talk to my boss"

The data file keeps one section per name below (in lower case); this module exposes them as constants so the rules
read like code.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import yaml

LEXICON_FILE = Path(__file__).resolve().parents[2] / "data" / "red_flags" / "lexicon.yml"


class SignRule(NamedTuple):
    """One way a sign shows up in a message, and what it takes for it to count."""

    id: str
    sign: str
    reason: str
    patterns: tuple[str, ...]
    # Context needed for the sign to count, any one of: "acute" (sudden, time-anchored or passed),
    # "side" (one-sided), "dizzy", "body" (a body part is named). Empty: the wording is a red flag alone.
    needs: tuple[str, ...] = ()
    # Benign explanations that cancel it when present nearby (keys of CUES), e.g. "injury" for a cast.
    benign: tuple[str, ...] = ()


_DATA = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))

WORDS: dict[str, list[str]] = _DATA["words"]
PHRASES: dict[str, list[str]] = _DATA["phrases"]
NEGATIONS: list[str] = _DATA["negations"]
CLAUSE_BREAKS: list[str] = _DATA["clause_breaks"]
SEGMENT_BREAKS: list[str] = _DATA["segment_breaks"]
SENTENCE_ENDS: list[str] = _DATA["sentence_ends"]
FILLER_BLOCK: list[str] = _DATA["filler_block"]
PSEUDO_NEGATION_NEXT: list[str] = _DATA["pseudo_negation_next"]
LIST_CONNECTORS: list[str] = _DATA["list_connectors"]
CLAUSE_STARTERS: list[str] = _DATA["clause_starters"]
QUESTION_OPENERS: list[str] = _DATA["question_openers"]
NOT_QUESTION_NEXT: list[str] = _DATA["not_question_next"]
ANCHOR_WORDS: list[str] = _DATA["anchor_words"]
ANCHOR_POSSESSIVES: list[str] = _DATA["anchor_possessives"]
ANCHOR_NOUNS: list[str] = _DATA["anchor_nouns"]
GENERIC_WORDS: list[str] = _DATA["generic_words"]
CONDITIONALS: list[str] = _DATA["conditionals"]
UNCERTAIN_BEFORE_IF: list[str] = _DATA["uncertain_before_if"]
END_OK: list[str] = _DATA["end_ok"]
BENIGN_NEXT_SENTENCE: tuple[str, ...] = tuple(_DATA["benign_next_sentence"])
SIGN_RULES: tuple[SignRule, ...] = tuple(
    SignRule(
        r["id"], r["sign"], r["reason"], tuple(r["patterns"]), tuple(r.get("needs", ())), tuple(r.get("benign", ()))
    )
    for r in _DATA["sign_rules"]
)
CUES: dict[str, list[str]] = _DATA["cues"]
BODY_REGIONS: dict[str, list[str]] = _DATA["body_regions"]
COMMON_WORDS: list[str] = _DATA["common_words"]
TYPOS: dict[str, str] = _DATA["typos"]
FUZZY_TARGETS: list[str] = _DATA["fuzzy_targets"]
FUZZY_GUARD: list[str] = _DATA["fuzzy_guard"]
CONTRACTION_BASES: dict[str, str] = _DATA["contraction_bases"]
