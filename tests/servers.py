"""Start the real action server and Rasa server as subprocesses for end-to-end tests."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scripts.processes import base_env, free_port, free_ports, stop, wait_until  # noqa: F401  (shared with scripts/)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = Path(os.environ.get("ATROPHY_MODEL", ROOT / "models" / "atrophy.tar.gz"))


@dataclass
class Servers:
    """An action server and a Rasa server with their own ports, logs and database."""

    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    credentials: Path | None = None
    rasa_args: list[str] = field(default_factory=list)
    # more endpoints.yml sections after action_endpoint, e.g. tracker_store and lock_store
    endpoints_extra: str = ""
    actions: subprocess.Popen | None = None
    rasa: subprocess.Popen | None = None
    token: str | None = None  # Rasa's HTTP API token, when rasa_args turn the API on

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def _log(self, name: str):
        return open(self.workdir / f"{name}.log", "ab")

    def start_actions(self) -> None:
        self._spawn_actions()
        self._wait_for_actions()

    def _spawn_actions(self) -> None:
        self.actions = subprocess.Popen(
            [str(BIN / "rasa"), "run", "actions", "--port", str(self.action_port)],
            cwd=ROOT, env=base_env(**self.env), stdout=self._log("actions"), stderr=subprocess.STDOUT)

    def _wait_for_actions(self) -> None:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2).ok,
                   120, "action server", self.actions)

    def stop_actions(self) -> None:
        stop(self.actions)

    def start_rasa(self) -> None:
        self._spawn_rasa()
        self._wait_for_rasa()

    def _spawn_rasa(self) -> None:
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
                             + self.endpoints_extra)
        credentials = self.credentials or ROOT / "credentials.yml"
        self.rasa = subprocess.Popen(
            [str(BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(endpoints),
             "--credentials", str(credentials), "--port", str(self.rasa_port), "--interface", "127.0.0.1",
             *self.rasa_args],
            cwd=ROOT, env=base_env(**self.env), stdout=self._log("rasa"), stderr=subprocess.STDOUT)

    def _wait_for_rasa(self) -> None:
        # 503: up, but its conversation stores are not (addons/reply_without_conversation.py)
        wait_until(lambda: requests.post(self.webhook, json={"sender": "__probe__", "message": "hello"},
                                         timeout=10).status_code in (200, 503), 240, "Rasa server", self.rasa)

    def start(self) -> "Servers":
        """Both servers at once (each takes its own time to load); the Rasa server is probed once the action
        server answers, so the probe's reply is a full one."""
        self._spawn_actions()
        try:
            self._spawn_rasa()
            self._wait_for_actions()
            self._wait_for_rasa()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop(self.rasa)
        stop(self.actions)

    def send(self, sender: str, message: str, timeout: float = 30) -> list[dict]:
        response = requests.post(self.webhook, json={"sender": sender, "message": message}, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def events(self, sender: str) -> list[dict]:
        """The conversation's events, through Rasa's HTTP API (needs `token`)."""
        response = requests.get(f"{self.url}/conversations/{sender}/tracker", timeout=30,
                                params={"token": self.token, "include_events": "ALL"})
        response.raise_for_status()
        return response.json()["events"]

    def restore(self, sender: str, events: list[dict]) -> None:
        """Put a conversation into the state that `events` (recorded from another conversation) describe, without
        running its turns again: Rasa's HTTP API replaces the tracker's events (needs `token`). Timestamps are left
        out, so the state is as fresh as if the turns had just been played."""
        fresh = [{k: v for k, v in event.items() if k != "timestamp"} for event in events]
        response = requests.put(f"{self.url}/conversations/{sender}/tracker/events", json=fresh, timeout=30,
                                params={"token": self.token})
        response.raise_for_status()
