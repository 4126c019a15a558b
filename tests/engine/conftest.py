"""Fixtures of the indicator-engine tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import DEFAULT_LEXICON_DIR, load_lexicon


@pytest.fixture
def engine() -> IndicatorEngine:
    """An engine on the bundled lexicons (compiled once per process, fresh price tracker)."""
    return IndicatorEngine.from_dir()


@pytest.fixture(scope="session")
def rules_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled lexicons without the learned backstop (the ``learned:`` section of
    config.yaml): the rules alone."""
    folder = tmp_path_factory.mktemp("rules") / "lexicons"
    shutil.copytree(DEFAULT_LEXICON_DIR, folder)
    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"\nlearned:\n(?:  .*\n)+", "\n", text), encoding="utf-8")
    return folder


@pytest.fixture
def rules_only(rules_folder: Path) -> IndicatorEngine:
    """An engine on the rules alone (compiled once per process, fresh price tracker)."""
    return IndicatorEngine(load_lexicon(rules_folder))
