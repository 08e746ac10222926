"""Spelling correction towards the words a stroke report is made of, before the classifier reads a message.

People write "storke", "sudenly", "numbb" and "vison", often in a panic or with one hand. The sentence encoder cuts
an unknown word into meaningless pieces, so a misspelled key word loses its meaning. symspellpy corrects each word
that is in neither its English frequency dictionary nor the domain vocabulary (every word of the red-flag lexicon,
`data/red_flags/lexicon.yml`), and the domain words are weighted so that "storke" becomes "stroke", not "store".
Known words are never changed, and short words (3 letters or fewer) are left alone: "cnt" and "pls" are SMS, not
typos.
"""
from __future__ import annotations

import functools
import re
from importlib import resources

from symspellpy import SymSpell, Verbosity

from atrophy.red_flags import lexicon

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# A domain word outweighs any ordinary English word at the same edit distance.
DOMAIN_COUNT = 10**11


def domain_vocabulary() -> frozenset[str]:
    """Every word the lexicon knows: its word classes, phrases, pattern words, typo targets and fuzzy targets."""
    words: set[str] = set()
    for group in lexicon.WORDS.values():
        words.update(group)
    for phrases in list(lexicon.PHRASES.values()) + list(lexicon.CUES.values()):
        for phrase in phrases:
            words.update(phrase.split())
    for rule in lexicon.SIGN_RULES:
        for pattern in rule.patterns:
            for element in pattern.split():
                words.update(element.rstrip("?").split("|"))
    words.update(lexicon.TYPOS.values())
    words.update(lexicon.FUZZY_TARGETS)
    return frozenset(w for w in words if w.isalpha() and len(w) > 2)


@functools.lru_cache(maxsize=1)
def _speller() -> SymSpell:
    speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    dictionary = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    with resources.as_file(dictionary) as path:
        speller.load_dictionary(str(path), term_index=0, count_index=1)
    for word in domain_vocabulary():
        speller.create_dictionary_entry(word, DOMAIN_COUNT)
    return speller


@functools.lru_cache(maxsize=50_000)
def correct_word(word: str) -> str:
    """The word, or its correction when it is unknown: one edit for words of up to 5 letters, two beyond."""
    low = word.lower()
    if len(low) <= 3 or "'" in low:
        return word
    speller = _speller()
    if low in speller.words:
        return word
    suggestions = speller.lookup(low, Verbosity.TOP, max_edit_distance=1 if len(low) <= 5 else 2,
                                 transfer_casing=False)
    if not suggestions:
        return word
    fixed = suggestions[0].term
    return fixed.upper() if word.isupper() else fixed


def normalise(text: str) -> str:
    """The message with its misspelled words corrected; everything else is kept as written."""
    return _WORD.sub(lambda m: correct_word(m.group(0)), text)
