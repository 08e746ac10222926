"""Conversations are stored by the project's SQL tracker store (endpoints.yml) and continue after a restart."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.servers import ROOT, Servers, stop
from tests.test_end_to_end import is_emergency

pytestmark = pytest.mark.e2e

PROJECT_STORES = (ROOT / "endpoints.yml").read_text().split("tracker_store:", 1)[1]
PROJECT_STORES = "tracker_store:" + PROJECT_STORES  # the tracker and lock store sections, as deployed


def stored_events(url: str, sender: str) -> list[dict]:
    from rasa.shared.core.domain import Domain

    from addons.tracker_store import EnvSQLTrackerStore

    store = EnvSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")), host=url)
    try:
        tracker = asyncio.run(store.retrieve_full_tracker(sender))
        return [] if tracker is None else [e.as_dict() for e in tracker.events]
    finally:
        store.engine.dispose()


@pytest.fixture(scope="module")
def persistent_bot(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("persistence")
    url = f"sqlite:///{workdir / 'tracker.db'}"
    servers = Servers(workdir, env={"ATROPHY_DB_URL": f"sqlite:///{workdir / 'kb.db'}",
                                    "ATROPHY_TRACKER_DB_URL": url},
                      endpoints_extra=PROJECT_STORES)
    servers.tracker_url = url
    try:
        yield servers.start()
    finally:
        servers.stop()


def test_endpoints_use_the_sql_tracker_store_and_the_atomic_lock_store():
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))  # no environment variable needed
    assert endpoints.tracker_store.type == "addons.tracker_store.EnvSQLTrackerStore"
    assert endpoints.lock_store.type == "addons.lock_store.AtomicRedisLockStore"


def test_default_tracker_database_is_an_sqlite_file_under_build(monkeypatch):
    from addons.tracker_store import DEFAULT_TRACKER_DB_PATH, tracker_db_url

    monkeypatch.delenv("ATROPHY_TRACKER_DB_URL", raising=False)
    assert tracker_db_url() == f"sqlite:///{DEFAULT_TRACKER_DB_PATH}"
    assert DEFAULT_TRACKER_DB_PATH.parent == ROOT / "build"
    monkeypatch.setenv("ATROPHY_TRACKER_DB_URL", "postgresql+psycopg2://rasa@db:5432/atrophy")
    assert tracker_db_url("sqlite:///ignored.db") == "postgresql+psycopg2://rasa@db:5432/atrophy"


def test_conversation_continues_after_the_rasa_server_restarts(persistent_bot):
    sender = f"restart-{uuid.uuid4()}"
    first = persistent_bot.send(sender, "my mother's face is drooping on one side and her speech is slurred")
    assert is_emergency(first[0]), first
    assert any("Have you called" in m.get("text", "") for m in first)
    before = stored_events(persistent_bot.tracker_url, sender)
    assert any(e["event"] == "user" for e in before)

    stop(persistent_bot.rasa)
    persistent_bot.start_rasa()

    # "yes" only means "help is on the way" because the stored conversation just asked that question
    second = persistent_bot.send(sender, "yes")
    text = " ".join(m.get("text", "") for m in second)
    assert "Stay with the person" in text, second
    after = stored_events(persistent_bot.tracker_url, sender)
    assert after[:len(before)] == before
    users = [e["text"] for e in after if e["event"] == "user"]
    assert users == [users[0], "yes"] and "drooping" in users[0]
