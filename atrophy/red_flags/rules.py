"""Deterministic stroke red-flag detector: does a message report a stroke warning sign?

Missing a stroke is the worst failure of the assistant, so this is rules, not a model: every decision can
be traced to a pattern in `data/red_flags/lexicon.yml` and to the context that let it count or cancelled it.

How a message is read:
1. Text is cleaned (Unicode NFKC, curly quotes, zero-width characters), capped at MAX_CHARS and cut into
   chunks at sentence ends, so a 100 KB message stays fast and a sign in its middle is still seen.
2. spaCy's standard English tokenizer splits it; each token gets a normalised form (lower case,
   "CANT" -> "can" + "not", typos such as "visoin" -> "vision") that all patterns match on.
3. The sign patterns (held by the pipeline's `entity_ruler`) find candidate signs; context patterns
   find cues (sudden, slow change, a cast, a question ...).
4. Each candidate is judged within its sentence, clause (split at "but", or "and"/"," before a new
   subject) and segment (split at commas and "and"/"or"): negated, explained away (injury, gym, slow
   change over months), hypothetical or a general question about strokes -> dropped; otherwise it is a
   finding. When in doubt a report about a real person wins.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, NamedTuple

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from atrophy.red_flags import lexicon as rules

logger = logging.getLogger(__name__)

SIGNS = (
    "weakness_numbness",
    "face_droop",
    "arm_weakness",
    "speech",
    "vision",
    "consciousness",
    "paralysis",
    "balance",
    "confusion",
    "headache",
    "suspected_stroke",
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PIPELINE = REPO_ROOT / "build" / "spacy" / "en_atrophy"
RULES_META_KEY = "atrophy_red_flag_rules"
# A chat message is never this long; beyond it the rest is ignored (about a second of work).
MAX_CHARS = 300_000
# Text is processed in pieces of about this size, cut at sentence ends.
CHUNK_CHARS = 20_000
# How far back (in tokens, within the segment or clause) a negation or an "if" reaches.
NEGATION_WINDOW = 8
CONDITIONAL_WINDOW = 15


@dataclass(frozen=True)
class Finding:
    sign: str  # one of SIGNS
    evidence: str  # the words in the message that matched
    reason: str  # short human-readable why


@dataclass(frozen=True)
class Assessment:
    escalate: bool
    findings: tuple[Finding, ...]

    def explain(self) -> str:
        """One line for logs: each sign with its evidence and reason."""
        if not self.findings:
            return "no stroke warning sign found"
        return "; ".join(f"{f.sign}: '{f.evidence}' ({f.reason})" for f in self.findings)


# --- Pattern language (documented in atrophy.red_flags.lexicon) --------------------------------------------------

_FILLER = {"NORM": {"NOT_IN": sorted(set(rules.FILLER_BLOCK))}, "IS_SPACE": False, "OP": "?"}


def _token_pattern(element: str) -> dict:
    if element == "#":
        return {"LIKE_NUM": True}
    if element == "YEAR":
        return {"SHAPE": "dddd"}
    words = sorted({w for alt in element.split("|") for w in (rules.WORDS[alt[1:]] if alt.startswith("@") else [alt])})
    return {"NORM": words[0]} if len(words) == 1 else {"NORM": {"IN": words}}


def compile_pattern(source: str) -> tuple[list[list[dict]], bool]:
    """Expand one pattern string into spaCy token patterns; also says whether it ends with `$`."""
    elements = source.split()
    end_anchored = elements[-1] == "$"
    if end_anchored:
        elements = elements[:-1]
    sequences: list[list[dict]] = [[]]
    for element in elements:
        optional = len(element) > 1 and element.endswith("?")
        core = element[:-1] if optional else element
        if core == "~":
            alternatives = [[dict(_FILLER)]]
        elif core.startswith("<"):
            alternatives = [[_token_pattern(w) for w in phrase.split()] for phrase in rules.PHRASES[core[1:-1]]]
            if optional:
                alternatives.append([])
        else:
            token = _token_pattern(core)
            if optional:
                token["OP"] = "?"
            alternatives = [[token]]
        sequences = [seq + alt for seq in sequences for alt in alternatives]
    return sequences, end_anchored


@functools.lru_cache(maxsize=None)
def sign_patterns() -> tuple[dict, ...]:
    """The entity-ruler patterns of all sign rules: label = sign, id = rule id (+ "$" if end-anchored)."""
    out = []
    for rule in rules.SIGN_RULES:
        for source in rule.patterns:
            sequences, end_anchored = compile_pattern(source)
            pattern_id = rule.id + ("$" if end_anchored else "")
            out += [{"label": rule.sign, "pattern": seq, "id": pattern_id} for seq in sequences]
    return tuple(out)


def rules_fingerprint() -> str:
    """Hash of the compiled sign patterns, stored in the built pipeline to detect a stale build."""
    return hashlib.sha256(json.dumps(sign_patterns(), sort_keys=True).encode()).hexdigest()[:16]


def build_pipeline() -> Language:
    """A blank English pipeline (standard tokenizer) whose `entity_ruler` holds the sign patterns."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns([dict(p) for p in sign_patterns()])
    nlp.meta["name"] = "atrophy"
    nlp.meta["description"] = "Blank English pipeline with the stroke red-flag rules (data/red_flags/lexicon.yml)"
    nlp.meta[RULES_META_KEY] = rules_fingerprint()
    return nlp


