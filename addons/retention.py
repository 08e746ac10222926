"""Delete conversations older than N days from the tracker store.

    python -m addons.retention --days 30 [--dry-run] [--url URL]

A conversation (all events of one sender) is deleted when its latest event is older than N days, so a
conversation that is still going on is never cut in half. The database is the tracker store's:
`--url`, else `ATROPHY_TRACKER_DB_URL`, else build/tracker.db (addons/tracker_store.py). Run it daily, e.g.
from cron or a Kubernetes CronJob (deploy/README.md). The escalation log is kept: it is the audit trail.
"""

from __future__ import annotations

import argparse
import sys
import time

import sqlalchemy as sa

from addons.tracker_store import tracker_db_url

_metadata = sa.MetaData()
EVENTS = sa.Table(  # the columns of Rasa's SQLTrackerStore table this module needs
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("timestamp", sa.Float),
)


def expired_senders(connection: sa.engine.Connection, cutoff: float) -> list[str]:
    latest = sa.func.max(EVENTS.c.timestamp)
    query = sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(latest < cutoff)
    return list(connection.execute(query).scalars())


def purge(days: float, url: str | None = None, dry_run: bool = False, now: float | None = None) -> dict:
    """Delete (or, dry run, count) conversations whose latest event is older than `days` days."""
    if days < 0:
        raise ValueError("days must be >= 0")
    url = tracker_db_url(url)
    engine = sa.create_engine(url, future=True)
    cutoff = (time.time() if now is None else now) - days * 86400
    try:
        if not sa.inspect(engine).has_table("events"):
            return {"url": url, "conversations": 0, "events": 0, "dry_run": dry_run}
        with engine.begin() as connection:
            senders = expired_senders(connection, cutoff)
            events = 0
            for start in range(0, len(senders), 500):
                chunk = senders[start : start + 500]
                where = EVENTS.c.sender_id.in_(chunk)
                if dry_run:
                    events += connection.execute(sa.select(sa.func.count()).where(where)).scalar_one()
                else:
                    events += connection.execute(sa.delete(EVENTS).where(where)).rowcount
    finally:
        engine.dispose()
    return {"url": url, "conversations": len(senders), "events": events, "dry_run": dry_run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, required=True, help="keep conversations active in the last N days")
    parser.add_argument("--url", help="tracker store SQLAlchemy URL (default: ATROPHY_TRACKER_DB_URL or build/)")
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    args = parser.parse_args(argv)
    if args.days < 0:
        parser.error("--days must be >= 0")
    result = purge(args.days, args.url, args.dry_run)
    shown = sa.engine.make_url(result["url"]).render_as_string(hide_password=True)
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"{shown}: {verb} {result['conversations']} conversation(s), {result['events']} event(s) "
        f"older than {args.days:g} day(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
