"""The README's benchmark table is generated from results/bench.json (scripts/bench.py --readme-only)."""

from __future__ import annotations

import json

from scripts.bench import readme_table, targets
from scripts.readme_block import write_block
from tests.support.paths import ROOT

RESULTS = json.loads((ROOT / "results" / "bench.json").read_text())


def test_the_table_says_when_where_and_every_measure_of_every_bot():
    table = readme_table(RESULTS)
    assert f"Measured {RESULTS['date']} on {RESULTS['machine']['cpus']} CPUs" in table
    header = next(line for line in table.splitlines() if line.startswith("| measure |"))
    assert "atrophy" in header and "stock" in header
    for measure, path in [
        ("training time (s)", ("train_s",)),
        ("1 user: p95 (ms)", ("single", "p95_ms")),
        ("20 conv.: throughput (msg/s)", ("concurrent", "throughput_msg_s")),
    ]:
        row = next(line for line in table.splitlines() if line.startswith(f"| {measure} |"))
        for bot in ("atrophy", "stock"):
            value = RESULTS[bot]
            for key in path:
                value = value[key]
            assert f"| {value} |" in row, (measure, bot)
    assert table.count("| **no** |") + table.count("| yes |") == len(RESULTS["targets"])


def test_the_targets_follow_from_the_figures():
    worse = json.loads(json.dumps(RESULTS))
    worse["atrophy"]["concurrent"]["errors"] = 1
    assert targets(worse)["0 errors and 0 empty replies"]["met"] is False
    better = json.loads(json.dumps(RESULTS))
    better["atrophy"]["concurrent"]["p95_ms"] = better["stock"]["concurrent"]["p95_ms"]
    assert targets(better)["20 conversations: p95 <= 1.2x"] == {"ratio": 1.0, "met": True}


def test_the_block_replaces_only_its_part_of_the_readme(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- bench-figures:start -->\nSTALE-TABLE\n<!-- bench-figures:end -->\nafter\n")
    write_block("bench-figures", readme_table(RESULTS), readme)
    text = readme.read_text()
    assert text.startswith("before\n") and text.endswith("after\n") and "STALE-TABLE" not in text
    assert readme_table(RESULTS) in text
