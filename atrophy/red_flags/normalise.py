"""Chat shorthand expanded and spelling corrected towards the words a stroke report is made of.

People write "storke", "sudenly", "numbb" and "vison", often in a panic or with one hand. The sentence encoder cuts
an unknown word into meaningless pieces, so a misspelled key word loses its meaning. symspellpy corrects each word
that is in neither its English frequency dictionary nor the domain vocabulary (every word of the red-flag lexicon,
`data/red_flags/lexicon.yml`), and the domain words are weighted so that "storke" becomes "stroke", not "store".
Known words are never changed, nor informal words symspellpy lacks (the `keep` list), and short words (3 letters or
fewer) are left alone; the lexicon's own table of known misspellings ("slurd") is applied before symspellpy, which
would pick a nearer English word ("slurs"). Chat shorthand ("rt arm",
"5 mins", "cnt talk") is expanded first from `data/red_flags/shorthand.yml`.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

import yaml
from symspellpy import SymSpell, Verbosity

from atrophy.red_flags import lexicon

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
SHORTHAND_FILE = Path(__file__).resolve().parents[2] / "data" / "red_flags" / "shorthand.yml"
# A shorthand token: letters and digits, with an optional "/" ("w/", "w/o"), between word boundaries.
_TOKEN = re.compile(r"(?<![\w/])[A-Za-z0-9]+(?:/[A-Za-z]*)?(?![\w/])")
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


class _Speller:
    """One symspellpy dictionary for every vocabulary it is asked with: English plus the lexicon's words, and the
    words of each `extra` vocabulary (the question topics' names) as they come. The red-flag and the topic
    classifiers each had a dictionary of their own, 134 MB apiece; this one answers each as its own did: a word added
    for another vocabulary does not exist, and does not weigh, for a call that does not name it.

    Deletes are indexed on 5-letter prefixes (symspellpy's default, 7, took four times the memory); the candidates
    found are checked against the whole word either way, and the corrections of every text of the project's corpora
    came out the same (docs/performance.md)."""

    def __init__(self) -> None:
        self.symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=5)
        dictionary = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
        with resources.as_file(dictionary) as path:
            self.symspell.load_dictionary(str(path), term_index=0, count_index=1)
        self.domain = domain_vocabulary()
        self.added: set[str] = set()
        self.add(self.domain)

    def add(self, words: frozenset[str]) -> None:
        for word in words - self.added:
            self.symspell.create_dictionary_entry(word, DOMAIN_COUNT)
        self.added |= words

    def count(self, word: str, extra: frozenset[str]) -> int:
        """The word's weight in the dictionary of the lexicon and `extra` (0: not in it)."""
        count = self.symspell.words.get(word, 0)
        if word in self.added and word not in self.domain and word not in extra:
            count -= DOMAIN_COUNT
        return count

    def closest(self, word: str, distance: int, extra: frozenset[str]) -> list[tuple[str, int]]:
        """The known words nearest to `word` (within `distance` edits), with their weights, heaviest first."""
        found = []
        for suggestion in self.symspell.lookup(word, Verbosity.ALL, max_edit_distance=distance, transfer_casing=False):
            count = self.count(suggestion.term, extra)
            if count > 0:
                found.append((suggestion.distance, suggestion.term, count))
        nearest = min((d for d, _, _ in found), default=None)
        near = [(term, count) for d, term, count in found if d == nearest]
        return sorted(near, key=lambda pair: -pair[1])


@functools.lru_cache(maxsize=1)
def _shared_speller() -> _Speller:
    return _Speller()


def _speller(extra: frozenset[str]) -> _Speller:
    speller = _shared_speller()
    speller.add(extra)  # (words it holds already are skipped)
    return speller


@functools.lru_cache(maxsize=50_000)
def correct_word(word: str, extra: frozenset[str] = frozenset()) -> str:
    """The word, or its correction when it is unknown: one edit for words of up to 5 letters, two beyond.
    `extra` adds domain words (the question topics' names) to the red-flag lexicon's."""
    low = word.lower()
    if len(low) <= 3 or "'" in low or low in kept_words():
        return word
    if low in lexicon.TYPOS:  # a known misspelling of a key word ("slurd") before any nearer English word ("slurs")
        fixed = lexicon.TYPOS[low]
        return fixed.upper() if word.isupper() else fixed
    speller = _speller(extra)
    if speller.count(low, extra) > 0:
        return word
    suggestions = speller.closest(low, 1 if len(low) <= 5 else 2, extra)
    if not suggestions:
        return word
    fixed = max(suggestions, key=lambda pair: (is_subsequence(low, pair[0]), pair[1]))[0]
    return fixed.upper() if word.isupper() else fixed


def is_subsequence(short: str, long: str) -> bool:
    """Is `short` `long` with letters left out? Hurried and one-handed typing drops letters far more often than it
    swaps them ("wher", "sudenly"), so among corrections at the same distance the one that only adds letters wins
    ("wher" -> "where", not "when")."""
    letters = iter(long)
    return all(c in letters for c in short)


@functools.lru_cache(maxsize=2)
def shorthand(section: str = "words") -> dict[str, str]:
    data = yaml.safe_load(SHORTHAND_FILE.read_text(encoding="utf-8"))
    return {str(k).lower(): str(v) for k, v in data[section].items()}


@functools.lru_cache(maxsize=1)
def kept_words() -> frozenset[str]:
    """Informal words that are right as written though symspellpy's dictionary lacks them."""
    data = yaml.safe_load(SHORTHAND_FILE.read_text(encoding="utf-8"))
    return frozenset(str(w).lower() for w in data.get("keep") or ())


_NUMBER_THEN_WORD = re.compile(r"(?<![\w])(\d+)([A-Za-z]+)(?![\w])")


def expand_shorthand(text: str) -> str:
    """ "rt arm" -> "right arm", "20m" -> "20 minutes": whole tokens only, from the shorthand table."""
    table, units = shorthand("words"), shorthand("after_a_number")
    text = _TOKEN.sub(lambda m: table.get(m.group(0).lower(), m.group(0)), text)
    return _NUMBER_THEN_WORD.sub(
        lambda m: (
            m.group(0)
            if m.group(0).lower() in table
            else f"{m.group(1)} {units.get(m.group(2).lower(), table.get(m.group(2).lower(), m.group(2)))}"
        ),
        text,
    )


def normalise(text: str, extra: frozenset[str] = frozenset()) -> str:
    """The message with its shorthand expanded and misspelled words corrected; everything else as written."""
    return _WORD.sub(lambda m: correct_word(m.group(0), extra), expand_shorthand(text))
