"""Tables of the knowledge base (topics, cause categories, conditions) and of the escalation log."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

condition_causes = Table(
    "condition_causes",
    Base.metadata,
    Column("condition_id", ForeignKey("conditions.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("cause_categories.id", ondelete="CASCADE"), primary_key=True),
)


class Topic(Base):
    __tablename__ = "topics"
    id = Column(Integer, primary_key=True)
    slug = Column(String(64), unique=True, nullable=False)
    title = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)
    source = Column(Text, nullable=False)


class CauseCategory(Base):
    __tablename__ = "cause_categories"
    id = Column(Integer, primary_key=True)
    slug = Column(String(64), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    summary = Column(Text, nullable=False)
    details = Column(Text, nullable=False)
    source = Column(Text, nullable=False)
    position = Column(Integer, nullable=False, default=0)
    conditions = relationship(
        "Condition", secondary=condition_causes, back_populates="causes", order_by="Condition.position"
    )


class Condition(Base):
    __tablename__ = "conditions"
    id = Column(Integer, primary_key=True)
    slug = Column(String(64), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    description = Column(Text, nullable=False)
    mechanism = Column(Text, nullable=False)
    symptoms = Column(Text, nullable=False)
    seek_care = Column(Text, nullable=False)
    source = Column(Text, nullable=False)
    position = Column(Integer, nullable=False, default=0)
    causes = relationship(
        "CauseCategory", secondary=condition_causes, back_populates="conditions", order_by="CauseCategory.position"
    )
    synonyms = relationship("ConditionSynonym", back_populates="condition", cascade="all, delete-orphan")


class ConditionSynonym(Base):
    __tablename__ = "condition_synonyms"
    __table_args__ = (UniqueConstraint("normalized"),)
    id = Column(Integer, primary_key=True)
    condition_id = Column(ForeignKey("conditions.id", ondelete="CASCADE"), nullable=False)
    synonym = Column(String(200), nullable=False)
    normalized = Column(String(200), nullable=False)
    condition = relationship("Condition", back_populates="synonyms")


class ContentVersion(Base):
    __tablename__ = "content_version"
    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False)


class Escalation(Base):
    """One row per emergency escalation, kept even when a conversation escalates twice."""

    __tablename__ = "escalations"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=lambda: datetime.now(timezone.utc))
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=True)
    message = Column(Text, nullable=False)
    signs = Column(Text, nullable=False, default="")
