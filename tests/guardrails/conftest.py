"""Fixtures for the policy tests: a fixed moment and an editable copy of a policy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

#: Every test checks policies as of this moment, so the golden files never rot.
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
EXAMPLES = Path(__file__).resolve().parent / "examples"
MINIMAL = EXAMPLES / "positive" / "minimal"

Edit = Callable[[str, str, str], None]


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    """A private copy of the minimal passing policy."""
    target = tmp_path / "policy"
    shutil.copytree(MINIMAL, target)
    return target


@pytest.fixture
def edit(policy_dir: Path) -> Edit:
    """Replace text in a file of ``policy_dir``: ``edit("bundle.yaml", old, new)``."""

    def _edit(rel: str, old: str, new: str) -> None:
        path = policy_dir / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return _edit
