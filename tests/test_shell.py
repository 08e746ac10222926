"""`make shell` as a person uses it: scripts/run.sh shell in a pseudo-terminal, driven with pexpect."""
from __future__ import annotations

import os
import socket

import pexpect
import pytest

from tests.servers import MODEL, ROOT, base_env, free_port

pytestmark = pytest.mark.e2e

STROKE = "my dad suddenly can't move his arm and his vision went blurry"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_shell_answers_a_question_and_shows_an_emergency_readably(tmp_path):
    action_port, rasa_port = free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    env = base_env(ACTION_PORT=str(action_port), RASA_PORT=str(rasa_port), ATROPHY_MODEL=str(MODEL),
                   ATROPHY_ENDPOINTS=str(endpoints), ATROPHY_DB_URL=f"sqlite:///{tmp_path / 'kb.db'}",
                   TERM="xterm", COLUMNS="200", LINES="50")
    log = open(tmp_path / "shell.log", "w")
    shell = pexpect.spawn("bash", [str(ROOT / "scripts" / "run.sh"), "shell"], cwd=str(ROOT), env=env,
                          encoding="utf-8", timeout=240, dimensions=(50, 200), logfile=log)
    try:
        shell.expect("Bot loaded. Type a message")
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
