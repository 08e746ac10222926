"""Build the project's spaCy pipeline: blank English plus the stroke red-flag rules.

Usage: python scripts/build_spacy.py [OUT_DIR]   (default: build/spacy/en_atrophy under the repo root)

No model download is needed: the pipeline is `spacy.blank("en")` with an `entity_ruler` holding the sign
patterns of data/red_flags/lexicon.yml. Rasa's SpacyNLP loads the same directory for tokenization, and
atrophy.red_flags loads it for detection. Rebuilding writes the same files, so it is safe to repeat.
"""

from __future__ import annotations

import sys
from pathlib import Path

from atrophy.red_flags import build_pipeline
from atrophy.settings import BUILD_DIR

DEFAULT_OUT = BUILD_DIR / "spacy" / "en_atrophy"


def build(out_dir: str | Path = DEFAULT_OUT) -> Path:
    """Write the pipeline to `out_dir` (created if needed) and return its path."""
    out = Path(out_dir)
    if not out.is_absolute():
        out = Path.cwd() / out
    out.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(out)
    return out


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out = build(argv[0] if argv else DEFAULT_OUT)
    print(f"spaCy pipeline with the red-flag rules written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
