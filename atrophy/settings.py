"""Settings read from the environment, with their documented defaults, in one place.

Every `ATROPHY_*` variable the running bot reads is here (`.env.example` lists them for operators); the modules that
need one ask this module instead of reading `os.environ`. Each is read when asked for (not at import), so that a
test or an operator changing the environment is obeyed. Channel tokens (Slack, Telegram) stay with their channels
(addons/channels/), which read them as Rasa reads credentials.yml.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = PROJECT_ROOT / "build"

EMERGENCY_NUMBER = "ATROPHY_EMERGENCY_NUMBER"
MAX_MESSAGE_CHARS = "ATROPHY_MAX_MESSAGE_CHARS"
DB_URL = "ATROPHY_DB_URL"
TRACKER_DB_URL = "ATROPHY_TRACKER_DB_URL"
REDIS_URL = "ATROPHY_REDIS_URL"
ACTION_TIMEOUT = "ATROPHY_ACTION_TIMEOUT"
SESSION_SECRET = "ATROPHY_SESSION_SECRET"
ONCALL_WEBHOOK_URL = "ATROPHY_ONCALL_WEBHOOK_URL"
ONCALL_SECRET = "ATROPHY_ONCALL_SECRET"
MODEL = "ATROPHY_MODEL"
LOCK_DB = "ATROPHY_LOCK_DB"

DEFAULT_EMERGENCY_NUMBER = "911"
DEFAULT_MAX_MESSAGE_CHARS = 5000
DEFAULT_ACTION_TIMEOUT = 10.0


def _get(name: str) -> str | None:
    return os.environ.get(name) or None


def _number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


def emergency_number(default: str = DEFAULT_EMERGENCY_NUMBER) -> str:
    """`ATROPHY_EMERGENCY_NUMBER`: 911 by default (or the pipeline's configured number); 999 in the UK, 112 in the
    EU."""
    return _get(EMERGENCY_NUMBER) or default


def max_message_chars() -> int:
    """`ATROPHY_MAX_MESSAGE_CHARS`: the longest message a channel takes, 5,000 characters (a long page) by default."""
    return int(_number(MAX_MESSAGE_CHARS, DEFAULT_MAX_MESSAGE_CHARS))


def lock_database() -> str | None:
    """`ATROPHY_LOCK_DB`: the SQLite file in which the worker processes of one Rasa server (SANIC_WORKERS > 1, no
    Redis) queue for a conversation; unset: the endpoint's `lock_db`, else build/locks.db (addons/lock_store.py)."""
    return _get(LOCK_DB)


def model_path() -> Path:
    """`ATROPHY_MODEL`: the trained Rasa model the launchers serve; models/atrophy.tar.gz (what `make train` writes)
    by default."""
    return Path(_get(MODEL) or PROJECT_ROOT / "models" / "atrophy.tar.gz")


def database_url() -> str:
    """`ATROPHY_DB_URL`: the knowledge base and escalation log (any SQLAlchemy URL); SQLite in build/ by default."""
    return _get(DB_URL) or f"sqlite:///{BUILD_DIR / 'atrophy.db'}"


def tracker_database_url() -> str:
    """`ATROPHY_TRACKER_DB_URL`: where conversations are stored (any SQLAlchemy URL); SQLite in build/ by default."""
    return _get(TRACKER_DB_URL) or f"sqlite:///{BUILD_DIR / 'tracker.db'}"


def redis_url() -> str | None:
    """`ATROPHY_REDIS_URL`: the Redis that locks conversations across replicas (e.g. redis://127.0.0.1:6379/1);
    unset, one server locks in memory."""
    return _get(REDIS_URL)


def action_timeout() -> float:
    """`ATROPHY_ACTION_TIMEOUT`: seconds a custom action may take, 10 by default (Rasa's own is 300)."""
    return _number(ACTION_TIMEOUT, DEFAULT_ACTION_TIMEOUT)


def session_secret() -> str | None:
    """`ATROPHY_SESSION_SECRET`: the key that signs the web page's session ids; unset, a random one per process."""
    return _get(SESSION_SECRET)


def oncall_webhook() -> tuple[str | None, str | None]:
    """`ATROPHY_ONCALL_WEBHOOK_URL` and `ATROPHY_ONCALL_SECRET`: where escalations are posted, and the HMAC key;
    unset, nobody is notified."""
    return _get(ONCALL_WEBHOOK_URL), _get(ONCALL_SECRET)
