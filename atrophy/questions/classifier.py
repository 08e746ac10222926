"""Which topic a question is about, in anyone's wording: a classifier over meaning, spelling and word pieces.

The intent classifier knows six broad question intents and the words it was trained on; people ask about "legs
like twigs after months in bed" or "can the booze do that to your shoulders". This model maps a message to one of
the topics of `data/questions/topics.yml`, or to `knowledge_base` (a follow-up or a list request that the
knowledge-base action resolves from the conversation: "the second one", "which conditions cause it?"), or to
`none` (not a question: greetings, thanks, yes and no, symptom-check answers, stop). Its features are the
all-MiniLM-L6-v2 sentence vector of the spelling-corrected text (meaning beyond the words it saw), and character and
word n-grams (typos, SMS, lay names), fed to a multinomial logistic regression.

Trained by `make build` on the question tuning corpus (`data/questions/corpus/`) and the NLU examples (`data/nlu*.yml`,
each intent or annotated name mapped to its topic), never on the frozen test splits; saved to
`build/questions/topic_classifier.joblib`.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import yaml
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from atrophy.input_policy import LONG_WORDS, SENTENCE_BREAK, word_count
from atrophy.questions.catalogue import CONTENT_PATH, TOPICS_PATH, match_name, topics
from atrophy.red_flags.encoder import DEFAULT_MODEL, load_encoder, portable
from atrophy.red_flags.normalise import normalise
from atrophy.saved_model import SavedModel

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "data" / "questions" / "corpus"
NLU_DATA = REPO_ROOT / "data"
DEFAULT_PATH = REPO_ROOT / "build" / "questions" / "topic_classifier.joblib"
KNOWLEDGE_BASE, NONE = "knowledge_base", "none"
# Intents whose examples are questions on one topic.
TOPIC_OF_INTENT = {
    "ask_what_is_atrophy": "what_is_atrophy",
    "ask_symptoms": "accompanying_symptoms",
    "ask_when_to_seek_care": "when_to_seek_care",
    "ask_prevention_treatment": "prevention_treatment",
    "ask_causes": "causes",
    "ask_stroke_info": "stroke_info",
}
# Intents whose examples are not questions (stroke reports are left to the red-flag decision).
NOT_QUESTIONS = ("greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "stop", "out_of_scope", "inform")
# `check_symptoms` examples that ask why one's own muscles are shrinking ("why is my thigh shrinking?") are questions
# about its causes, answered first; a request for the check itself is not a question; a bare description ("my legs
# are getting thinner") is left out: what the person wants to know is not in it.
CHECK_REQUEST = re.compile(r"\b(check|symptom|figure out|work out)\b", re.IGNORECASE)
ASKS_WHY = re.compile(r"\b(why|caus\w*|could it be|might it be|could be|reason|behind|wrong with)\b", re.IGNORECASE)
_ANNOTATION = re.compile(r"\[([^\]]*)\](\(([^)]*)\)|\{([^}]*)\})")
ENCODER_WEIGHT = 1.5
REGULARISATION_C = 10.0


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """The words of every topic name and of the knowledge base, so that the speller does not "correct" them."""
    words: set[str] = set()
    for topic in topics().values():
        for name in topic.names:
            words.update(w.lower() for w in re.findall(r"[A-Za-z]+", name))
    words.update(w.lower() for w in re.findall(r"[A-Za-z]+", CONTENT_PATH.read_text(encoding="utf-8")))
    return frozenset(w for w in words if len(w) > 3)


def question_part(text: str) -> str | None:
    """In a long message, the sentence that asks (the last one with a question mark, else the last sentence): a short
    question after a long preamble ("Some background ... So my question is: what causes it?") is diluted by the
    preamble for the encoder and the n-grams alike. None for a message the classifier reads whole well enough."""
    if word_count(text) <= LONG_WORDS:
        return None
    sentences = [s.strip() for s in SENTENCE_BREAK.split(text) if s.strip()]
    asking = [s for s in sentences if "?" in s]
    return (asking or sentences or [None])[-1]


@functools.lru_cache(maxsize=1024)
def normalised(text: str) -> str:
    """The spelling-corrected text (cached: the encoder, the n-grams and the subject cues each read it, per message)."""
    return normalise(text or "", vocabulary())


def _nlu_label(intent: str, line: str) -> str | None:
    if intent in TOPIC_OF_INTENT:
        return TOPIC_OF_INTENT[intent]
    if intent in NOT_QUESTIONS:
        return NONE
    if intent == "check_symptoms":
        return NONE if CHECK_REQUEST.search(line) else "causes" if ASKS_WHY.search(line) else None
    if intent != "query_knowledge_base":
        return None
    for m in _ANNOTATION.finditer(line):
        entity = m.group(3) or ""
        if m.group(4):
            spec = yaml.safe_load("{" + m.group(4) + "}")
            entity = spec.get("entity", "")
            value = spec.get("value") or m.group(1)
        else:
            value = m.group(1)
        if entity in ("condition", "cause"):
            return match_name(value) or KNOWLEDGE_BASE
    return KNOWLEDGE_BASE


def examples_of_nlu(data: dict) -> list[Example]:
    out = []
    for block in data.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- ") and "intent" in block:
                label = _nlu_label(block["intent"], line[2:])
                if label:
                    out.append(Example(_ANNOTATION.sub(r"\1", line[2:]).strip(), label))
    return out


def examples_of_set(data: dict) -> list[Example]:
    return [Example(q["text"], q["topic"]) for q in data.get("questions") or []]


def training_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.yml")) + sorted(NLU_DATA.glob("nlu*.yml"))


def training_examples(files: Iterable[Path] | None = None) -> list[Example]:
    out: list[Example] = []
    for path in files or training_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out += examples_of_nlu(data) if "nlu" in data else examples_of_set(data)
    return out


def fingerprint(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in [Path(__file__), TOPICS_PATH, *files]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class TopicClassifier(SavedModel):
    """`ranking(text)` -> [(label, probability), ...] best first; `fit` on examples, `save` / `load` with joblib."""

    def __init__(
        self,
        encoder_folder: str | Path = DEFAULT_MODEL,
        c: float = REGULARISATION_C,
        encoder_weight: float = ENCODER_WEIGHT,
    ):
        self._encoder_folder = portable(encoder_folder)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
        self._words = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
        self._model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        self._encoder_weight = encoder_weight
        self.trained_on = ""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return load_encoder(self._encoder_folder).embed([normalised(t) for t in texts])

    def _features(self, texts: Sequence[str], fit: bool = False, vectors: np.ndarray | None = None):
        fixed = [normalised(t).lower() for t in texts]
        if vectors is None:
            vectors = self.embed(texts)
        grams = [v.fit_transform(fixed) if fit else v.transform(fixed) for v in (self._chars, self._words)]
        return sparse.hstack([*grams, sparse.csr_matrix(vectors * self._encoder_weight)]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray | None = None):
        self._model.fit(self._features(texts, fit=True, vectors=vectors), np.asarray(labels))
        return self

    @property
    def labels(self) -> list[str]:
        return list(self._model.classes_)

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        return self._model.predict_proba(self._features(texts, vectors=vectors))

    def ranking(self, text: str) -> list[tuple[str, float]]:
        probs = self.probabilities([text])[0]
        order = np.argsort(-probs)
        return [(self._model.classes_[i], float(probs[i])) for i in order]


@functools.lru_cache(maxsize=2)
def load_classifier(path: str | Path = DEFAULT_PATH) -> TopicClassifier:
    return TopicClassifier.load(path)


def train(files: list[Path] | None = None, path: Path = DEFAULT_PATH) -> TopicClassifier:
    files = files or training_files()
    return TopicClassifier.trained(training_examples(files), fingerprint(files), path)
