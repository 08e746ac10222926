"""Sentence meaning as a vector: the pretrained all-MiniLM-L6-v2 encoder, in TensorFlow, without torch.

Word counts only know the words they were trained on; a pretrained sentence encoder places "her hand has gone
useless" near "she can't use her arm" although they share no content word, which is what lets the stroke
classifier carry over to wording nobody here wrote. `scripts/build_encoder.py` puts the checked model files in
`build/encoder/all-MiniLM-L6-v2`; this module loads them once and embeds text as sentence-transformers does
(mean of the token vectors over the attention mask, then unit length).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO_ROOT / "build" / "encoder" / "all-MiniLM-L6-v2"
# The model was trained on inputs of at most 256 word pieces; chat messages are far shorter.
MAX_TOKENS = 128
DIMENSIONS = 384


class SentenceEncoder:
    """Loads the model once (about a second); `embed` takes a batch of texts, returns unit vectors."""

    def __init__(self, folder: str | Path = DEFAULT_MODEL):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
        from transformers import BertTokenizerFast, TFBertModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        folder = Path(folder)
        if not (folder / "model.safetensors").is_file():
            raise FileNotFoundError(f"no sentence encoder at {folder}: run `make build`")
        self._tf = tf
        self._tokenizer = BertTokenizerFast.from_pretrained(str(folder))
        self._model = TFBertModel.from_pretrained(str(folder))
        spec = tf.TensorSpec(shape=(None, None), dtype=tf.int32)
        self._pooled = tf.function(self._pool, input_signature=(spec, spec, spec))
        self._hidden = tf.function(self._last_hidden_state, input_signature=(spec,))

    @property
    def model(self):
        """The TensorFlow BERT model (shared with Rasa's featurizer: addons/compiled_lm_featurizer.py)."""
        return self._model

    def _pool(self, input_ids, attention_mask, token_type_ids):
        tf = self._tf
        hidden = self._model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids, training=False
        ).last_hidden_state
        mask = tf.cast(attention_mask, hidden.dtype)[:, :, None]
        mean = tf.reduce_sum(hidden * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
        return tf.math.l2_normalize(mean, axis=1)

    def _last_hidden_state(self, input_ids):
        """One unpadded sequence: every position attended, as the tokenizer and Rasa's featurizer give it."""
        tf = self._tf
        ones = tf.ones_like(input_ids)
        return self._model(
            input_ids=input_ids, attention_mask=ones, token_type_ids=tf.zeros_like(input_ids), training=False
        ).last_hidden_state

    def hidden_states(self, ids: tuple[int, ...]) -> np.ndarray:
        """The model's last hidden states (positions x dimensions) of one sequence of word-piece ids, computed once
        for every component that asks: Rasa's featurizer (for DIET) asks with the ids of the message, the two
        classifiers with those of the corrected message, which are the same ids whenever the correction changed
        nothing but case. One encoder pass a message instead of two; read-only, as every caller shares it. Only
        sequences the classifiers could ask for (`MAX_TOKENS`) are kept: a long message's states are large."""
        if len(ids) > MAX_TOKENS:
            return self._pass(ids)
        return self._kept_pass(ids)

    def _pass(self, ids: tuple[int, ...]) -> np.ndarray:
        hidden = self._hidden(np.asarray([ids], dtype="int32")).numpy()[0]
        hidden.flags.writeable = False
        return hidden

    @functools.lru_cache(maxsize=128)  # noqa: B019 (one encoder per process, loaded once: the cache lives as long)
    def _kept_pass(self, ids: tuple[int, ...]) -> np.ndarray:
        return self._pass(ids)

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit vectors of `texts`. A single text (a chat message) is looked up in a small cache first: the red-flag
        and the topic classifiers both encode the same corrected message, and the encoder pass is the largest part
        of their cost."""
        if len(texts) == 1:
            return self._one(texts[0] or "")[None, :]
        return self._batch(texts, batch_size)

    @functools.lru_cache(maxsize=256)  # noqa: B019 (one encoder per process, loaded once: the cache lives as long)
    def _one(self, text: str) -> np.ndarray:
        ids = self._tokenizer(text, truncation=True, max_length=MAX_TOKENS)["input_ids"]
        hidden = self.hidden_states(tuple(ids))
        mean = hidden.mean(axis=0, dtype=np.float32)
        vector = mean / max(float(np.linalg.norm(mean)), 1e-12)
        vector.flags.writeable = False  # shared by every caller: nobody may change it
        return vector

    def _batch(self, texts: list[str], batch_size: int) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch_size):
            batch = [t or "" for t in texts[start : start + batch_size]]
            enc = self._tokenizer(batch, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="np")
            vectors = self._pooled(
                enc["input_ids"].astype("int32"),
                enc["attention_mask"].astype("int32"),
                enc["token_type_ids"].astype("int32"),
            )
            out.append(vectors.numpy())
        return np.concatenate(out) if out else np.zeros((0, DIMENSIONS), dtype="float32")


def portable(folder: str | Path) -> str:
    """The folder as a trained classifier stores it: relative to the project when inside it, so that a classifier
    built in one checkout (CI's clone, the build cache, a container's /app) finds the encoder of the one it runs in."""
    path = Path(folder).resolve()
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def load_encoder(folder: str | Path = DEFAULT_MODEL) -> SentenceEncoder:
    """The encoder in `folder` (relative to the project, or absolute), loaded once."""
    path = Path(folder)
    return _load(str(path if path.is_absolute() else REPO_ROOT / path))


@functools.lru_cache(maxsize=2)
def _load(folder: str) -> SentenceEncoder:
    return SentenceEncoder(folder)
