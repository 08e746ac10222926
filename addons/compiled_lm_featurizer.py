"""Rasa's LanguageModelFeaturizer with the sentence encoder's forward pass compiled once.

The stock featurizer calls the TensorFlow BERT model eagerly for every message: about 64 ms a message here, and
half of the Rasa server's time per message under load (py-spy, docs/performance.md). Inside a `tf.function`
whose input signature leaves the batch size and the sequence length open, the same pass is traced once and then
runs as a graph: about 11 ms. The features are the same numbers (the same weights, inputs and operations), so DIET
sees exactly what it saw before; only the time changes.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
import tensorflow as tf
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer

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

    def _compute_batch_sequence_features(
        self, batch_attention_mask: np.ndarray, padded_token_ids: List[List[int]]
    ) -> np.ndarray:
        return self._compiled_call(
            tf.convert_to_tensor(np.asarray(padded_token_ids), dtype=tf.int32),
            tf.convert_to_tensor(np.asarray(batch_attention_mask), dtype=tf.int32),
        ).numpy()
