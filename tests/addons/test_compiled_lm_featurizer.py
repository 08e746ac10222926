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


def featurized(featurizer, texts, training: bool = False):
    """The features of `texts`, as a message is featurized when it is answered (one at a time), or in training
    (in batches)."""
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={"text": t}) for t in texts]
    tokenizer.process(messages)
    if training:
        featurizer.process_training_data(TrainingData(messages))
    else:
        featurizer.process(messages)
    return [np.concatenate([f.features for f in m.features if f.attribute == "text"], axis=0) for m in messages]


@pytest.mark.skipif(not ENCODER.is_dir(), reason="run `make build` first (the sentence encoder)")
def test_compiled_features_are_the_stock_features():
    from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer

    from addons.compiled_lm_featurizer import CompiledLanguageModelFeaturizer

    stock = featurized(make(LanguageModelFeaturizer), MESSAGES)
    compiled_featurizer = make(CompiledLanguageModelFeaturizer)
    for training in (False, True):
        compiled = featurized(compiled_featurizer, MESSAGES, training)
        for a, b in zip(stock, compiled):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, atol=1e-4)
    # Traced once: batches and single messages of other lengths do not trace again (the shapes are left open).
    featurized(compiled_featurizer, ["a much longer message " * 8, "two words"], training=True)
    featurized(compiled_featurizer, ["a much longer message " * 8])
    featurized(compiled_featurizer, ["two words"])
    assert compiled_featurizer._compiled_call.experimental_get_tracing_count() == 1
    assert compiled_featurizer._encoder._hidden.experimental_get_tracing_count() == 1


@pytest.mark.skipif(not ENCODER.is_dir(), reason="run `make build` first (the sentence encoder)")
def test_the_featurizer_and_the_classifiers_share_one_copy_of_the_model():
    from addons.compiled_lm_featurizer import CompiledLanguageModelFeaturizer
    from atrophy.red_flags.encoder import load_encoder

    assert make(CompiledLanguageModelFeaturizer).model is load_encoder(ENCODER).model


@pytest.mark.skipif(not ENCODER.is_dir(), reason="run `make build` first (the sentence encoder)")
def test_a_message_costs_one_encoder_pass_for_diet_and_the_classifiers():
    """Featurizing a message one at a time (as the server does) gives the batch path's numbers, and the classifiers'
    encoder then embeds the same text without a pass of its own; a corrected text with other word pieces does."""
    from addons.compiled_lm_featurizer import CompiledLanguageModelFeaturizer
    from atrophy.red_flags.encoder import load_encoder

    featurizer = make(CompiledLanguageModelFeaturizer)
    encoder = load_encoder(ENCODER)
    # (the whitespace tokenizer of these tests drops punctuation, which the project's spaCy tokenizer keeps)
    texts = ["her left arm went numb an hour ago", "What Causes Muscle Wasting After A Stroke"]
    batch = featurized(featurizer, texts)
    encoder._kept_pass.cache_clear()
    one_by_one = [featurized(featurizer, [t])[0] for t in texts]
    for a, b in zip(batch, one_by_one):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert encoder._kept_pass.cache_info().misses == 2

    vectors = encoder.embed([texts[0].lower()]), encoder.embed([texts[1].lower()])  # the classifiers' corrected text
    assert encoder._kept_pass.cache_info().misses == 2  # no new pass: the same word pieces
    assert all(abs(float(np.linalg.norm(v)) - 1) < 1e-5 for v in vectors)
    encoder.embed(["her left arm went numb an hour ago, really numb"])
    assert encoder._kept_pass.cache_info().misses == 3
