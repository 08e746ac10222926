"""The NLU pipeline's first step: what reaches the models is clean and at most `MODEL_CHARS` characters long.

The channels refuse messages over `ATROPHY_MAX_MESSAGE_CHARS` (5,000) and remove control characters, but Rasa's
HTTP API (`/model/parse`, `/conversations/.../messages`) and any channel added later reach the pipeline without
them. Here, whatever the way in: control characters are removed, and a long message is shortened for the models
to its beginning and its end (`atrophy.input_policy.for_models`); DIET's attention grows with the square of the
tokens and the sentence encoder reads 512 word pieces at most.

The whole cleaned message stays in the message as `full_text`: the red-flag decision reads all of it (the end
of a long message may be the part that reports a stroke). The conversation keeps what the person wrote.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.message_component import MessageComponent
from atrophy.input_policy import MODEL_CHARS, clean_text, for_models

FULL_TEXT = "full_text"


def full_text(message: Message) -> str:
    """The whole message, as the person wrote it (cleaned): for the components that must read all of it."""
    return message.get(FULL_TEXT) or message.get(TEXT) or ""


# A featurizer for Rasa's recipe only in where it runs: before the tokenizer, in training and in prediction.
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class InputLimit(MessageComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_chars": MODEL_CHARS}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._max_chars = int(config.get("max_chars") or MODEL_CHARS)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self.process_message(message)
        return training_data

    def process_message(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text:
            return
        cleaned = clean_text(text)
        shortened = for_models(cleaned, self._max_chars)
        if shortened != cleaned:
            message.set(FULL_TEXT, cleaned)
        if shortened != text:
            message.set(TEXT, shortened)
