"""The one launcher of the project's servers: an action server and a Rasa server as subprocesses on loopback, with
their own ports, logs and endpoints. Used by the end-to-end tests (tests/support), the benchmark (scripts/bench.py,
which also serves the stock `rasa init` bot with it) and the replicas (scripts/replicas.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from atrophy.settings import PROJECT_ROOT, model_path
from scripts.processes import SERVING_ENV, base_env, free_port, stop, wait_until

ROOT = PROJECT_ROOT
BIN = Path(sys.executable).parent


def project_stores() -> dict[str, Any]:
    """The conversation stores of endpoints.yml as deployed (every section but the action server's address)."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text()) or {}
    return {name: section for name, section in endpoints.items() if name != "action_endpoint"}


@dataclass
class Servers:
    """An action server (unless `with_actions` is off) and a Rasa server serving `model` from `cwd`."""

    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    model: Path = field(default_factory=model_path)
    cwd: Path = ROOT
    credentials: Path | None = ROOT / "credentials.yml"
    rasa_args: list[str] = field(default_factory=list)
    # endpoints.yml sections besides the action server's address, e.g. {"lock_store": {"type": ...}}
    stores: dict[str, Any] = field(default_factory=dict)
    with_actions: bool = True
    # TensorFlow's threads for the Rasa server, as scripts/run.sh serves the project ({} for a bot of other defaults)
    serving_env: dict[str, str] = field(default_factory=lambda: dict(SERVING_ENV))
    name: str = ""  # prefix of the log files, when several sets share a workdir
    # A Rasa server that answers 503 is up, but its conversation stores are not (addons/reply_without_conversation)
    ready_statuses: tuple[int, ...] = (200, 503)
    timeout: float = 240
    token: str | None = None  # Rasa's HTTP API token, when rasa_args turn the API on
    actions: subprocess.Popen | None = None
    rasa: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def _log(self, what: str):
        return open(self.workdir / f"{self.name + '-' if self.name else ''}{what}.log", "ab")

    def _endpoints(self) -> Path | None:
        sections = dict(self.stores)
        if self.with_actions:
            sections = {"action_endpoint": {"url": f"{self.action_url}/webhook"}, **sections}
        if not sections:
            return None
        path = self.workdir / f"{self.name + '-' if self.name else ''}endpoints.yml"
        path.write_text(yaml.safe_dump(sections, sort_keys=False))
        return path

    # -- the action server
    def spawn_actions(self) -> None:
        self.actions = subprocess.Popen(
            # rasa_sdk's own command, as scripts/run.sh starts it (`rasa run actions` imports Rasa around it)
            [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
            cwd=self.cwd,
            env=base_env(**self.env),
            stdout=self._log("actions"),
            stderr=subprocess.STDOUT,
        )

    def wait_for_actions(self) -> None:
        wait_until(lambda: requests.get(f"{self.action_url}/health", timeout=2).ok, 120, "action server", self.actions)

    def start_actions(self) -> None:
        self.spawn_actions()
        self.wait_for_actions()

    def stop_actions(self) -> None:
        stop(self.actions)

    # -- the Rasa server
    def spawn_rasa(self) -> None:
        command = [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(self.model),
            "--port",
            str(self.rasa_port),
            "--interface",
            "127.0.0.1",
        ]
        endpoints = self._endpoints()
        if endpoints:
            command += ["--endpoints", str(endpoints)]
        if self.credentials:
            command += ["--credentials", str(self.credentials)]
        self.rasa = subprocess.Popen(
            command + self.rasa_args,
            cwd=self.cwd,
            env=base_env(**{**self.serving_env, **self.env}),
            stdout=self._log("rasa"),
            stderr=subprocess.STDOUT,
        )

    def wait_for_rasa(self, interval: float = 0.5) -> None:
        wait_until(
            lambda: (
                requests.post(self.webhook, json={"sender": "__probe__", "message": "hello"}, timeout=30).status_code
                in self.ready_statuses
            ),
            self.timeout,
            "Rasa server",
            self.rasa,
            interval=interval,
        )

    def start_rasa(self) -> float:
        """Start the Rasa server; the seconds from process start to its first answer (its cold start)."""
        started = time.monotonic()
        self.spawn_rasa()
        self.wait_for_rasa(interval=0.1)
        return time.monotonic() - started

    def stop_rasa(self) -> None:
        stop(self.rasa)

    # -- both
    def spawn(self) -> None:
        if self.with_actions:
            self.spawn_actions()
        self.spawn_rasa()

    def wait(self) -> None:
        """The Rasa server is probed once the action server answers, so that the probe's reply is a full one."""
        if self.with_actions:
            self.wait_for_actions()
        self.wait_for_rasa()

    def start(self) -> "Servers":
        """Both servers at once (each takes its own time to load)."""
        try:
            self.spawn()
            self.wait()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop(self.rasa)
        stop(self.actions)

    def pids(self) -> list[int]:
        return [p.pid for p in (self.rasa, self.actions) if p is not None and p.poll() is None]

    # -- talking to it
    def send(self, sender: str, message: str, timeout: float = 30) -> list[dict]:
        response = requests.post(self.webhook, json={"sender": sender, "message": message}, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def events(self, sender: str) -> list[dict]:
        """The conversation's events, through Rasa's HTTP API (needs `token`)."""
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker",
            timeout=30,
            params={"token": self.token, "include_events": "ALL"},
        )
        response.raise_for_status()
        return response.json()["events"]

    def restore(self, sender: str, events: list[dict]) -> None:
        """Put a conversation into the state that `events` (recorded from another conversation) describe, without
        running its turns again: Rasa's HTTP API replaces the tracker's events (needs `token`). Timestamps are left
        out, so the state is as fresh as if the turns had just been played."""
        fresh = [{k: v for k, v in event.items() if k != "timestamp"} for event in events]
        response = requests.put(
            f"{self.url}/conversations/{sender}/tracker/events", json=fresh, timeout=30, params={"token": self.token}
        )
        response.raise_for_status()
