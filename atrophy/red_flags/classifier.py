"""A trained classifier for "this message reports a stroke sign happening now", apart from the intent classifier.

The rules recognise the wording they were written for; this model recognises meaning. Its features are the
sentence vector of the pretrained all-MiniLM-L6-v2 encoder (meaning beyond the words it was trained on), character
n-grams (typos, SMS and all caps) and word n-grams of the spelling-corrected text, and what the rules made of the
message (each sign they found, each reason they dropped one, a sudden onset, one side), fed to a scikit-learn
logistic regression: it learns when the rules can be trusted.

It is trained by `make build` on the tuning corpus (`data/red_flags/corpus/`), the project's first labelled set
(`tests/data/red_flag_messages.yml`) and, as messages that are not stroke reports, the NLU examples of every other
intent (`data/nlu*.yml`: form answers such as "suddenly" or "no", questions, chit-chat) and the question tuning
corpus (`data/questions/corpus/`: questions about muscle loss, one's own included, written with no stroke happening
now; without them the model escalated about one question in a hundred, "dad's calf is smaller than the other, been
like that 4 months, worth a doctor?"), never on the frozen test splits, and saved to
`build/red_flags/classifier.joblib`.
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

from atrophy.red_flags.encoder import DEFAULT_MODEL, load_encoder, portable
from atrophy.red_flags.normalise import normalise
from atrophy.red_flags.rules import SIGNS, RedFlagDetector, default_detector
from atrophy.saved_model import SavedModel

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "data" / "red_flags" / "corpus"
FIRST_SET = REPO_ROOT / "tests" / "data" / "red_flag_messages.yml"
NLU_DATA = REPO_ROOT / "data"
QUESTION_CORPUS_DIR = REPO_ROOT / "data" / "questions" / "corpus"
# NLU intents whose examples may be stroke reports: not used as negatives.
STROKE_INTENTS = ("report_stroke_signs", "possible_stroke_signs")
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
DEFAULT_PATH = REPO_ROOT / "build" / "red_flags" / "classifier.joblib"
# Weights of the sentence vector and of the rules' verdicts against the n-grams (unit length per message), and the
# regularisation: chosen on 5-fold out-of-fold recall at 3% false escalation on the tuning corpus.
ENCODER_WEIGHT = 1.0
RULES_WEIGHT = 0.5
REGULARISATION_C = 8.0
# Why the rules dropped a candidate sign (the start of their verdicts), one feature each.
DROPPED = (
    "negated",
    "hypothetical",
    "information question",
    "about people",
    "explained by",
    "slow or long",
    "needs",
    "words that only look",
)


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # 1: reports a stroke sign now; 0: does not
    tags: tuple[str, ...] = ()
    id: str = ""


def examples_of_set(data: dict) -> list[Example]:
    """Single messages of a labelled set in the format of shared/tools/README.md."""
    near = data.get("not_emergency_near_miss") or {}
    out = [Example(e["text"], 1, tuple(e.get("tags") or ()), e.get("id", "")) for e in data.get("emergency") or []]
    for section in ("near_miss", "informational_stroke"):
        out += [
            Example(e["text"], 0, tuple(e.get("tags") or ()) or (section,), e.get("id", ""))
            for e in near.get(section) or []
        ]
    # A question set's questions (the question corpus): never a stroke happening now, by the taxonomy's rule.
    out += [
        Example(q["text"], 0, ("question_corpus", q.get("topic", "")), q.get("id", ""))
        for q in data.get("questions") or []
    ]
    return out


def examples_of_first_set(data: dict) -> list[Example]:
    """The project's first labelled set (escalate / near_miss / info_question)."""
    return [Example(e["text"], 1, ("first_set",)) for e in data.get("escalate") or []] + [
        Example(e["text"], 0, ("first_set",)) for e in (data.get("near_miss") or []) + (data.get("info_question") or [])
    ]


