"""The server-side custom action (addons/action_fallback.py): its check of the action server's reply accepts and
refuses exactly what Rasa's own check does, with the schema's validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from addons.action_fallback import ApologeticRemoteAction

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi", "buttons": []}]},
    {"responses": [{"custom": {"emergency": True}}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "no event key"}]},
    {"responses": "hello"},
]


@pytest.fixture
def actions():
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook")
    return RemoteAction("action_x", endpoint), ApologeticRemoteAction("action_x", endpoint)


@pytest.mark.parametrize("reply", VALID)
def test_a_valid_reply_passes_as_with_rasa(actions, reply):
    stock, ours = actions
    assert stock._validate_action_result(reply) is True
    assert ours._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", INVALID)
def test_an_invalid_reply_is_refused_as_with_rasa(actions, reply):
    stock, ours = actions
    with pytest.raises(ValidationError) as rasa_error:
        stock._validate_action_result(reply)
    with pytest.raises(ValidationError) as our_error:
        ours._validate_action_result(reply)
    assert our_error.value.path == rasa_error.value.path and "Failed to validate" in our_error.value.message
