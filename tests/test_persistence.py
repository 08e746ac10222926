"""Conversations are stored by the project's SQL tracker store (endpoints.yml) and continue after a restart."""
from __future__ import annotations

import asyncio
import uuid

import pytest
import requests

from tests.servers import ROOT, stop
from tests.test_end_to_end import is_emergency

pytestmark = pytest.mark.e2e


def stored_events(url: str, sender: str) -> list[dict]:
    from rasa.shared.core.domain import Domain

    from addons.tracker_store import EnvSQLTrackerStore

    store = EnvSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")), host=url)
    try:
        tracker = asyncio.run(store.retrieve_full_tracker(sender))
        return [] if tracker is None else [e.as_dict() for e in tracker.events]
    finally:
        store.engine.dispose()


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
    assert tracker_db_url() == "postgresql+psycopg2://rasa@db:5432/atrophy"
    assert tracker_db_url("sqlite:////tmp/explicit.db") == "sqlite:////tmp/explicit.db"


def test_conversation_continues_after_the_rasa_server_restarts(project_bot):
    sender = f"restart-{uuid.uuid4()}"
    first = project_bot.send(sender, "my mother's face is drooping on one side and her speech is slurred")
    assert is_emergency(first[0]), first
    assert any("Have you called" in m.get("text", "") for m in first)
    before = stored_events(project_bot.tracker_url, sender)
    assert any(e["event"] == "user" for e in before)

    stop(project_bot.rasa)
    project_bot.start_rasa()

    # "yes" only means "help is on the way" because the stored conversation just asked that question
    second = project_bot.send(sender, "yes")
    text = " ".join(m.get("text", "") for m in second)
    assert "Stay with the person" in text, second
    after = stored_events(project_bot.tracker_url, sender)
    assert after[:len(before)] == before
    users = [e["text"] for e in after if e["event"] == "user"]
    assert users == [users[0], "yes"] and "drooping" in users[0]


def test_http_api_needs_the_token(project_bot):
    """scripts/run.sh turns the API on only with RASA_AUTH_TOKEN; then every call needs that token."""
    sender = f"api-{uuid.uuid4()}"
    project_bot.send(sender, "hello")
    url = f"{project_bot.url}/conversations/{sender}/tracker"
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=30).status_code == 401
    tracker = requests.get(url, params={"token": project_bot.token}, timeout=30)
    assert tracker.status_code == 200 and tracker.json()["sender_id"] == sender


def test_without_a_token_the_http_api_is_off(channels):
    url = channels.servers.url   # started as `make run` starts it without RASA_AUTH_TOKEN
    assert requests.get(f"{url}/status", timeout=30).status_code == 404
    assert requests.get(f"{url}/conversations/x/tracker", timeout=30).status_code == 404
