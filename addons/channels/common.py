"""What the project's Slack and Telegram channels share: settings from the environment, the "off" endpoint."""
from __future__ import annotations

import os
from http import HTTPStatus
from typing import Any, Dict, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request


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
        return response.text(f"The {name} channel is not configured ({missing}).",
                             status=HTTPStatus.SERVICE_UNAVAILABLE)

    return blueprint
