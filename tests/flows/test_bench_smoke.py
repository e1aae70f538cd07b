"""The benchmarks' quick runs, end to end: a benchmark that breaks, or silently measures error answers,
reports figures that mean nothing (the HTTP run once measured 500s for every request, and the timeline
load stopped when the channels' secrets came to be sealed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ingest_benchmark_quick_run_stores_every_message_over_http() -> None:
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest.py"), "--quick", "--mode", "http"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    (line,) = [json.loads(text) for text in finished.stdout.splitlines() if text.startswith("{")]
    assert line["mode"] == "http"
    assert line["non_202"] == 0
    assert line["statuses"] == {"202": line["n"] + 10}  # the warm-up, min(200, n/20), answered too
    assert line["per_s"] > 0


def test_timeline_benchmark_quick_run_loads_and_reads_timelines() -> None:
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "timeline.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    lines = {line["bench"]: line for line in map(json.loads, finished.stdout.splitlines())}
    assert lines["timeline_load"]["tables"]["messages"] == 2000
    assert lines["timeline"]["queries"] == 100 and lines["timeline"]["avg_entries"] > 0
    assert lines["timeline_heavy"]["p99_ms"] > 0
