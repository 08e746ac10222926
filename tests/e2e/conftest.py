"""The running servers of the end-to-end tests, each started once per session by the project's launcher
(scripts/servers.py)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from types import SimpleNamespace

import pytest
import requests

from scripts.processes import base_env, free_port, stop, wait_until
from scripts.servers import Servers, project_stores
from tests.support import services
from tests.support.fake_apis import FakeSlack, FakeTelegram
from tests.support.paths import ROOT
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture(scope="session")
def bot(channels):
    """The trained bot served over REST, with its action server, on a database of its own: the server of the
    `channels` fixture (every channel of credentials.yml is on there; REST is one of them), started once. Rasa's
    HTTP API is on with a token (`bot.token`), so that a test can put a conversation into a state it recorded once
    (`Servers.restore`) instead of replaying its turns for every message it checks."""
    return channels.servers


@pytest.fixture(scope="session")
def channels(tmp_path_factory):
    """One Rasa server with every channel of credentials.yml on (REST, socket.io, Slack, Telegram), started once,
    with Rasa's HTTP API on behind a token (`servers.token`).

    Slack and Telegram are configured from the environment and point at local fake APIs. The fake Telegram
    API only starts after the Rasa server is up: the server must start while Telegram is unreachable and
    set the webhook later. The web chat page (scripts/serve_web.py) is served for the browser test.
    """

    workdir = tmp_path_factory.mktemp("channels")
    slack, telegram = FakeSlack().start(), FakeTelegram()
    # Conversations are locked in the machine's Redis (as in production with replicas), through a proxy that a test
    # can take down; without Redis (outside CI) the server locks in memory and those tests skip.
    redis = (
        TcpProxy((services.REDIS_HOST, services.REDIS_PORT), free_port()).up()
        if services.reachable(services.REDIS_HOST, services.REDIS_PORT)
        else None
    )
    redis_env = {"ATROPHY_REDIS_URL": f"redis://127.0.0.1:{redis.port}/12"} if redis else {}
    web_port = free_port()
    config = SimpleNamespace(
        slack=slack,
        telegram=telegram,
        slack_secret="test-signing-secret",
        telegram_secret="test-secret-token",
        telegram_token="123456:TEST-token",
        telegram_webhook="https://bot.example.test/webhooks/telegram/webhook",
        web_url=f"http://localhost:{web_port}",
        workdir=workdir,
        session_secret="test-session-secret",
        redis=redis,
    )
    servers = Servers(
        workdir,
        env={
            "ATROPHY_DB_URL": f"sqlite:///{workdir / 'kb.db'}",
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": config.slack_secret,
            "SLACK_API_URL": slack.api_url,
            "TELEGRAM_ACCESS_TOKEN": config.telegram_token,
            "TELEGRAM_WEBHOOK_URL": config.telegram_webhook,
            "TELEGRAM_SECRET_TOKEN": config.telegram_secret,
            "TELEGRAM_API_URL": telegram.url,
            "TELEGRAM_WEBHOOK_RETRY_MAX": "2",
            "ATROPHY_SESSION_SECRET": config.session_secret,
            **redis_env,
        },
        stores={"lock_store": {"type": "addons.lock_store.AtomicRedisLockStore"}},
        rasa_args=["--cors", config.web_url, "--enable-api", "--auth-token", secrets.token_hex(16)],
    )
    servers.token = servers.rasa_args[-1]
    page = None
    try:
        servers.start()
        telegram.start()
        page = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "serve_web.py"),
                "--port",
                str(web_port),
                "--rasa-url",
                f"http://localhost:{servers.rasa_port}",
            ],
            cwd=ROOT,
            env=base_env(),
            stdout=open(workdir / "web.log", "ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: requests.get(f"{config.web_url}/healthz", timeout=2).ok, 30, "web page server", page)
        config.servers = servers
        yield config
    finally:
        stop(page)
        servers.stop()
        slack.stop()
        telegram.stop()
        if redis:
            redis.down()


@pytest.fixture(scope="session")
def project_bot(tmp_path_factory):
    """The bot as endpoints.yml deploys it (SQL tracker store, atomic lock store), started once for the
    persistence and fault tests: its own SQLite tracker database, a knowledge database that does not exist
    yet at start (the first answer must build it), and Rasa's HTTP API on with a token."""

    workdir = tmp_path_factory.mktemp("project")
    servers = Servers(
        workdir,
        env={
            "ATROPHY_DB_URL": f"sqlite:///{workdir / 'kb' / 'atrophy.db'}",
            "ATROPHY_TRACKER_DB_URL": f"sqlite:///{workdir / 'tracker.db'}",
        },
        stores=project_stores(),
        rasa_args=["--enable-api", "--auth-token", "test-api-token"],
    )
    servers.kb, servers.tracker_url, servers.token = (
        workdir / "kb" / "atrophy.db",
        f"sqlite:///{workdir / 'tracker.db'}",
        "test-api-token",
    )
    try:
        yield servers.start()
    finally:
        servers.stop()
