"""No secrets in the repository. (The running servers' security footing, API only with a token, CORS limited to
the web page, telemetry off, is tested on `make run` itself: tests/e2e/test_shell.py.)"""

from __future__ import annotations

import re
import subprocess

from tests.support.paths import ROOT


def test_no_secrets_are_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert ".env" not in tracked and ".env" in (ROOT / ".gitignore").read_text().split()
    example = (ROOT / ".env.example").read_text()
    for name in ("RASA_AUTH_TOKEN", "ATROPHY_TRACKER_DB_URL", "ATROPHY_REDIS_URL", "POSTGRES_PASSWORD"):
        assert f"# {name}=" in example, name  # documented, commented out, no value to copy by mistake
    secret_like = re.compile(
        r"(xox[bp]-[0-9A-Za-z-]{10,}|\d{8,10}:[A-Za-z0-9_-]{30,}|postgres(ql)?(\+\w+)?://"
        r"[^:@/\s]+:(?![A-Z_]+@)[^@\s${]{6,}@)"
    )  # PASSWORD-style placeholders are fine
    for path in tracked:
        if path.startswith(("tests/", "node_modules/")) or path.endswith(("package-lock.json", ".lock")):
            continue
        file = ROOT / path
        if file.is_file() and file.stat().st_size < 1_000_000:
            text = file.read_text(errors="ignore")
            assert not secret_like.search(text), f"{path}: {secret_like.search(text).group(0)}"
