#!/usr/bin/env python
"""Run N Rasa server replicas, each with its action server, sharing PostgreSQL (conversations, knowledge base,
escalation log) and Redis (conversation locks): the scale-out set-up of deploy/README.md on one machine.

    make replicas                      # 2 replicas: Rasa on 127.0.0.1:5005, 5006; actions on 5055, 5056
    python scripts/replicas.py --replicas 3 --rasa-port 6005 --action-port 6055 [--lock-store stock]

Environment (or .env): ATROPHY_TRACKER_DB_URL (default postgresql+psycopg2://postgres@127.0.0.1:5432/atrophy,
created when missing), ATROPHY_DB_URL (default: the same database), ATROPHY_REDIS_URL (default
redis://127.0.0.1:6379/1), ATROPHY_MODEL (default models/atrophy.tar.gz). Put a load balancer in front of the
Rasa ports (deploy/ has nginx in the compose file and a Kubernetes Service in the Helm values); any replica can
take any message of any conversation. `--lock-store stock` uses Rasa's own `type: redis` lock store instead of
the project's, for comparison only: it loses events between replicas (tests/e2e/test_replicas.py).

Prints one JSON line {"ready": true, "rasa": [urls], "actions": [urls]} once every server answers, then runs
until interrupted (Ctrl-C / SIGTERM), and stops everything it started. Logs go to --workdir.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from atrophy.settings import PROJECT_ROOT as ROOT
from atrophy.settings import model_path
from scripts.processes import stop
from scripts.servers import Servers

DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/atrophy"
DEFAULT_REDIS = "redis://127.0.0.1:6379/1"


def load_dotenv(path: Path = ROOT / ".env") -> None:
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` when it does not exist (other back ends: nothing to do)."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    try:
        with engine.connect() as c:
            if not c.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": parsed.database}).first():
                c.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        engine.dispose()


def lock_store_section(kind: str, redis_url: str) -> dict:
    if kind == "atomic":
        return {"type": "addons.lock_store.AtomicRedisLockStore"}
    parts = urlsplit(redis_url)
    section = {
        "type": "redis",
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int((parts.path or "/1").strip("/") or 1),
        "key_prefix": "stock",
    }
    if parts.password:
        section["password"] = parts.password
    return section


def stores_for(lock_store: str, redis_url: str) -> dict:
    return {
        "tracker_store": {"type": "addons.tracker_store.EnvSQLTrackerStore"},
        "lock_store": lock_store_section(lock_store, redis_url),
    }


def stop_all(replicas: list[Servers]) -> None:
    procs = [p for r in replicas for p in (r.rasa, r.actions) if p is not None]
    for proc in procs:  # all at once, then wait for each
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs:
        stop(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--rasa-port", type=int, default=5005, help="port of the first Rasa replica")
    parser.add_argument("--action-port", type=int, default=5055, help="port of the first action server")
    parser.add_argument("--lock-store", choices=["atomic", "stock"], default="atomic")
    parser.add_argument("--model", default=None)
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "replicas")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the servers")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be >= 1")

    load_dotenv()
    tracker_url = os.environ.setdefault("ATROPHY_TRACKER_DB_URL", DEFAULT_PG)
    os.environ.setdefault("ATROPHY_DB_URL", tracker_url)
    redis_url = os.environ.setdefault("ATROPHY_REDIS_URL", DEFAULT_REDIS)
    model = Path(args.model) if args.model else model_path()
    ensure_database(tracker_url)
    ensure_database(os.environ["ATROPHY_DB_URL"])
    args.workdir.mkdir(parents=True, exist_ok=True)

    replicas = [
        Servers(
            args.workdir,
            rasa_port=args.rasa_port + i,
            action_port=args.action_port + i,
            model=model,
            stores=stores_for(args.lock_store, redis_url),
            name=str(i),
            ready_statuses=(200,),
            timeout=args.timeout,
        )
        for i in range(args.replicas)
    ]

    def on_signal(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt  # SIGTERM stops the replicas as Ctrl-C does (the finally below)

    signal.signal(signal.SIGTERM, on_signal)
    try:
        for replica in replicas:
            replica.spawn()
        for replica in replicas:
            replica.wait()
        print(
            json.dumps(
                {
                    "ready": True,
                    "rasa": [r.url for r in replicas],
                    "actions": [r.action_url for r in replicas],
                    "lock_store": args.lock_store,
                }
            ),
            flush=True,
        )
        while all(p.poll() is None for r in replicas for p in (r.rasa, r.actions)):
            time.sleep(1)
        failed = [p.args[1:3] for r in replicas for p in (r.rasa, r.actions) if p.poll() is not None]
        print(f"a server stopped: {failed}; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all(replicas)


if __name__ == "__main__":
    sys.exit(main())
