"""What the project's Slack and Telegram channels share: settings from the environment, the "off" endpoint, and
the answers' Markdown source links in each platform's own form."""

from __future__ import annotations

import os
import re
from http import HTTPStatus
from typing import Any, Dict, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request

# An answer's source line holds Markdown links, "[MedlinePlus](https://...)", which the web page renders as links.
MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\((https://[^)\s]+)\)")


def slack_links(text: Text) -> Text:
    """Markdown links as Slack mrkdwn links, <url|title>."""
    return MARKDOWN_LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text or "")


def plain_links(text: Text) -> Text:
    """Markdown links as "title (url)", for channels that show plain text (Telegram, the terminal)."""
    return MARKDOWN_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text or "")


def setting(credentials: Optional[Dict[Text, Any]], env_name: Text, key: Text, default: Any = None) -> Any:
    """The environment variable, else the key of the channel's section in credentials.yml, else the default."""
    return os.environ.get(env_name) or (credentials or {}).get(key) or default


def off_blueprint(name: Text, missing: Text) -> Blueprint:
    """The blueprint of a channel that is not configured: the server runs, its webhook answers 503."""
    blueprint = Blueprint(f"{name}_webhook", __name__)

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> Any:
        return response.json({"status": "not configured"})

    @blueprint.route("/webhook", methods=["GET", "POST"])
    async def webhook(_: Request) -> Any:
        return response.text(
            f"The {name} channel is not configured ({missing}).", status=HTTPStatus.SERVICE_UNAVAILABLE
        )

    return blueprint
