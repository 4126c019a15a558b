"""Helpers for tests of the indicator engine."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import DEFAULT_LEXICON_DIR


def categories(engine: IndicatorEngine, text: str, lang: str) -> list[str]:
    """The categories ``engine`` flags in an ad of ``lang`` with this text and no title
    (no source kind: the ad-context stage decides from the text alone)."""
    return engine.analyse("", text, lang=lang).categories


def lexicons_with_learned(folder: Path, section: str) -> Path:
    """A copy of the bundled lexicons in ``folder`` whose config.yaml has ``section`` as
    its ``learned:`` section (an empty one: the rules alone)."""
    shutil.copytree(DEFAULT_LEXICON_DIR, folder)
    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"\nlearned:\n(?:  .*\n)+", f"\n{section}", text), encoding="utf-8")
    return folder