def _load_pipeline(path: str | Path | None) -> Language:
    candidates = [Path(path)] if path else [DEFAULT_PIPELINE]
    if path and not Path(path).is_absolute():
        candidates.append(REPO_ROOT / path)
    for candidate in candidates:
        if (candidate / "config.cfg").exists():
            return spacy.load(candidate)
    logger.info("No spaCy pipeline at %s; building the red-flag rules in memory", candidates[0])
    return build_pipeline()


# --- Text normalisation ---------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_CONTRACTION = re.compile(r"([a-z]+?)(n'?t)")
_FUZZY_TARGETS = frozenset(rules.FUZZY_TARGETS)
_FUZZY_GUARD = frozenset(rules.FUZZY_GUARD)


_LONG_RUN = re.compile(r"\S{80}")


def _clean(text: str) -> str:
    """NFKC, straight quotes, no invisible or control characters, and no run of more than 80 non-space
    characters (spaCy's tokenizer gets slow on long runs of emoji or punctuation)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_QUOTES)
    if not text.isprintable():
        text = "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)
    return _LONG_RUN.sub(lambda m: m.group(0) + " ", text)


def _chunks(text: str) -> Iterator[str]:
    """Pieces of at most CHUNK_CHARS, cut after a sentence end (else at a space) so no sign is split."""
    while len(text) > CHUNK_CHARS:
        window = text[:CHUNK_CHARS]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "), window.rfind("\n"))
        if cut < CHUNK_CHARS // 2:
            cut = window.rfind(" ")
        cut = cut + 1 if cut > 0 else CHUNK_CHARS
        yield text[:cut]
        text = text[cut:]
    yield text


def _one_edit(word: str, target: str) -> bool:
    """True when `word` is one insertion, deletion, substitution or swap of neighbours from `target`."""
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target)) if a != b]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == target[diff[1]]
            and word[diff[1]] == target[diff[0]]
        )
    short, long_ = sorted((word, target), key=len)
    if len(long_) - len(short) != 1:
        return False
    i = next((k for k, (a, b) in enumerate(zip(short, long_)) if a != b), len(short))
    return short[i:] == long_[i + 1 :]


@functools.lru_cache(maxsize=100_000)
def normalise(word: str) -> str:
    """Canonical form of one token: lower case, known typos fixed, one-edit typos of key words fixed."""
    word = word.lower()
    if word in rules.TYPOS:
        return rules.TYPOS[word]
    if len(word) >= 5 and word.isalpha() and word not in _FUZZY_TARGETS and word not in _FUZZY_GUARD:
        for target in rules.FUZZY_TARGETS:
            if abs(len(target) - len(word)) <= 1 and _one_edit(word, target):
                return target
    return word


def _split_contraction(text: str) -> list[tuple[str, str]] | None:
    """("CANT") -> [("CA", "can"), ("NT", "not")]: one-token negated auxiliaries spaCy leaves whole."""
    low = text.lower()
    if low == "cannot":
        return [(text[:3], "can"), (text[3:], "not")]
    match = _CONTRACTION.fullmatch(low)
    if not match or match.group(1) not in rules.CONTRACTION_BASES:
        return None
    cut = len(match.group(1))
    return [(text[:cut], rules.CONTRACTION_BASES[match.group(1)]), (text[cut:], "not")]


# --- Detection --------------------------------------------------------------------------------------------

_RULES = {rule.id: rule for rule in rules.SIGN_RULES}
_WORD_SETS = {
    name: frozenset(words)
    for name, words in {
        "negation": rules.NEGATIONS,
        "pseudo": rules.PSEUDO_NEGATION_NEXT,
        "list": rules.LIST_CONNECTORS,
        "clause": rules.CLAUSE_BREAKS,
        "segment": rules.SEGMENT_BREAKS,
        "sentence": rules.SENTENCE_ENDS,
        "starter": rules.CLAUSE_STARTERS,
        "opener": rules.QUESTION_OPENERS,
        "not_q": rules.NOT_QUESTION_NEXT,
        "anchor": rules.ANCHOR_WORDS,
        "possessive": rules.ANCHOR_POSSESSIVES,
        "anchor_noun": rules.ANCHOR_NOUNS,
        "generic": rules.GENERIC_WORDS,
        "conditional": rules.CONDITIONALS,
        "uncertain": rules.UNCERTAIN_BEFORE_IF,
        "end_ok": rules.END_OK,
    }.items()
}
_REGION_OF = {word: region for region, words in rules.BODY_REGIONS.items() for word in words}
_LONGEST_CUE = 16  # tokens; cue patterns are never longer
_POST_NEGATION = frozenset({"none", "no", "nope", "nil", "negative", "absent", "denied"})
_ANAPHORA = frozenset(
    {
        "it",
        "this",
        "that",
        "these",
        "those",
        "they",
        "both",
        "same",
        "its",
        "been",
        "has",
        "have",
        "had",
        "all",
        "which",
    }
)


@functools.lru_cache(maxsize=None)
def _cue_patterns() -> tuple[tuple[str, list[list[dict]]], ...]:
    out = []
    for label, sources in rules.CUES.items():
        for source in sources:
            sequences, end_anchored = compile_pattern(source)
            out.append((label + ("$" if end_anchored else ""), sequences))
    return tuple(out)


_COMMON_WORDS = frozenset(rules.COMMON_WORDS)


def _required_words(sequences) -> frozenset[str]:
    """Words of which every pattern needs one: per pattern, the smallest word set of a required token,
    preferring sets without common words so that few sentences pass the filter."""
    words: set[str] = set()
    for seq in sequences:
        options = [
            set(t["NORM"]["IN"]) if isinstance(t["NORM"], dict) else {t["NORM"]}
            for t in seq
            if "NORM" in t and "OP" not in t and not (isinstance(t["NORM"], dict) and "NOT_IN" in t["NORM"])
        ]
        words |= min(options, key=lambda o: (len(o & _COMMON_WORDS), len(o)))
    return frozenset(words)


class _Candidate(NamedTuple):
    rule: rules.SignRule
    start: int
    end: int


class _Reading:
    """One chunk of text, tokenised and split into sentences, clauses and segments, with its cues."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.norms = [t.norm_ for t in doc]
        self.sent, self.clause, self.seg = self._split()
        self._ranges = {id(ids): self._ranges_of(ids) for ids in (self.sent, self.clause, self.seg)}
        self._positions: dict[str, list[int]] = {}
        for i, norm in enumerate(self.norms):
            self._positions.setdefault(norm, []).append(i)
        self._question: dict[tuple[int, int], bool] = {}
        self._anchored: dict[tuple[int, int], bool] = {}
        self.cues: dict[str, list[tuple[int, int]]] = {}
        self._cue_starts: dict[str, list[int]] = {}
        self.frame_tokens: set[int] = set()

    def add_cues(self, cue_matches: list[tuple[str, int, int]]) -> None:
        for label, start, end in cue_matches:
            if label.endswith("$"):
                if not self.ends_clause(end):
                    continue
                label = label[:-1]
            self.cues.setdefault(label, []).append((start, end))
        for spans in self.cues.values():
            spans.sort()
        self._cue_starts = {label: [s for s, _ in spans] for label, spans in self.cues.items()}
        self.frame_tokens = {i for s, e in self.cues.get("frame", []) for i in range(s, e)}

    def _split(self) -> tuple[list[int], list[int], list[int]]:
        w = _WORD_SETS
        sent, clause, seg = [], [], []
        s = c = g = 0
        new_sentence = False
        for i, token in enumerate(self.doc):
            norm = self.norms[i]
            if new_sentence:
                s, c, g, new_sentence = s + 1, c + 1, g + 1, False
            if norm in w["clause"]:
                c, g = c + 1, g + 1
            elif norm in w["segment"]:
                g += 1
                if (
                    norm in ("and", ",", "or", "so", "&")
                    and i + 1 < len(self.doc)
                    and self.norms[i + 1] in w["starter"]
                ):
                    c += 1
            sent.append(s)
            clause.append(c)
            seg.append(g)
            if norm in w["sentence"] or (token.is_space and "\n" in token.text):
                new_sentence = True
        return sent, clause, seg

    @staticmethod
    def _ranges_of(ids: list[int]) -> dict[int, tuple[int, int]]:
        ranges: dict[int, tuple[int, int]] = {}
        for i, unit in enumerate(ids):
            ranges[unit] = (ranges.get(unit, (i, i))[0], i + 1)
        return ranges

    def span_of(self, ids: list[int], i: int) -> tuple[int, int]:
        """Token range of the sentence / clause / segment (given by `ids`) that contains token i."""
        return self._ranges[id(ids)][ids[i]]

    def sentence_window(self, i: int, own_sentences: set[int]) -> list[tuple[int, int]]:
        """[sentence of token i, next sentence, previous sentence]; a neighbour is left out (empty range)
        when it holds a sign of its own, since it then speaks for itself."""
        start, end = self.span_of(self.sent, i)
        out = [(start, end), (end, end), (start, start)]
        if end < len(self.doc) and self.sent[end] not in own_sentences:
            out[1] = self.span_of(self.sent, end)
        if start > 0 and self.sent[start - 1] not in own_sentences:
            out[2] = self.span_of(self.sent, start - 1)
        return out

    def refers_back(self, span: tuple[int, int]) -> bool:
        """Does this sentence start with "it", "this", ... (so it talks about the sentence before)?"""
        words = [n for n, t in zip(self.norms[span[0] : span[1]], self.doc[span[0] : span[1]]) if not t.is_space]
        return bool(words) and words[0] in _ANAPHORA

    def has(self, label: str, start: int, end: int) -> tuple[int, int] | None:
        """The first cue of this kind overlapping [start, end), if any."""
        spans = self.cues.get(label)
        if not spans or start >= end:
            return None
        for k in range(bisect.bisect_left(self._cue_starts[label], start - _LONGEST_CUE), len(spans)):
            s, e = spans[k]
            if s >= end:
                break
            if e > start:
                return s, e
        return None

    def ends_clause(self, end: int) -> bool:
        while end < len(self.doc) and self.doc[end].is_space:
            end += 1
        if end >= len(self.doc):
            return True
        norm = self.norms[end]
        return (
            self.doc[end].is_punct
            or norm in _WORD_SETS["end_ok"]
            or norm in _WORD_SETS["sentence"]
            or norm in _WORD_SETS["segment"]
            or norm in _WORD_SETS["clause"]
        )

    def sentences_with(
        self, words: frozenset[str], within: list[tuple[int, int]] | None = None
    ) -> list[tuple[int, int]]:
        """Token ranges of the sentences (inside `within`) holding any of `words`, neighbours merged."""
        hits = sorted({i for word in words & self._positions.keys() for i in self._positions[word]})
        if within is not None:
            hits = [i for i in hits if any(s <= i < e for s, e in within)]
        out: list[tuple[int, int]] = []
        for i in hits:
            start, end = self.span_of(self.sent, i)
            if out and out[-1][1] >= start:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        return out

    @property
    def sentence_ranges(self) -> list[tuple[int, int]]:
        ranges = self._ranges[id(self.sent)]
        return [ranges[k] for k in range(len(ranges))]

    def is_question(self, clause: tuple[int, int]) -> bool:
        if clause not in self._question:
            self._question[clause] = self._is_question(clause)
        return self._question[clause]

    def _is_question(self, clause: tuple[int, int]) -> bool:
        """A clause opening like a question ("is ...", "what ...") or a sentence ending with "?"."""
        start, end = clause
        words = [
            i
            for i in range(start, end)
            if not self.doc[i].is_punct and not self.doc[i].is_space and self.norms[i] not in _WORD_SETS["clause"]
        ]
        if (
            words
            and self.norms[words[0]] in _WORD_SETS["opener"]
            and (len(words) == 1 or self.norms[words[1]] not in _WORD_SETS["not_q"])
        ):
            return True
        if end == self.span_of(self.sent, start)[1]:
            tail = [t for t in self.doc[start:end] if not t.is_space]
            return bool(tail) and "?" in tail[-1].text
        return False

    def anchored(self, start: int, end: int) -> bool:
        if (start, end) not in self._anchored:
            self._anchored[(start, end)] = self._is_anchored(start, end)
        return self._anchored[(start, end)]

    def _is_anchored(self, start: int, end: int) -> bool:
        """Does [start, end) name a real person ("my dad", "he", "I"), outside "how do I"-style frames?"""
        w = _WORD_SETS
        for i in range(start, end):
            if i in self.frame_tokens:
                continue
            if self.norms[i] in w["anchor"]:
                return True
            if self.norms[i] in w["possessive"] and any(
                self.norms[j] in w["anchor_noun"] for j in range(i + 1, min(i + 4, end))
            ):
                return True
        return False

    def regions(self, start: int, end: int) -> set[str]:
        return {_REGION_OF[n] for n in self.norms[start:end] if n in _REGION_OF}


