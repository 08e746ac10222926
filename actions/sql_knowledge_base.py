"""The SQL knowledge base seen through Rasa SDK's `KnowledgeBase` interface, for `ActionQueryKnowledgeBase`.

Two object types: `condition` (RA, ALS, stroke, ...) and `cause` (the cause categories). Objects are plain dicts
built from `atrophy.knowledge` records, keyed by their slug, so the slots `knowledge_base_listed_objects` and
`knowledge_base_last_object` hold slugs. Lookups accept a slug, a name or a synonym ("Lou Gehrig's disease").
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Callable

from rasa_sdk.knowledge_base.storage import KnowledgeBase

from atrophy import knowledge
from atrophy.knowledge import CategoryInfo, ConditionInfo

CONDITION = "condition"
CAUSE = "cause"

# The attributes a user can ask about, per object type (the `attribute` entity takes these values).
ATTRIBUTES = {
    CONDITION: ["description", "mechanism", "symptoms", "seek_care", "cause"],
    CAUSE: ["summary", "details", "condition"],
}


def condition_object(info: ConditionInfo) -> dict[str, Any]:
    obj = asdict(info)
    obj["cause"] = list(info.cause_slugs)
    return obj


def cause_object(info: CategoryInfo) -> dict[str, Any]:
    obj = asdict(info)
    obj["condition"] = list(info.condition_slugs)
    return obj


class SQLKnowledgeBase(KnowledgeBase):
    """Read-only, backed by the SQLAlchemy queries of `atrophy.knowledge` (SQLite or PostgreSQL)."""

    def __init__(self) -> None:
        super().__init__()
        for object_type in ATTRIBUTES:
            self.key_attribute[object_type] = "slug"
            self.representation_function[object_type] = lambda obj: obj["name"]

    def get_object_types(self) -> list[str]:
        return list(ATTRIBUTES)

    async def get_attributes_of_object(self, object_type: str) -> list[str]:
        return list(ATTRIBUTES.get(object_type, []))

    async def get_objects(
        self, object_type: str, attributes: list[dict[str, str]], limit: int = 20
    ) -> list[dict[str, Any]]:
        """All objects of a type in their curated order, filtered by links
        ({"name": "cause", "value": "neurogenic"})."""
        if object_type == CONDITION:
            objects = [condition_object(c) for c in knowledge.conditions()]
        elif object_type == CAUSE:
            objects = [cause_object(c) for c in knowledge.cause_categories()]
        else:
            return []
        for attribute in attributes:
            wanted = self._linked_slug(attribute["name"], attribute["value"])
            if wanted is None:
                return []
            objects = [o for o in objects if wanted in o.get(attribute["name"], [])]
        return objects[:limit]

    async def get_object(self, object_type: str, object_identifier: str) -> dict[str, Any] | None:
        if not object_identifier:
            return None
        if object_type == CONDITION:
            found = knowledge.find_condition(str(object_identifier).replace("_", " "))
            return condition_object(found) if found else None
        if object_type == CAUSE:
            found = knowledge.find_cause(str(object_identifier))
            return cause_object(found) if found else None
        return None

    async def find_any(self, object_identifier: str) -> tuple[str, dict[str, Any]] | None:
        """The object a slug or name refers to, whatever its type (slugs are unique across both types)."""
        for object_type in (CONDITION, CAUSE):
            obj = await self.get_object(object_type, object_identifier)
            if obj is not None:
                return object_type, obj
        return None

    @staticmethod
    def _linked_slug(attribute: str, value: str) -> str | None:
        finder: Callable[[str], Any] | None = {CAUSE: knowledge.find_cause, CONDITION: knowledge.find_condition}.get(
            attribute
        )
        found = finder(value) if finder else None
        return found.slug if found else None
