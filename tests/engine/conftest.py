"""Fixtures of the indicator-engine tests."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import load_lexicon
from pipelines.engine.native import load_source
from tests.support.engine import lexicons_with_learned


@pytest.fixture
def engine() -> IndicatorEngine:
    """An engine on the bundled lexicons (compiled once per process, fresh price tracker)."""
    return IndicatorEngine.from_dir()


@pytest.fixture(scope="session")
def rules_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled lexicons without the learned backstop (the ``learned:`` section of
    config.yaml): the rules alone."""
    return lexicons_with_learned(tmp_path_factory.mktemp("rules") / "lexicons", "")


@pytest.fixture
def rules_only(rules_folder: Path) -> IndicatorEngine:
    """An engine on the rules alone (compiled once per process, fresh price tracker)."""
    return IndicatorEngine(load_lexicon(rules_folder))


@pytest.fixture(scope="session")
def indicators_source() -> ModuleType:
    """``pipelines/engine/indicators.py`` run from its source, even where the package
    imports its compiled build: for tests that replace or count the matcher's internals
    (the compiled module calls them directly, past any patch)."""
    return load_source("indicators")
