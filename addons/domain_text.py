"""The text of a domain response, for the safety nets that must answer when Rasa's own rendering cannot.

The words of every reply belong to domain.yml. The apology when the action server fails, the reply when the
policies said nothing and the replies when the conversation stores are down are domain responses too; these
helpers render them through Rasa's NLG and, should that fail, fill the first text variant of the loaded domain
themselves. Only when the domain itself is missing (no model loaded) does a caller's last-resort sentence apply.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def first_text(domain: Any, response: str, **values: str) -> str | None:
    """The response's first text variant with its {slot} placeholders filled from `values`, or None."""
    variants = (getattr(domain, "responses", None) or {}).get(response) or []
    for variant in variants:
        text = variant.get("text")
        if text:
            try:
                return text.format(**values)
            except (KeyError, IndexError, ValueError):  # a placeholder we have no value for
                return text
    return None


async def render(
    nlg: Any, domain: Any, response: str, tracker: Any, channel: str, last_resort: str, **values: str
) -> dict[str, Any]:
    """The response as Rasa renders it for `channel` (buttons, custom payloads), marked with its name; else its
    text filled from `values`; else `last_resort`. Never raises: it is used where a reply must go out."""
    if nlg is not None and response in (getattr(domain, "responses", None) or {}):
        try:
            message = await nlg.generate(response, tracker, channel)
            if message:
                return {**message, "utter_action": response}
        except Exception:  # the safety net itself must never fail
            logger.exception("Could not render %s", response)
    return {"text": first_text(domain, response, **values) or last_resort.format(**values)}
