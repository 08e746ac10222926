"""`make shell` as a person uses it: scripts/run.sh shell in a pseudo-terminal, driven with pexpect."""

from __future__ import annotations

import os
import signal
import socket
import time

import pexpect
import pytest
import requests
import yaml

from atrophy.settings import model_path
from scripts.processes import base_env, free_port
from tests.support.paths import ROOT

MODEL = model_path()

pytestmark = pytest.mark.e2e

STROKE = "my dad suddenly can't move his arm and his vision went blurry"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_shell(tmp_path, log) -> tuple[pexpect.spawn, int, int]:
    """`scripts/run.sh shell` in a pseudo-terminal on free ports: (the shell, the action port, the Rasa port)."""
    action_port, rasa_port = free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"}}))
    env = base_env(
        ACTION_PORT=str(action_port),
        RASA_PORT=str(rasa_port),
        ATROPHY_MODEL=str(MODEL),
        ATROPHY_ENDPOINTS=str(endpoints),
        ATROPHY_DB_URL=f"sqlite:///{tmp_path / 'kb.db'}",
        TERM="xterm",
        COLUMNS="200",
        LINES="50",
    )
    shell = pexpect.spawn(
        "bash",
        [str(ROOT / "scripts" / "run.sh"), "shell"],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=240,
        dimensions=(50, 200),
        logfile=log,
    )
    return shell, action_port, rasa_port


def test_shell_answers_a_question_and_shows_an_emergency_readably(tmp_path):
    log = open(tmp_path / "shell.log", "w")
    shell, action_port, rasa_port = start_shell(tmp_path, log)
    try:
        shell.expect("Bot loaded. Type a message")
        # Started as `make shell` starts it, without RASA_AUTH_TOKEN: Rasa's HTTP API is off.
        assert requests.get(f"http://127.0.0.1:{rasa_port}/status", timeout=10).status_code == 404
        assert requests.get(f"http://127.0.0.1:{rasa_port}/conversations/x/tracker", timeout=10).status_code == 404
        shell.sendline("what causes muscle atrophy?")
        shell.expect("Disuse atrophy", timeout=60)
        shell.expect("Neurogenic atrophy", timeout=10)
        shell.sendline(STROKE)
        shell.expect("EMERGENCY: call 911 now", timeout=60)
        shell.expect("this may be a stroke", timeout=10)
        shell.expect("Have you called 911", timeout=30)
        shell.expect("Yes, help is coming", timeout=10)
        shell.send("\r")  # the first button, "Yes, help is coming"
        shell.expect("Stay with the person", timeout=60)
        shell.sendline(STROKE)
        shell.expect("Have you called 911", timeout=60)
        shell.expect("Not yet", timeout=10)
        shell.sendintr()  # Ctrl-C at the button prompt stops the shell and the action server
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
        log.close()
    assert not port_open(action_port), "the action server must stop with the shell"
    assert not port_open(rasa_port)


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on for this port (from /proc/net/tcp, IPv4)."""
    found = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def allowed_origin(rasa_port: int, origin: str) -> str | None:
    """The Access-Control-Allow-Origin the Rasa server gives a browser page at `origin`."""
    response = requests.post(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        json={"sender": "cors-check", "message": "hello"},
        headers={"Origin": origin},
        timeout=60,
    )
    return response.headers.get("Access-Control-Allow-Origin")


def server_environment(port: int) -> dict[str, str]:
    """The environment of the process serving `port` (found by its command line), from /proc."""
    for proc in os.listdir("/proc"):
        if not proc.isdigit():
            continue
        try:
            command = open(f"/proc/{proc}/cmdline", "rb").read().split(b"\0")
            if b"run" in command and b"--port" in command and str(port).encode() in command:
                pairs = open(f"/proc/{proc}/environ", "rb").read().split(b"\0")
                return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)
        except OSError:
            continue
    raise AssertionError(f"no process serves port {port}")


def test_closing_the_terminal_stops_every_server_of_the_shell_and_they_listen_on_loopback_only(tmp_path):
    with open(tmp_path / "shell.log", "w") as log:
        shell, action_port, rasa_port = start_shell(tmp_path, log)
        try:
            shell.expect("Bot loaded. Type a message")
            for _ in range(60):
                if port_open(action_port) and port_open(rasa_port):
                    break
                time.sleep(1)
            assert listening_addresses(rasa_port) == {"127.0.0.1"}
            assert listening_addresses(action_port) == {"127.0.0.1"}
            # The terminal goes away: the kernel sends SIGHUP to the terminal's foreground process group.
            os.killpg(os.getpgid(shell.pid), signal.SIGHUP)
            shell.expect(pexpect.EOF, timeout=60)
        finally:
            if shell.isalive():
                shell.terminate(force=True)
    for _ in range(60):
        if not port_open(action_port) and not port_open(rasa_port):
            break
        time.sleep(1)
    assert not port_open(action_port), "the action server must stop when the terminal closes"
    assert not port_open(rasa_port), "the shell's Rasa server must stop when the terminal closes"


def test_make_run_stops_every_server_on_sigterm(tmp_path):
    """`scripts/run.sh server` (what `make run` starts): the action server, the web page and the Rasa server all
    listen on loopback only; Rasa's HTTP API answers only with the token of RASA_AUTH_TOKEN; CORS allows the web
    page's origin and no other; the Rasa server runs with telemetry off; and SIGTERM to the script (a service manager
    stopping it) stops all three."""
    import subprocess

    action_port, rasa_port, web_port = free_port(), free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"}}))
    env = base_env(
        ACTION_PORT=str(action_port),
        RASA_PORT=str(rasa_port),
        ATROPHY_WEB_PORT=str(web_port),
        ATROPHY_MODEL=str(MODEL),
        ATROPHY_ENDPOINTS=str(endpoints),
        ATROPHY_DB_URL=f"sqlite:///{tmp_path / 'kb.db'}",
    )
    env["RASA_AUTH_TOKEN"] = token = "run-sh-test-token"
    with open(tmp_path / "run.log", "wb") as log:
        script = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "run.sh"), "server"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            for _ in range(240):
                if all(port_open(p) for p in (action_port, rasa_port, web_port)):
                    break
                time.sleep(1)
            for port in (action_port, rasa_port, web_port):
                assert listening_addresses(port) == {"127.0.0.1"}, port
            reply = requests.post(
                f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                timeout=60,
                json={"sender": "run-check", "message": STROKE},
            ).json()
            assert reply and (reply[0].get("custom") or {}).get("emergency") is True
            tracker = f"http://127.0.0.1:{rasa_port}/conversations/run-check/tracker"
            assert requests.get(tracker, timeout=30).status_code in (401, 403)  # no token: refused
            assert requests.get(tracker, params={"token": token}, timeout=30).ok
            page, other = f"http://localhost:{web_port}", "http://attacker.example"
            assert allowed_origin(rasa_port, page) == page
            assert allowed_origin(rasa_port, other) in (None, "")
            environment = server_environment(rasa_port)
            assert environment.get("RASA_TELEMETRY_ENABLED") == "false"
            assert environment.get("TF_INTRA_OP_PARALLELISM_THREADS") == "1"  # the set-up the bench measures
            script.send_signal(signal.SIGTERM)
            script.wait(timeout=30)
            still_open = [p for p in (action_port, rasa_port, web_port) if port_open(p)]
        finally:
            try:  # whatever is left of the script's process group, so that a failure leaves nothing running
                os.killpg(script.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert not still_open, f"servers outlived SIGTERM on ports {still_open}"
