"""Retention (addons/retention.py): conversations older than N days leave the tracker store, newer ones stay."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons import retention
from addons.tracker_store import EnvSQLTrackerStore
from scripts.processes import base_env
from tests.support import services
from tests.support.paths import ROOT

DAY = 86400


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_url(request, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'tracker.db'}" if request.param == "sqlite" else services.postgres_url()
    monkeypatch.setenv("ATROPHY_TRACKER_DB_URL", url)
    return url


def save_conversation(store: EnvSQLTrackerStore, sender: str, started: float, turns: int = 2) -> None:
    events = []
    for turn in range(turns):
        t = started + turn * 60
        events += [
            UserUttered("hello", {"name": "greet", "confidence": 1.0}, timestamp=t),
            ActionExecuted("utter_greet", timestamp=t + 1),
            BotUttered("Hello!", timestamp=t + 2),
            ActionExecuted("action_listen", timestamp=t + 3),
        ]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def senders(url: str, prefix: str) -> set[str]:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as c:
        rows = c.execute(sa.select(retention.EVENTS.c.sender_id).distinct()).scalars()
        found = {s for s in rows if s.startswith(prefix)}
    engine.dispose()
    return found


def test_old_conversations_are_deleted_and_recent_ones_kept(tracker_url):
    store = EnvSQLTrackerStore(domain=Domain.empty())
    prefix = f"retention-{uuid.uuid4().hex[:8]}-"
    now = time.time()
    save_conversation(store, prefix + "old", now - 40 * DAY)
    save_conversation(store, prefix + "recent", now - 2 * DAY)
    # started long ago but still active: its latest event is recent, so none of it goes
    store_events = [UserUttered("hi", timestamp=now - 50 * DAY), UserUttered("again", timestamp=now - 60)]
    asyncio.run(store.save(DialogueStateTracker.from_events(prefix + "ongoing", store_events)))
    store.engine.dispose()

    dry = retention.purge(30, dry_run=True, now=now)
    assert dry["conversations"] >= 1 and senders(tracker_url, prefix) == {
        prefix + s for s in ("old", "recent", "ongoing")
    }
    result = retention.purge(30, now=now)
    assert result["events"] >= 8
    assert senders(tracker_url, prefix) == {prefix + "recent", prefix + "ongoing"}
    retention.purge(1, now=now)
    assert senders(tracker_url, prefix) == {prefix + "ongoing"}


def test_command_line_and_missing_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'none.db'}"
    run = subprocess.run(
        [sys.executable, "-m", "addons.retention", "--days", "30", "--url", url],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "deleted 0 conversation(s), 0 event(s) older than 30 day(s)" in run.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "addons.retention", "--days", "-1", "--url", url],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2


def test_retention_runs_on_a_schedule_in_every_deployment():
    """Retention that runs only when someone remembers does not run: compose and Helm both schedule it daily."""
    import yaml

    deploy = ROOT / "deploy"
    compose = yaml.safe_load((deploy / "docker-compose.yml").read_text())
    job = compose["services"]["retention"]
    command = " ".join(job["entrypoint"])
    assert "python -m addons.retention --days" in command and "sleep 86400" in command and "while true" in command
    assert (
        job["environment"]["ATROPHY_TRACKER_DB_URL"]
        == compose["services"]["rasa"]["environment"]["ATROPHY_TRACKER_DB_URL"]
    ), "the job cleans the store the bot writes"
    cron = yaml.safe_load((deploy / "helm" / "retention-cronjob.yaml").read_text())
    minute, hour, day, month, weekday = cron["spec"]["schedule"].split()
    assert (day, month, weekday) == ("*", "*", "*") and minute.isdigit() and hour.isdigit()  # once a day
    container = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:3] == ["python", "-m", "addons.retention"]
