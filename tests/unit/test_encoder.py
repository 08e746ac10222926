"""The sentence encoder (atrophy/red_flags/encoder.py): a chat message encoded once serves every classifier."""

from __future__ import annotations

import numpy as np

from atrophy.red_flags.encoder import DEFAULT_MODEL, load_encoder


def test_a_single_message_is_encoded_once_and_as_in_a_batch():
    encoder = load_encoder(DEFAULT_MODEL)
    text = "my dad's face is drooping on one side"
    before = encoder._one.cache_info()
    first = encoder.embed([text])
    second = encoder.embed([text])
    after = encoder._one.cache_info()
    assert after.misses - before.misses <= 1 and after.hits - before.hits >= 1
    assert first.shape == (1, 384) and np.array_equal(first, second)
    batch = encoder.embed([text, "what causes muscle atrophy?"])
    assert np.allclose(first[0], batch[0], atol=1e-5)
    assert abs(float(np.linalg.norm(first[0])) - 1.0) < 1e-5
    assert not first.flags.writeable  # shared between callers: nobody may change it in place
