"""Every change the project makes to Rasa's own behaviour at run time, in one place, each with the defect it works
around (no file of Rasa is edited; each patch is idempotent):

* `addons.action_fallback`: Rasa 3.6 logs a failing custom action and answers nothing, and waits 300 s for a hung
  action server (five times the conversation lock's lifetime). Custom actions are built as `ApologeticRemoteAction`:
  a clear apology (with the emergency number) when the action server fails, a timeout of seconds, and
  `action_record_escalation` run in the background so that the emergency message never waits for it.
* `addons.turn_gate`: Rasa starts every arriving message at once, so under load a knowledge answer, back from the
  action server, waited behind every message that arrived meanwhile, and an emergency behind everyone's questions.
  Messages take their turns in order: an emergency first, a message back from the action server next, then by arrival.
* `addons.always_reply`: a turn whose predictions end without any bot message (an intent no rule or story covers in
  that state) leaves the person with nothing; the prediction loop is wrapped to answer then.

`install()` is called by both stores endpoints.yml names (addons/tracker_store.py, addons/lock_store.py): they are
what every Rasa server of the project (`rasa run`, `rasa shell`, each replica) loads at start-up, before the first
message, and `rasa run` offers a project no other hook. Swapping one store for Rasa's own keeps the patches.
"""

from __future__ import annotations

from addons import action_fallback, always_reply, turn_gate


def install() -> None:
    action_fallback.install()
    always_reply.install()
    turn_gate.install()
