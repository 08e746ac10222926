"""The escalation log: every emergency escalation is written down, so it can be audited later."""

from __future__ import annotations

from sqlalchemy import func, select

from atrophy.db import database_url, engine_for, session
from atrophy.models import Escalation


def record(conversation_id: str, channel: str | None, signs: list[str]) -> int:
    """Insert one escalation row and return its id (a conversation may escalate many times). The row says when,
    where and on which signs; what the person wrote is health data the audit does not need, and is not kept
    (the `message` column stays empty, for databases created before)."""
    Escalation.__table__.create(engine_for(database_url()), checkfirst=True)
    with session() as db, db.begin():
        row = Escalation(conversation_id=conversation_id, channel=channel, message="", signs=",".join(signs))
        db.add(row)
        db.flush()
        return row.id


def count_for(conversation_id: str) -> int:
    with session() as db:
        return db.execute(
            select(func.count()).select_from(Escalation).where(Escalation.conversation_id == conversation_id)
        ).scalar_one()
