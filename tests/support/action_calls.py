"""Running a custom action as the action server would: a rasa_sdk tracker holding one user message, the domain
as Rasa sends it with every call, and the messages and events the action returns."""

from __future__ import annotations

import asyncio

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.support.paths import ROOT

# A database server that refuses connections (nothing listens on port 1): the knowledge base is unreachable.
UNREACHABLE_DB = "postgresql+psycopg2://postgres@127.0.0.1:1/atrophy"

# The domain as Rasa sends it with every action call (its forms, slots and responses).
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def make_tracker(text: str, intent: str, entities=(), slots=None, sender="user-1", channel="rest") -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": list(entities)}
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
    return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def entity(name, value):
    return {"entity": name, "value": value, "start": 0, "end": 0}
