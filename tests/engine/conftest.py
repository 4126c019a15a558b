"""Fixtures of the indicator-engine tests."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine


@pytest.fixture
def engine() -> IndicatorEngine:
    """An engine on the bundled lexicons (compiled once per process, fresh price tracker)."""
    return IndicatorEngine.from_dir()
