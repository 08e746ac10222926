"""The compiled featurizer must give DIET the numbers the stock LanguageModelFeaturizer gives, faster."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.paths import ROOT

ENCODER = ROOT / "build" / "encoder" / "all-MiniLM-L6-v2"
MESSAGES = [
    "what causes muscle atrophy?",
    "my dad's face is drooping and he can't lift his arm",
    "hi",
    "Is it normal for my thigh to look thinner after six weeks in a cast, or should I see someone?",
]


def make(cls):
    from rasa.engine.graph import ExecutionContext, GraphSchema

    return cls(
        {**cls.get_default_config(), "model_name": "bert", "model_weights": str(ENCODER)},
        ExecutionContext(GraphSchema({}), "test"),
    )


def featurized(featurizer, texts):
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={"text": t}) for t in texts]
    tokenizer.process(messages)
    featurizer.process(messages)
    return [np.concatenate([f.features for f in m.features if f.attribute == "text"], axis=0) for m in messages]


@pytest.mark.skipif(not ENCODER.is_dir(), reason="run `make build` first (the sentence encoder)")
def test_compiled_features_are_the_stock_features():
    from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer

    from addons.compiled_lm_featurizer import CompiledLanguageModelFeaturizer

    stock = featurized(make(LanguageModelFeaturizer), MESSAGES)
    compiled_featurizer = make(CompiledLanguageModelFeaturizer)
    compiled = featurized(compiled_featurizer, MESSAGES)
    for a, b in zip(stock, compiled):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-4)
    # Traced once: messages of other lengths do not trace it again (the signature leaves the shapes open).
    featurized(compiled_featurizer, ["a much longer message " * 8])
    featurized(compiled_featurizer, ["two words"])
    assert compiled_featurizer._compiled_call.experimental_get_tracing_count() == 1


@pytest.mark.skipif(not ENCODER.is_dir(), reason="run `make build` first (the sentence encoder)")
def test_the_featurizer_and_the_classifiers_share_one_copy_of_the_model():
    from addons.compiled_lm_featurizer import CompiledLanguageModelFeaturizer
    from atrophy.red_flags.encoder import load_encoder

    assert make(CompiledLanguageModelFeaturizer).model is load_encoder(ENCODER).model
