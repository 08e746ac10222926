"""Server-side apology when a custom action cannot run (action server down, timing out or failing).

Rasa logs a failing custom action and carries on silently: the user gets no answer at all. `install()` makes
the Rasa server build its custom actions from `ApologeticRemoteAction`, a subclass of Rasa's `RemoteAction`
that answers with the domain response `utter_knowledge_unavailable` (a clear apology that also repeats the
emergency number) instead. Actions in `SILENT_ACTIONS` stay silent: `action_record_escalation` runs after the
emergency message, which is a domain response the Rasa server sends by itself, and the user must not read an
apology after it.

Actions in `BACKGROUND_ACTIONS` run after the reply: `action_record_escalation` only writes the escalation down (the
escalation log, the on-call post) and returns no events, yet Rasa sends a REST turn's messages only when the whole
turn ends, so a hung action server or a slow escalation store held the emergency message back by the action
timeout. The Rasa server now starts that call in the background and goes on at once: the alert no longer waits for
anything but the Rasa server itself.

`install()` is called through addons/rasa_patches.py by the project's stores, which every Rasa server of the project
loads from endpoints.yml at start-up, so `rasa run`, `rasa shell` and the replicas all get it. It replaces the class
`rasa.core.actions.action.action_for_name_or_text` instantiates for custom actions; no file of Rasa is changed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any, List

import rasa.core.actions.action as rasa_action
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.lock_store import LOCK_LIFETIME

from addons import turn_gate
from addons.domain_text import render
from atrophy import settings

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

APOLOGY_RESPONSE = "utter_knowledge_unavailable"
LAST_RESORT = (
    "Sorry, I can't reach my medical information right now. If you have signs of a stroke, call {emergency_number} now."
)
SILENT_ACTIONS = frozenset({"action_record_escalation"})
# Actions whose only work is a side effect after the reply: they return no events the dialogue needs.
BACKGROUND_ACTIONS = frozenset({"action_record_escalation"})
_background: set[asyncio.Task] = set()  # strong references, so that a running call is not garbage-collected


@functools.lru_cache(maxsize=1)
def _reply_validator() -> Any:
    """The validator of Rasa's (constant) action server reply schema, built once."""
    schema = RemoteAction.action_response_format_spec()
    return validator_for(schema)(schema)


class ApologeticRemoteAction(RemoteAction):
    """A custom action run by the action server that apologises instead of staying silent when it fails."""

    async def run(
        self,
        output_channel: "OutputChannel",
        nlg: "NaturalLanguageGenerator",
        tracker: "DialogueStateTracker",
        domain: "Domain",
    ) -> List["Event"]:
        if self.name() in BACKGROUND_ACTIONS:
            # a copy: the tracker goes on changing while the call runs
            task = asyncio.ensure_future(self._run_in_background(output_channel, nlg, tracker.copy(), domain))
            _background.add(task)
            task.add_done_callback(_background.discard)
            return []
        return await self._run_or_apologise(output_channel, nlg, tracker, domain)

    def _validate_action_result(self, result: dict[str, Any]) -> bool:
        """Rasa's check of an action server reply, with the schema's validator built once: Rasa's `validate()`
        checks the schema itself and builds a validator for every reply (8% of the server's time per message in
        docs/performance.md). The same schema, the same errors."""
        error = best_match(_reply_validator().iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            "endpoint is valid."
        )
        raise error

    async def _run_in_background(
        self,
        output_channel: "OutputChannel",
        nlg: "NaturalLanguageGenerator",
        tracker: "DialogueStateTracker",
        domain: "Domain",
    ) -> None:
        turn_gate.detached()
        try:
            events = await self._run_or_apologise(output_channel, nlg, tracker, domain)
        except Exception as error:  # a rejection: nobody is left to hear it but the log
            logger.error("Background action '%s' failed (%s)", self.name(), error)
            return
        if events:  # nothing may be added to a turn that has already been answered
            logger.warning("Background action '%s' returned %d events; they were dropped", self.name(), len(events))

    async def _run_or_apologise(
        self,
        output_channel: "OutputChannel",
        nlg: "NaturalLanguageGenerator",
        tracker: "DialogueStateTracker",
        domain: "Domain",
    ) -> List["Event"]:
        try:
            async with turn_gate.away():
                return await super().run(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as error:  # unreachable, timed out, 5xx, malformed answer: all the same to the user
            logger.error("Custom action '%s' failed (%s); answering with an apology", self.name(), error)
            if self.name() in SILENT_ACTIONS:
                return []
            return [create_bot_utterance(await self._apology(nlg, tracker, output_channel, domain))]

    @staticmethod
    async def _apology(
        nlg: "NaturalLanguageGenerator",
        tracker: "DialogueStateTracker",
        output_channel: "OutputChannel",
        domain: "Domain",
    ) -> dict[str, Any]:
        number = tracker.get_slot("emergency_number") or settings.emergency_number()
        return await render(
            nlg, domain, APOLOGY_RESPONSE, tracker, output_channel.name(), LAST_RESORT, emergency_number=str(number)
        )


def install() -> None:
    """Make the Rasa server create custom actions as `ApologeticRemoteAction`, which time out after
    `settings.action_timeout()` seconds (10 by default), well inside the conversation lock's lifetime: Rasa waits
    300 s, five times the lock's 60 s, so a slow action let the conversation's next message in and kept its user
    waiting (idempotent)."""
    rasa_action.DEFAULT_REQUEST_TIMEOUT = min(settings.action_timeout(), LOCK_LIFETIME / 2)
    if rasa_action.RemoteAction is not ApologeticRemoteAction:
        rasa_action.RemoteAction = ApologeticRemoteAction
        logger.debug("Custom actions answer with %s when the action server fails", APOLOGY_RESPONSE)
