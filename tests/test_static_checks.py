"""Lint, format and strict typing of the packages, as part of the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = ["crawler", "pipelines", "legal_guardrails", "dashboards", "tests", "bench", "setup.py"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_nothing_to_fix() -> None:
    result = run("ruff", "check", *TREES)
    assert result.returncode == 0, result.stdout[-4000:]


def test_code_is_formatted() -> None:
    result = run("ruff", "format", "--check", *TREES)
    assert result.returncode == 0, result.stdout[-4000:]


def test_packages_type_check_strictly() -> None:
    result = run("mypy")  # packages and strictness come from pyproject.toml
    assert result.returncode == 0, result.stdout[-4000:]
