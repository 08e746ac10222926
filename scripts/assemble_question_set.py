"""Turn writers' question files (id, text, topic, tags) into a labelled set in the format of ../shared/tools:
each question and conversation gets the `expect_any` words of its topic from data/questions/topics.yml.

    python scripts/assemble_question_set.py OUT.yml IN.yml [IN.yml ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

TOPICS = Path(__file__).resolve().parents[1] / "data" / "questions" / "topics.yml"


def main(out: str, *inputs: str) -> int:
    topics = yaml.safe_load(TOPICS.read_text(encoding="utf-8"))["topics"]
    questions, conversations = [], []
    for path in inputs:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for q in data.get("questions") or []:
            questions.append(
                {
                    "id": q["id"],
                    "text": q["text"],
                    "topic": q["topic"],
                    "expect_any": list(topics[q["topic"]]["expect_any"]),
                    "tags": list(q.get("tags") or []),
                }
            )
        for c in data.get("conversations") or []:
            conversations.append(
                {
                    "id": c["id"],
                    "turns": list(c["turns"]),
                    "expect": "answer_last",
                    "topic": c["topic"],
                    "expect_any": list(topics[c["topic"]]["expect_any"]),
                    "tags": list(c.get("tags") or []),
                }
            )
    body = {
        "emergency": [],
        "not_emergency_near_miss": {"near_miss": [], "informational_stroke": []},
        "questions": questions,
        "conversations": conversations,
    }
    header = (
        "# Question set assembled by scripts/assemble_question_set.py from writers' files "
        "(docs/question-taxonomy.md);\n"
        "# expect_any is the topic's list in data/questions/topics.yml.\n"
    )
    Path(out).write_text(
        header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
    )
    print(f"{out}: {len(questions)} questions, {len(conversations)} conversations")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