class RedFlagDetector:
    """Finds stroke warning signs in a user message (see the module docstring for how)."""

    def __init__(self, nlp: Language | None = None):
        self.nlp = nlp if nlp is not None else _load_pipeline(None)
        # spaCy's Matcher tries every pattern at every token, so patterns are grouped (by sign rule, by
        # cue kind) and a group only runs on the sentences holding a word that its patterns need.
        by_rule: dict[str, dict[str, list[list[dict]]]] = {}
        for pattern_id, sequences in self._sign_sequences().items():
            by_rule.setdefault(pattern_id.rstrip("$"), {})[pattern_id] = sequences
        by_label: dict[str, dict[str, list[list[dict]]]] = {}
        for label, sequences in _cue_patterns():
            by_label.setdefault(label.rstrip("$"), {}).setdefault(label, []).extend(sequences)
        self._signs = [self._group(g) for g in by_rule.values()]
        self._cues = [self._group(g) for g in by_label.values()]

    def _group(self, patterns: dict[str, list[list[dict]]]) -> tuple[frozenset[str], Matcher]:
        matcher = Matcher(self.nlp.vocab)
        for key, sequences in patterns.items():
            matcher.add(key, sequences)
        return _required_words(seq for seqs in patterns.values() for seq in seqs), matcher

    @staticmethod
    def _run(
        groups: list[tuple[frozenset[str], Matcher]], reading: "_Reading", within: list[tuple[int, int]] | None = None
    ) -> list[tuple[int, int, int]]:
        """Matches of every group on the sentences (inside `within`, if given) that hold its words."""
        out = []
        for words, matcher in groups:
            for ws, we in reading.sentences_with(words, within):
                out += [(m, s + ws, e + ws) for m, s, e in matcher(reading.doc[ws:we])]
        return out

    @classmethod
    def load(cls, path: str | None = None) -> "RedFlagDetector":
        """Load the pipeline at `path` (default build/spacy/en_atrophy); build it in memory if missing."""
        return cls(_load_pipeline(path))

    def _sign_sequences(self) -> dict[str, list[list[dict]]]:
        patterns = sign_patterns()
        if "entity_ruler" in self.nlp.pipe_names:
            if self.nlp.meta.get(RULES_META_KEY) == rules_fingerprint():
                patterns = self.nlp.get_pipe("entity_ruler").patterns
            else:
                logger.warning(
                    "The spaCy pipeline's red-flag rules are stale; using data/red_flags/lexicon.yml. "
                    "Run scripts/build_spacy.py to rebuild it."
                )
        grouped: dict[str, list[list[dict]]] = {}
        for pattern in patterns:
            grouped.setdefault(pattern["id"], []).append(pattern["pattern"])
        return grouped

    def assess(self, text: str) -> Assessment:
        """Should this message be escalated as a possible stroke, and on which signs?"""
        findings: dict[str, Finding] = {}
        for finding, verdict in self.trace(text):
            if verdict == "escalate" and finding.sign not in findings:
                findings[finding.sign] = finding
        return Assessment(bool(findings), tuple(findings.values()))

    def trace(self, text: str) -> list[tuple[Finding, str]]:
        """Every candidate sign with its verdict: "escalate" or "dropped: <why>" (for tests and debugging)."""
        text = _clean(text if isinstance(text, str) else str(text or ""))[:MAX_CHARS]
        out: list[tuple[Finding, str]] = []
        if text.strip():
            for chunk in _chunks(text):
                out += self._trace_chunk(chunk)
        return out

    def concepts(self, text: str) -> frozenset[str]:
        """What the message says towards a stroke, for adding up over several messages of one conversation:
        each sign it reports or mentions without the context that would make it count alone ("my arm is weak"
        needs a sudden onset or one side), plus "onset" (sudden, a time of onset, passed) and "one_side".
        Negated, explained, hypothetical and general mentions are left out."""
        text = _clean(text if isinstance(text, str) else str(text or ""))[:CHUNK_CHARS]
        if not text.strip():
            return frozenset()
        reading = _Reading(self._make_doc(text))
        strings = self.nlp.vocab.strings
        negation = _WORD_SETS["negation"]
        cues = {
            strings[m].rstrip("$")
            for m, s, e in self._run(self._cues, reading)
            if not negation.intersection(reading.norms[max(0, s - 3) : s])
            and (not strings[m].endswith("$") or reading.ends_clause(e))
        }
        out = {"onset"} if cues & {"sudden", "transient", "acute"} and "chronic" not in cues else set()
        if "side" in cues:
            out.add("one_side")
        for finding, verdict in self._trace_chunk(text):
            if verdict == "escalate" or verdict.startswith("dropped: needs"):
                out.add(finding.sign)
        return frozenset(out)

    def _make_doc(self, text: str) -> Doc:
        # spaCy's contraction exceptions are case-sensitive ("I'm" splits, "I'M" does not): tokenise the
        # lower-cased text, then put the original casing back so evidence quotes the user's own words.
        lowered = text.lower()
        doc = self.nlp.make_doc(lowered)
        if lowered != text and len(lowered) == len(text):
            norms = [t.norm_ for t in doc]
            doc = Doc(
                self.nlp.vocab,
                words=[text[t.idx : t.idx + len(t)] for t in doc],
                spaces=[bool(t.whitespace_) for t in doc],
            )
            for token, norm in zip(doc, norms):
                token.norm_ = norm
        words, spaces, norms, split = [], [], [], False
        for token in doc:
            parts = _split_contraction(token.text) if "t" in token.lower_[-1:] else None
            if parts:
                split = True
                words += [p[0] for p in parts]
                spaces += [False] * (len(parts) - 1) + [bool(token.whitespace_)]
                norms += [p[1] for p in parts]
            else:
                words.append(token.text)
                spaces.append(bool(token.whitespace_))
                norms.append(normalise(token.norm_))
        if split:
            doc = Doc(self.nlp.vocab, words=words, spaces=spaces)
        for token, norm in zip(doc, norms):
            token.norm_ = norm
        return doc

    def _trace_chunk(self, text: str) -> list[tuple[Finding, str]]:
        doc = self._make_doc(text)
        strings = self.nlp.vocab.strings
        reading = _Reading(doc)
        matches = self._run(self._signs, reading)
        if not matches:
            return []
        # Cues are only needed around the candidates: their sentence and its neighbours.
        context = []
        for _, start, _ in sorted(matches, key=lambda m: m[1]):
            sid = reading.sent[start]
            if not context or context[-1][1] < sid - 1:
                context.append([sid - 1, sid + 1])
            else:
                context[-1][1] = max(context[-1][1], sid + 1)
        ranges = reading.sentence_ranges
        within = [(ranges[max(a, 0)][0], ranges[min(b, len(ranges) - 1)][1]) for a, b in context]
        reading.add_cues([(strings[m], s, e) for m, s, e in self._run(self._cues, reading, within)])
        candidates = []
        for match_id, start, end in matches:
            pattern_id = strings[match_id]
            if pattern_id.endswith("$") and not reading.ends_clause(end):
                continue
            candidates.append(_Candidate(_RULES[pattern_id.rstrip("$")], start, end))
        # Longest match first at each start; one candidate per rule and start.
        candidates.sort(key=lambda c: (c.start, -c.end))
        seen, unique = set(), []
        for cand in candidates:
            if (cand.rule.id, cand.start) not in seen and (cand.rule.id, cand.end) not in seen:
                seen |= {(cand.rule.id, cand.start), (cand.rule.id, cand.end)}
                unique.append(cand)
        own_sentences = {reading.sent[c.start] for c in unique}
        out, states = [], []
        for cand in unique:
            inherited = self._list_predecessor(reading, cand, states)
            negated = self._negated(reading, cand) if inherited is None else inherited[0]
            info = None if inherited is None else inherited[1]
            verdict, info = self._judge(reading, cand, own_sentences, negated, info)
            states.append((cand, negated, info))
            evidence = doc[cand.start : cand.end].text
            escalate, why = verdict
            out.append(
                (
                    Finding(cand.rule.sign, evidence, why if escalate else cand.rule.reason),
                    "escalate" if escalate else f"dropped: {why}",
                )
            )
        return out

    # Each check returns None when it does not apply, or a short reason.

    @staticmethod
    def _list_predecessor(reading: _Reading, cand: _Candidate, states: list) -> tuple[bool, str | None] | None:
        """(negated, info) of the sign this one continues a list of ("no numbness, weakness or ...")."""
        best = None
        for prev, negated, info in states[-12:]:
            if prev.end <= cand.start and reading.clause[prev.start] == reading.clause[cand.start]:
                if best is None or prev.end > best[0].end:
                    best = (prev, negated, info)
        if best is None:
            return None
        between = reading.norms[best[0].end : cand.start]
        if all(n in _WORD_SETS["list"] or n in _WORD_SETS["negation"] for n in between):
            return best[1], best[2]
        return None

    @staticmethod
    def _negated(reading: _Reading, cand: _Candidate) -> bool:
        w = _WORD_SETS
        seg_start = reading.span_of(reading.seg, cand.start)[0]
        norms = reading.norms
        window = range(max(seg_start, cand.start - NEGATION_WINDOW), cand.start)
        cues = [
            i for i in window if norms[i] in w["negation"] and not (i + 1 < len(norms) and norms[i + 1] in w["pseudo"])
        ]
        # "can't stand without falling": "not ... without" is a report, not a negation.
        if cues and norms[cues[-1]] == "without" and any(norms[i] == "not" for i in cues[-3:-1]):
            cues = []
        if cues:
            return True
        clause_end = reading.span_of(reading.clause, cand.start)[1]
        after = [i for i in range(cand.end, min(cand.end + 3, clause_end)) if norms[i] not in (":", "-", "=")]
        return (
            bool(after)
            and norms[after[0]] in _POST_NEGATION
            and not (after[0] + 1 < len(norms) and norms[after[0] + 1] in w["pseudo"])
        )

    def _judge(
        self, reading: _Reading, cand: _Candidate, own_sentences: set[int], negated: bool, info: str | None
    ) -> tuple[tuple[bool, str], str | None]:
        rule, start, end = cand.rule, cand.start, cand.end
        clause = reading.span_of(reading.clause, start)
        window = reading.sentence_window(start, own_sentences)
        sentence = window[0]

        def near(label: str, spans=window) -> tuple[int, int] | None:
            return next((hit for s, e in spans if (hit := reading.has(label, s, e))), None)

        def words(hit: tuple[int, int]) -> str:
            return reading.doc[hit[0] : hit[1]].text

        if reading.has("veto", start, end):
            return (False, "words that only look like a sign"), info
        if negated:
            return (False, "negated"), info
        reason = rule.reason
        if rule.needs:
            gate = None
            for need in rule.needs:
                if need == "acute":
                    gate = near("sudden") or near("transient") or near("acute")
                elif need == "side":
                    gate = reading.has("side", *sentence)
                elif need == "dizzy":
                    gate = near("dizzy")
                elif need == "body":
                    gate = reading.has("body", *sentence)
                    if not gate and sentence[0] > 0 and {"it", "them"} & set(reading.norms[start:end]):
                        # "arm limp. can't raise it": the pronoun names the body part of the sentence before.
                        gate = reading.has("body", *reading.span_of(reading.sent, sentence[0] - 1))
                if gate:
                    reason = f"{rule.reason}; {need}: '{words(gate)}'"
                    break
            if not gate:
                return (False, f"needs {' or '.join(rule.needs)} context"), info
        sudden = reading.has("sudden", *clause)
        if not sudden and not reading.has("transient", *clause):
            chronic = reading.has("chronic", *clause) or (
                reading.refers_back(window[1]) and reading.has("chronic", *window[1])
            )
            if chronic:
                return (False, f"slow or long-standing change ('{words(chronic)}')"), info
        for kind in rule.benign:
            hit = (
                self._injury(reading, cand, window)
                if kind == "injury"
                else (
                    None
                    if sudden
                    else reading.has(kind, *clause)
                    or (kind in rules.BENIGN_NEXT_SENTENCE and reading.has(kind, *window[1]))
                )
            )
            if hit:
                return (False, f"explained by {kind} ('{words(hit)}')"), info
        info = self._info(reading, cand, clause) if info is None else info
        if info:
            return (False, info), info
        if reading.has("transient", *clause) or near("transient"):
            reason += "; passed symptoms still count (possible TIA)"
        return (True, reason), ""

    @staticmethod
    def _injury(reading: _Reading, cand: _Candidate, window: list[tuple[int, int]]) -> tuple[int, int] | None:
        """An injury cue (cast, sling, surgery ...) about the same body region as the sign."""
        sign_regions = (
            reading.regions(cand.start, cand.end)
            or reading.regions(*reading.span_of(reading.clause, cand.start))
            or reading.regions(*window[0])
        )
        for s, e in window:
            for hit in reading.cues.get("injury", ()):
                if s <= hit[0] < e:
                    cue_regions = (
                        reading.regions(max(s, hit[0] - 4), min(e, hit[1] + 4))
                        or reading.regions(*reading.span_of(reading.clause, hit[0]))
                        or reading.regions(s, e)
                    )
                    if not sign_regions or not cue_regions or sign_regions & cue_regions:
                        return hit
        return None

    @staticmethod
    def _conditional(reading: _Reading, clause: tuple[int, int], start: int) -> bool:
        """Is the clause (up to `start`) governed by "if" / "in case", or joined by "and" / "or" to a clause that
        is? Not after a verb of uncertainty ("not sure if her face is drooping" reports an observation)."""
        window = CONDITIONAL_WINDOW
        while True:
            for i in range(start - 1, max(clause[0], start - window) - 1, -1):
                if reading.norms[i] in _WORD_SETS["conditional"] or (
                    reading.norms[i] == "case" and i > 0 and reading.norms[i - 1] == "in"
                ):
                    before = reading.norms[max(clause[0], i - 2) : i]
                    return not any(n in _WORD_SETS["uncertain"] for n in before)
            joined = reading.norms[clause[0]] in ("and", "or") and clause[0] > 0
            if not joined or reading.sent[clause[0] - 1] != reading.sent[clause[0]]:
                return False
            start = clause[0]
            clause = reading.span_of(reading.clause, start - 1)
            window = start - clause[0]  # the whole of a joined clause

    @staticmethod
    def _info(reading: _Reading, cand: _Candidate, clause: tuple[int, int]) -> str:
        """Why the sign is talked about rather than reported ("" when it is a report)."""
        start = cand.start
        seg = reading.span_of(reading.seg, start)
        report = reading.has("report", *clause) or reading.has("now", *clause)
        # A conditional governing the sign: "what should I do if someone's face droops", also over the clauses
        # joined to it: "if she started talking gibberish and her arm went floppy".
        # (a "now" in a later part of the clause, "..., do I do the FAST thing or is that outdated now", is not
        # about the sign).
        reported = reading.has("report", clause[0], seg[1]) or reading.has("now", clause[0], seg[1])
        if not reported and RedFlagDetector._conditional(reading, clause, start):
            return "hypothetical ('if ...')"
        if reading.has("hypo", *seg) and not report:
            return "hypothetical or general question"
        anchored = reading.anchored(*clause)
        if not anchored and any(n in _WORD_SETS["generic"] for n in reading.norms[seg[0] : seg[1]]):
            return "about people in general ('you', 'someone')"
        if (reading.is_question(clause) or reading.has("info", *seg)) and not (report or anchored):
            return "information question, no person reported"
        return ""


@functools.lru_cache(maxsize=1)
def default_detector() -> RedFlagDetector:
    """The shared detector, loaded once from the default pipeline path."""
    return RedFlagDetector.load()
