"""Smoke test: ``bench/linking.py --quick`` crawls the demo, scores it and times the store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]


def test_the_linking_benchmark_runs_in_quick_mode_and_meets_its_targets() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "linking.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=580,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "carousels: precision 1.000" in out and "recall 1.000" in out, out
    assert "single-city contacts flagged: 0" in out, out
    assert "template pairs: precision" in out, out
    assert "cost per ad 2,000 vs 200:" in out, out
    assert "link store on disk with" in out and "peak RSS of the process" in out, out
    assert "all targets met: yes" in out, out
