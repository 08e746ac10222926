"""Rasa's LanguageModelFeaturizer with the sentence encoder's forward pass compiled once.

The stock featurizer calls the TensorFlow BERT model eagerly for every message: about 64 ms a message here, and
half of the Rasa server's time per message under load (py-spy, docs/performance.md). Inside a `tf.function`
whose input signature leaves the batch size and the sequence length open, the same pass is traced once and then
runs as a graph: about 11 ms. The features are the same numbers (the same weights, inputs and operations), so DIET
sees exactly what it saw before; only the time changes.

The model itself is the one the red-flag and topic classifiers already hold (`atrophy.red_flags.encoder`, loaded once
per process) when both name the same folder: a second copy of the same weights and graph cost the Rasa server about
200 MB. A message being answered (one unpadded sequence) goes through the encoder's `hidden_states`, which keeps the
pass for the classifiers: they read the corrected message, whose word pieces are the same whenever the correction
changed nothing but case, so a message costs one encoder pass where it cost two (about 7 ms each here).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
import tensorflow as tf
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.nlu.utils.hugging_face.registry import model_tokenizer_dict

from atrophy.red_flags.encoder import load_encoder

_IDS = tf.TensorSpec(shape=(None, None), dtype=tf.int32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class CompiledLanguageModelFeaturizer(LanguageModelFeaturizer):
    """`LanguageModelFeaturizer` (same configuration keys) whose model call is one traced graph."""

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(config, execution_context)  # loads the model
        model = self.model

        def call(token_ids, attention_mask):
            # the sequence hidden states are the first output of every model LanguageModelFeaturizer loads
            return model(token_ids, attention_mask=attention_mask, training=False)[0]

        self._compiled_call = tf.function(call, input_signature=(_IDS, _IDS))

    def _load_model_instance(self) -> None:
        """Rasa's tokenizer; the BERT model shared with the project's sentence encoder (one copy per process)."""
        if self.model_name != "bert":
            self._encoder = None  # another model: Rasa's own, every message through the compiled call
            super()._load_model_instance()
            return
        self.tokenizer = model_tokenizer_dict[self.model_name].from_pretrained(
            self.model_weights, cache_dir=self.cache_dir
        )
        self._encoder = load_encoder(self.model_weights)
        self.model = self._encoder.model
        self.pad_token_id = self.tokenizer.unk_token_id  # as Rasa's (it pads with the unknown token)

    def _compute_batch_sequence_features(
        self, batch_attention_mask: np.ndarray, padded_token_ids: List[List[int]]
    ) -> np.ndarray:
        if self._encoder is not None and len(padded_token_ids) == 1 and all(batch_attention_mask[0]):
            # A message being answered: the pass the classifiers' encoder makes (or made) for the same ids.
            return np.array(self._encoder.hidden_states(tuple(padded_token_ids[0])))[None, ...]
        return self._compiled_call(
            tf.convert_to_tensor(np.asarray(padded_token_ids), dtype=tf.int32),
            tf.convert_to_tensor(np.asarray(batch_attention_mask), dtype=tf.int32),
        ).numpy()
