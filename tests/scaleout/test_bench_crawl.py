"""Smoke test: ``bench/crawl.py --quick`` runs every section and prints its figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]


def test_the_crawl_benchmark_runs_in_quick_mode(redis_url: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "crawl.py"), "--quick"],
        cwd=ROOT,
        env={**os.environ, "LCOM_REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "ratio lcom/bare" in out
    assert "peak memory without JavaScript" in out
    assert "2 worker(s):" in out and "in any 1-second window" in out
    # A worker run's exit code is in stdout; why it failed (its log's end) is in stderr.
    assert "exit 0" in out and "ABOVE R" not in out and " NO" not in out, (
        out + result.stderr[-3000:]
    )
