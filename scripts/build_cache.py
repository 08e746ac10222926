"""Reuse a build product made from the same inputs, as Rasa's own training cache does for the model.

    python scripts/build_cache.py TARGET INPUT [INPUT ...] -- COMMAND [ARG ...]

The key is the SHA-256 of the target's name and the bytes of every input (the Makefile passes the target's
prerequisites, the same files make itself decides staleness by, and the lock file). When the cache holds a product
for that key it is copied to TARGET; otherwise COMMAND builds TARGET and a copy is kept. The cache lives beside
Rasa's (`$XDG_CACHE_HOME/atrophy-assistant/build`, i.e. ~/.cache/...), so a fresh clone on the same machine does not
retrain the stroke and topic classifiers (about 6 minutes) when nothing they are made from changed.
`ATROPHY_BUILD_CACHE=off` always builds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "atrophy-assistant" / "build"


def key(target: str, inputs: list[str]) -> str:
    digest = hashlib.sha256(target.encode())
    for name in inputs:
        digest.update(b"\0" + name.encode() + b"\0")
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()[:24]


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") < 1:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    target, inputs, command = argv[0], argv[1:split], argv[split + 1 :]
    if os.environ.get("ATROPHY_BUILD_CACHE", "").lower() == "off":
        return subprocess.call(command)
    cached = cache_dir() / f"{Path(target).name}-{key(target, inputs)}"
    if cached.is_file():
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)
        print(f"{target}: the same inputs were built before, taken from {cached}")
        return 0
    status = subprocess.call(command)
    if status == 0 and Path(target).is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, cached.with_suffix(".part"))
        os.replace(cached.with_suffix(".part"), cached)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
