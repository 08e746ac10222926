"""Conversations are stored by the project's SQL tracker store (endpoints.yml) and continue after a restart; the
restarted server locks conversations in the machine's Redis (as replicas do), which then goes down under it."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import requests

from scripts.processes import free_port, stop
from tests.support import services
from tests.support.paths import ROOT
from tests.support.replies import is_emergency
from tests.support.tcp_proxy import TcpProxy

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


def assert_alert_first_within_2_s(bot, stroke: str) -> None:
    """A stroke report in a new conversation gets HTTP 200 and the alert with the number first, in under 2 s."""
    started = time.monotonic()
    response = requests.post(bot.webhook, json={"sender": f"down-{uuid.uuid4()}", "message": stroke}, timeout=30)
    took = time.monotonic() - started
    assert response.status_code == 200
    replies = response.json()
    assert replies and is_emergency(replies[0]) and "911" in replies[0]["custom"]["text"], replies
    assert took < 2, f"the alert took {took:.1f} s"


def test_conversation_continues_after_the_rasa_server_restarts(project_bot):
    sender = f"restart-{uuid.uuid4()}"
    first = project_bot.send(sender, "my mother's face is drooping on one side and her speech is slurred")
    assert is_emergency(first[0]), first
    assert any("Have you called" in m.get("text", "") for m in first)
    before = stored_events(project_bot.tracker_url, sender)
    assert any(e["event"] == "user" for e in before)

    stop(project_bot.rasa)
    project_bot.redis = TcpProxy(services.redis_address(), free_port()).up()
    project_bot.env["ATROPHY_REDIS_URL"] = f"redis://127.0.0.1:{project_bot.redis.port}/13"
    project_bot.start_rasa()

    # "yes" only means "help is on the way" because the stored conversation just asked that question
    second = project_bot.send(sender, "yes")
    text = " ".join(m.get("text", "") for m in second)
    assert "Stay with the person" in text, second
    after = stored_events(project_bot.tracker_url, sender)
    assert after[: len(before)] == before
    users = [e["text"] for e in after if e["event"] == "user"]
    assert users == [users[0], "yes"] and "drooping" in users[0]


def test_with_redis_down_a_stroke_still_gets_the_alert_and_other_messages_a_clear_503(project_bot):
    """The server restarted above locks conversations in Redis; Redis goes down under it, then comes back."""
    assert getattr(project_bot, "redis", None), "runs after the restart test, on the server it restarted"
    stroke, question = "my dad suddenly can't move his arm and his vision went blurry", "what causes muscle atrophy?"
    project_bot.redis.down()
    try:
        assert_alert_first_within_2_s(project_bot, stroke)
        response = requests.post(
            project_bot.webhook, json={"sender": f"noredis-{uuid.uuid4()}", "message": question}, timeout=30
        )
        assert response.status_code == 503
        text = " ".join(m.get("text") or "" for m in response.json())
        assert "can't take messages right now" in text and "911" in text
    finally:
        project_bot.redis.up()
    log = (project_bot.workdir / "rasa.log").read_text(errors="replace")
    assert "could not be handled in its conversation" in log
    assert stroke not in log and question not in log  # no user text in the log
    replies = project_bot.send(f"redis-back-{uuid.uuid4()}", question)  # Redis is back: answers again
    assert "Disuse atrophy" in " ".join(m.get("text") or "" for m in replies)


def test_with_the_postgresql_tracker_store_down_the_alert_still_comes_first_and_questions_are_answered(project_bot):
    """The server restarts on a PostgreSQL tracker store, which then goes down under it, then comes back. Rasa wraps
    every tracker store in its FailSafeTrackerStore: while the database is down a message starts from an empty
    conversation and is kept in memory only, so the person still gets the alert and answers (never silence), and
    nothing of the message reaches the log (the driver's errors quote no parameters)."""
    address = tuple(services.postgres_url().split("@", 1)[1].split("/", 1)[0].split(":"))
    proxy = TcpProxy((address[0], int(address[1])), free_port()).up()
    database = services.postgres_url().rsplit("/", 1)[1]
    stop(project_bot.rasa)
    project_bot.env["ATROPHY_TRACKER_DB_URL"] = f"postgresql+psycopg2://postgres@127.0.0.1:{proxy.port}/{database}"
    project_bot.start_rasa()
    stroke, question = (
        "my wife's face suddenly dropped on the left and she can't lift her arm",
        "what causes muscle atrophy?",
    )
    assert "Disuse atrophy" in " ".join(m.get("text") or "" for m in project_bot.send(f"pg-{uuid.uuid4()}", question))
    proxy.down()
    try:
        assert_alert_first_within_2_s(project_bot, stroke)
        response = requests.post(
            project_bot.webhook, json={"sender": f"nopg-{uuid.uuid4()}", "message": question}, timeout=30
        )
        assert response.status_code == 200
        assert "Disuse atrophy" in " ".join(m.get("text") or "" for m in response.json())
    finally:
        proxy.up()
    log = (project_bot.workdir / "rasa.log").read_text(errors="replace")
    assert "Falling back to use the 'InMemoryTrackerStore'" in log  # the outage was noticed, not hidden
    assert stroke not in log and question not in log  # no user text in the log, not even in the driver's error
    sender = f"pg-back-{uuid.uuid4()}"
    replies = project_bot.send(sender, question)  # the database is back: answered and stored again
    assert "Disuse atrophy" in " ".join(m.get("text") or "" for m in replies)
    assert any(e["event"] == "user" for e in stored_events(services.postgres_url(), sender))


def test_http_api_needs_the_token(project_bot):
    """scripts/run.sh turns the API on only with RASA_AUTH_TOKEN; then every call needs that token."""
    sender = f"api-{uuid.uuid4()}"
    project_bot.send(sender, "hello")
    url = f"{project_bot.url}/conversations/{sender}/tracker"
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=30).status_code == 401
    tracker = requests.get(url, params={"token": project_bot.token}, timeout=30)
    assert tracker.status_code == 200 and tracker.json()["sender_id"] == sender
