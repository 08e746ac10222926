"""Low-level helpers for the project's processes on loopback (free ports, their environment, waiting until one is
ready, stopping it): used by the launcher (scripts/servers.py) and by the tests that start other processes."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time

import requests

# Below Linux's ephemeral range (32768-60999), so outgoing connections cannot take a port between the
# moment it is chosen and the moment a server binds it.
PORT_RANGE = (20000, 32000)
_taken: set[int] = set()


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports not handed out before by this process."""
    for _ in range(1000):
        base = random.randrange(PORT_RANGE[0], PORT_RANGE[1] - count)
        block = range(base, base + count)
        if not _taken.intersection(block) and all(_bindable(p) for p in block):
            _taken.update(block)
            return base
    raise RuntimeError(f"no {count} consecutive free ports in {PORT_RANGE}")


def free_port() -> int:
    return free_ports(1)


# How the project's Rasa server runs TensorFlow: one thread per operation and one operation at a time. Its models are
# small and each message runs them on one short text, where TensorFlow's default thread pools (one thread per CPU)
# cost more in hand-overs than they save: on 2 cores, one thread each served 10-12% more messages a second at 20
# conversations and answered a single user 4-12 ms sooner (docs/performance.md). scripts/run.sh and the Rasa image
# set the same; training keeps TensorFlow's defaults.
SERVING_ENV = {"TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1"}


def base_env(**extra: str) -> dict[str, str]:
    """The environment every server of the project runs with: telemetry off, loopback (the project is
    importable through its editable install)."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST="127.0.0.1",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    env.update(extra)
    return env


def wait_until(check, timeout: float, what: str, proc: subprocess.Popen | None = None, interval: float = 0.5) -> None:
    """Poll `check()` until it is true; fail when `proc` exits or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")


def stop(proc: subprocess.Popen | None, timeout: float = 20) -> None:
    """Ctrl-C the process, then kill it if it has not ended after `timeout` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
