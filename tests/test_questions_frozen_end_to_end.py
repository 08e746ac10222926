"""The frozen question splits through the running bot over REST: answered on topic, per topic, never silent.

The same run and judge as `make question-figures` (scripts/evaluate_questions.py, the contract of
../shared/tools/evaluate.py); the bars are the issue's.
"""
from __future__ import annotations

import pytest

from scripts.evaluate_questions import BARS, failures, frozen_sets, run

pytestmark = pytest.mark.e2e


def test_frozen_questions_are_answered_on_topic_with_no_empty_reply(bot):
    sets = frozen_sets()
    figures = run(bot.url, sets)
    assert figures.total >= 400
    assert figures.empty == BARS["empty_replies"], f"{figures.empty} empty replies"
    below = failures(figures)
    assert not below, f"{below}; misses: {figures.misses[:20]}"