def examples_of_nlu(data: dict) -> list[Example]:
    """The examples of every intent but the stroke ones, entity markup removed: what people say that is not a
    stroke report, in this bot's own conversations."""
    out = []
    for block in data.get("nlu") or []:
        if "intent" not in block or block["intent"] in STROKE_INTENTS:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                out.append(Example(_ANNOTATION.sub(r"\1", line[2:]).strip(), 0, ("nlu", block["intent"])))
    return out


def load_set(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def training_files() -> list[Path]:
    return (
        sorted(CORPUS_DIR.glob("*.yml"))
        + [FIRST_SET]
        + sorted(NLU_DATA.glob("nlu*.yml"))
        + sorted(QUESTION_CORPUS_DIR.glob("*.yml"))
    )


def training_examples(files: Iterable[Path] | None = None) -> list[Example]:
    out: list[Example] = []
    for path in files or training_files():
        data = load_set(path)
        if path == FIRST_SET:
            out += examples_of_first_set(data)
        elif "nlu" in data:
            out += examples_of_nlu(data)
        else:
            out += examples_of_set(data)
    return out


def fingerprint(files: Iterable[Path]) -> str:
    """The training data and everything that turns a message into features."""
    here = Path(__file__).parent
    code = [
        Path(__file__),
        here / "normalise.py",
        here / "rules.py",
        REPO_ROOT / "data" / "red_flags" / "lexicon.yml",
        REPO_ROOT / "data" / "red_flags" / "shorthand.yml",
    ]
    digest = hashlib.sha256()
    for path in [*code, *files]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def rule_features(detector: RedFlagDetector, text: str) -> np.ndarray:
    """What the rules made of a message: a sign found, a reason a sign was dropped, a sudden onset, one side."""
    features = np.zeros(len(SIGNS) + len(DROPPED) + 2)
    for finding, verdict in detector.trace(text):
        if verdict == "escalate":
            features[SIGNS.index(finding.sign)] = 1
        else:
            for j, reason in enumerate(DROPPED):
                if verdict.startswith("dropped: " + reason):
                    features[len(SIGNS) + j] = 1
    concepts = detector.concepts(text)
    features[-2:] = ["onset" in concepts, "one_side" in concepts]
    return features


class StrokeReportClassifier(SavedModel):
    """Probability that a message reports a stroke sign now; `fit` on examples, `save` / `load` with joblib."""

    def __init__(self, encoder_folder: str | Path = DEFAULT_MODEL):
        self._encoder_folder = portable(encoder_folder)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
        self._words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self._model = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=5000)
        self.trained_on = ""

    def _features(self, texts: Sequence[str], fit: bool = False, vectors: np.ndarray | None = None):
        fixed = [normalise(t) for t in texts]
        if vectors is None:
            vectors = load_encoder(self._encoder_folder).embed(fixed)
        grams = [v.fit_transform(fixed) if fit else v.transform(fixed) for v in (self._chars, self._words)]
        detector = default_detector()
        verdicts = np.array([rule_features(detector, t) for t in fixed])
        return sparse.hstack(
            [*grams, sparse.csr_matrix(vectors * ENCODER_WEIGHT), sparse.csr_matrix(verdicts * RULES_WEIGHT)]
        ).tocsr()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence vectors of the corrected texts (to fit several models on one encoding)."""
        return load_encoder(self._encoder_folder).embed([normalise(t) for t in texts])

    def fit(self, texts: Sequence[str], labels: Sequence[int], vectors: np.ndarray | None = None):
        self._model.fit(self._features(texts, fit=True, vectors=vectors), np.asarray(labels))
        return self

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return self._model.predict_proba(self._features(texts, vectors=vectors))[:, 1]

    def probability(self, text: str) -> float:
        return float(self.probabilities([text])[0])


@functools.lru_cache(maxsize=2)
def load_classifier(path: str | Path = DEFAULT_PATH) -> StrokeReportClassifier:
    return StrokeReportClassifier.load(path)


def train(files: list[Path] | None = None, path: Path = DEFAULT_PATH) -> StrokeReportClassifier:
    files = files or training_files()
    return StrokeReportClassifier.trained(training_examples(files), fingerprint(files), path)
