"""Does a message describe the asker's own, or a relative's, muscle loss? Then the answer offers the symptom check.

The answer comes first either way; the symptom check (a guided questionnaire) is offered with a button and starts
only when accepted. The words are in data/questions/own_situation.yml.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

WORDS_PATH = Path(__file__).resolve().parents[2] / "data" / "questions" / "own_situation.yml"


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    words = yaml.safe_load(WORDS_PATH.read_text(encoding="utf-8"))

    def alternation(items: list) -> re.Pattern:
        parts = sorted((re.escape(str(w)).replace(r"\ ", r"[\s-]+") for w in items), key=len, reverse=True)
        return re.compile(r"(?<![\w'])(?:" + "|".join(parts) + r")(?![\w'])", re.IGNORECASE)

    return alternation(words["person"]), alternation(words["change"])


def describes_own_muscle_loss(text: str) -> bool:
    person, change = _patterns()
    text = (text or "").replace("’", "'")
    return bool(person.search(text) and change.search(text))
