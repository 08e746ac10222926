"""The SQL tracker store keeps the tracker it saved last, and never serves it when the database holds something newer:
what each test checks is what the next message of a conversation would be handled with."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from addons import retention
from addons.tracker_store import EnvSQLTrackerStore
from tests.support import services
from tests.support.paths import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_url(request, tmp_path):
    return f"sqlite:///{tmp_path / 'tracker.db'}" if request.param == "sqlite" else services.postgres_url()


@pytest.fixture
def stores(tracker_url):
    """Two servers (replicas, or workers) on the same database."""
    made = [EnvSQLTrackerStore(domain=DOMAIN, host=tracker_url) for _ in range(2)]
    yield made
    for store in made:
        store.engine.dispose()


def run(coroutine):
    return asyncio.run(coroutine)


def turn(tracker, text: str) -> None:
    """One message and the bot's answer, as the processor adds them."""
    tracker.update(UserUttered(text, {"name": "ask_what_is_atrophy", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_what_is_atrophy"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))


def handle(store: EnvSQLTrackerStore, sender: str, text: str):
    """A message handled as Rasa's processor does: get or create the tracker, add the turn, save."""
    tracker = run(store.get_or_create_tracker(sender))
    turn(tracker, text)
    run(store.save(tracker))
    return tracker


def user_texts(tracker) -> list[str]:
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


def stored(url: str, sender: str) -> list[str]:
    """The conversation as a server that never saw it reads it from the database."""
    fresh = EnvSQLTrackerStore(domain=DOMAIN, host=url)
    try:
        tracker = run(fresh.retrieve_full_tracker(sender))
        return [] if tracker is None else user_texts(tracker)
    finally:
        fresh.engine.dispose()


def test_a_conversation_handled_by_two_servers_in_turn_loses_and_repeats_nothing(stores, tracker_url):
    first, second = stores
    sender = f"replicas-{uuid.uuid4()}"
    handle(first, sender, "one")
    handle(second, sender, "two")  # the second server reads what the first wrote
    tracker = handle(first, sender, "three")  # the first must not answer from the tracker it kept after "one"
    assert user_texts(tracker) == ["one", "two", "three"]
    assert user_texts(run(second.retrieve(sender))) == ["one", "two", "three"]
    assert stored(tracker_url, sender) == ["one", "two", "three"]


def test_a_message_that_failed_before_its_save_leaves_nothing_behind(stores, tracker_url):
    store = stores[0]
    sender = f"failed-{uuid.uuid4()}"
    handle(store, sender, "one")
    tracker = run(store.retrieve(sender))
    turn(tracker, "never saved")  # the processor failed before saving
    assert user_texts(run(store.retrieve(sender))) == ["one"]
    assert user_texts(handle(store, sender, "two")) == ["one", "two"]
    assert stored(tracker_url, sender) == ["one", "two"]


def test_a_conversation_deleted_by_the_retention_job_is_gone_for_the_server_too(stores, tracker_url):
    store = stores[0]
    sender = f"deleted-{uuid.uuid4()}"
    handle(store, sender, "my private question")
    result = retention.purge(days=0, url=tracker_url, now=time.time() + 60)
    assert result["conversations"] >= 1
    assert run(store.retrieve(sender)) is None
    assert user_texts(handle(store, sender, "again")) == ["again"]


def test_consecutive_messages_are_stored_once_each(stores, tracker_url):
    store = stores[0]
    sender = f"many-{uuid.uuid4()}"
    texts = [f"message {n}" for n in range(12)]
    for text in texts:
        tracker = handle(store, sender, text)
    assert user_texts(tracker) == texts
    assert stored(tracker_url, sender) == texts


def test_a_new_session_is_read_back_as_rasa_reads_it(stores):
    store = stores[0]
    sender = f"session-{uuid.uuid4()}"
    handle(store, sender, "yesterday")
    tracker = run(store.retrieve(sender))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, "today")
    run(store.save(tracker))
    assert user_texts(run(store.retrieve(sender))) == ["today"]  # only the latest session, as Rasa's own store


def test_trackers_kept_are_bounded(stores, monkeypatch):
    from addons import tracker_store

    monkeypatch.setattr(tracker_store, "CACHE_SIZE", 3)
    store = stores[0]
    for n in range(6):
        handle(store, f"bounded-{n}-{uuid.uuid4()}", "hello")
    assert len(store._saved) == 3
    monkeypatch.setattr(tracker_store, "CACHE_SECONDS", 0)
    handle(store, f"bounded-last-{uuid.uuid4()}", "hello")
    run(store.retrieve("nobody"))
    assert len(store._saved) == 0
